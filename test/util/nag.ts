import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/** The outcome of {@link synthWithNag}. */
export interface NagSynth {
  /** What `app.synth()` threw (the plugin's report of unacknowledged findings), if anything. */
  readonly synthError: unknown;
  /** Unacknowledged findings of cdk-nag's API on the synthesized tree, as `<rule> <construct paths>`. */
  readonly findings: string[];
}

/**
 * Synthesizes `app` the way `bin/examples.ts` does: cdk-nag (AwsSolutions)
 * registered as a policy-validation plugin, so synth throws on any finding
 * that is not acknowledged. Also runs the same checks through the cdk-nag API
 * on the synthesized tree. Build the stacks first; call once per app.
 */
export function synthWithNag(app: App): NagSynth {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let synthError: unknown;
  try {
    app.synth();
  } catch (e) {
    synthError = e;
  }
  const report = new AwsSolutionsChecks().validateScope(app);
  const findings = report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
  return { synthError, findings };
}
