import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Aspects, CfnOutput, CfnResource, IAspect, ISynthesisSession, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { checkInt, checkNumber } from '../core/validation';

/** Thresholds of {@link StackLimits.guard}. */
export interface StackLimitsProps {
  /**
   * Fail when a stack has more resources than this (CloudFormation's hard limit is 500).
   * @default 450
   */
  readonly maxResources?: number;
  /**
   * Fail when a stack's template (as written to the cloud assembly) has more bytes than this
   * (CloudFormation's hard limit for a template in S3 is 1 MB = 1,048,576 bytes).
   * @default 921600 (900 KiB)
   */
  readonly maxTemplateBytes?: number;
  /**
   * Fail when a stack has more outputs than this (CloudFormation's hard limit is 200).
   * @default 180
   */
  readonly maxOutputs?: number;
  /**
   * Warn (`cdk-mlops:stack-limits`) when a stack reaches this fraction of any limit above.
   * Set 1 to never warn.
   * @default 0.8
   */
  readonly warnAt?: number;
}

/** What a stack's synthesized template uses, measured by {@link StackLimits.measure}. */
export interface StackUsage {
  /** The stack's name. */
  readonly stackName: string;
  /** Resources in the template. */
  readonly resources: number;
  /** Outputs in the template. */
  readonly outputs: number;
  /** Bytes of the template as CDK writes it to the cloud assembly (UTF-8). */
  readonly templateBytes: number;
}

/** The default thresholds, in one place for the docs, the factory and the tests. */
const DEFAULTS = { maxResources: 450, maxTemplateBytes: 900 * 1024, maxOutputs: 180, warnAt: 0.8 };
const GUARDED = Symbol.for('cdk-mlops.StackLimits.guarded');

/**
 * A synth-time guard against CloudFormation's per-stack limits (500 resources,
 * a 1 MB template, 200 outputs), usable on any stack or app, with or without
 * the {@link ModelFactory}.
 *
 * Each guarded stack is checked twice, both during `app.synth()` (so `cdk synth`
 * fails, not a half-applied CloudFormation change set):
 * - a validation counts its resources and outputs on the construct tree, so
 *   every stack over a limit is reported at once;
 * - when CDK has written the stack's template, the file itself (the resolved
 *   template CloudFormation will receive, synthesizer additions included) is
 *   measured: bytes, resources and outputs.
 * It fails, naming the stack, the count and the fix, above 450 resources,
 * 900 KiB of template or 180 outputs, and adds a `cdk-mlops:stack-limits`
 * warning at 80% of a limit.
 *
 * @example
 * StackLimits.guard(app); // every stack of the app, including stacks added later
 */
export class StackLimits {
  /** Default `maxResources`. */
  public static readonly DEFAULT_MAX_RESOURCES = DEFAULTS.maxResources;
  /** Default `maxTemplateBytes`. */
  public static readonly DEFAULT_MAX_TEMPLATE_BYTES = DEFAULTS.maxTemplateBytes;
  /** Default `maxOutputs`. */
  public static readonly DEFAULT_MAX_OUTPUTS = DEFAULTS.maxOutputs;

  /**
   * Guards a stack, or every stack under an app, stage or other construct
   * (an Aspect finds stacks added after this call too). Guarding a stack twice
   * keeps the first thresholds.
   *
   * @param scope a Stack, an App/Stage, or any construct containing stacks
   * @param props the thresholds
   */
  public static guard(scope: IConstruct, props: StackLimitsProps = {}): void {
    const limits = resolveLimits(scope, props);
    if (Stack.isStack(scope)) {
      addGuard(scope, limits);
    } else {
      Aspects.of(scope).add(new StackLimitsAspect(limits));
    }
  }

  /**
   * Measures a stack's template: resources, outputs and bytes as written to the
   * cloud assembly. Call it after the app is prepared (e.g. in a validation or
   * after `app.synth()`); it renders the template, so it costs one rendering.
   */
  public static measure(stack: Stack): StackUsage {
    const template = renderTemplate(stack);
    const indent = (stack as any)._suppressTemplateIndentation ? undefined : 1;
    return {
      stackName: stack.stackName,
      resources: Object.keys(template.Resources ?? {}).length,
      outputs: Object.keys(template.Outputs ?? {}).length,
      templateBytes: Buffer.byteLength(JSON.stringify(template, undefined, indent), 'utf8'),
    };
  }

  /**
   * The errors and warnings the guard reports for a measured usage (pure; the
   * guard's messages come from here).
   */
  public static check(usage: StackUsage, props: StackLimitsProps = {}): StackLimitsReport {
    const limits = { ...DEFAULTS, ...stripUndefined(props) };
    const errors: string[] = [];
    const warnings: string[] = [];
    const rows: Array<[string, number, number, string]> = [
      ['resources', usage.resources, limits.maxResources,
        'move constructs into another stack (new Stack(...)), or let ModelFactory spread models over more shard stacks (lower modelsPerShard)'],
      ['template bytes', usage.templateBytes, limits.maxTemplateBytes,
        'move constructs into another stack, shorten large inline values (policies, manifests, state machine definitions), or lower ModelFactory modelsPerShard'],
      ['outputs', usage.outputs, limits.maxOutputs,
        'pass values between stacks as SSM parameters or plain strings instead of CfnOutput/cross-stack references (each referenced value is one export)'],
    ];
    for (const [what, count, limit, fix] of rows) {
      if (count > limit) {
        errors.push(`[cdk-mlops] stack ${usage.stackName} has ${count} ${what}, over the guard's limit of ${limit} (CloudFormation's hard limit is ${hardLimit(what)}): ${fix}.`);
      } else if (limits.warnAt < 1 && count >= Math.ceil(limit * limits.warnAt)) {
        warnings.push(`stack ${usage.stackName} has ${count} ${what}, ${Math.round((count / limit) * 100)}% of the guard's limit of ${limit}: ${fix} before it fails.`);
      }
    }
    return { errors, warnings };
  }

  private constructor() {}
}

/** Result of {@link StackLimits.check}. */
export interface StackLimitsReport {
  /** Limits exceeded: synthesis fails with these. */
  readonly errors: string[];
  /** Limits neared (at or above `warnAt`). */
  readonly warnings: string[];
}

interface Limits {
  readonly maxResources: number;
  readonly maxTemplateBytes: number;
  readonly maxOutputs: number;
  readonly warnAt: number;
}

class StackLimitsAspect implements IAspect {
  constructor(private readonly limits: Limits) {}
  public visit(node: IConstruct): void {
    if (Stack.isStack(node)) addGuard(node, this.limits);
  }
}

function resolveLimits(scope: IConstruct, props: StackLimitsProps): Limits {
  checkInt(scope, 'maxResources', props.maxResources, 1, 500);
  checkInt(scope, 'maxTemplateBytes', props.maxTemplateBytes, 1, 1024 * 1024);
  checkInt(scope, 'maxOutputs', props.maxOutputs, 1, 200);
  checkNumber(scope, 'warnAt', props.warnAt, 0.01, 1);
  return { ...DEFAULTS, ...stripUndefined(props) };
}

function addGuard(stack: Stack, limits: Limits): void {
  const marked = stack as unknown as Record<symbol, boolean>;
  if (marked[GUARDED]) return;
  marked[GUARDED] = true;
  const synthesizeTemplate = (stack as any)._synthesizeTemplate;
  const exact = typeof synthesizeTemplate === 'function';
  // 1. Validation (every stack reported together, before anything is written):
  //    resources and outputs counted on the construct tree, which is cheap.
  stack.node.addValidation({
    validate: () => {
      const elements = stack.node.findAll().filter((c) => Stack.of(c) === stack);
      const usage = {
        stackName: stack.stackName,
        resources: elements.filter((c) => CfnResource.isCfnResource(c)).length,
        outputs: elements.filter((c) => c instanceof CfnOutput).length,
        templateBytes: 0,
      };
      if (exact) return StackLimits.check(usage, limits).errors;
      // No synthesis hook in this aws-cdk-lib: measure a rendering now (the
      // synthesizer later adds its bootstrap-version rule, under 1 KB).
      const report = StackLimits.check(StackLimits.measure(stack), limits);
      for (const w of report.warnings) Annotations.of(stack).addWarningV2('cdk-mlops:stack-limits', w);
      return report.errors;
    },
  });
  if (!exact) return;
  // 2. Synthesis: the template file CDK just wrote (what CloudFormation will
  //    receive, synthesizer additions included) is measured before the stack's
  //    artifact and its annotations are emitted, so warnings reach the CLI.
  Object.defineProperty(stack, '_synthesizeTemplate', {
    configurable: true,
    writable: true,
    value: function (this: Stack, session: ISynthesisSession, ...rest: unknown[]) {
      synthesizeTemplate.call(this, session, ...rest);
      const file = path.join(session.outdir, stack.templateFile);
      const text = fs.readFileSync(file, 'utf8');
      const template = JSON.parse(text);
      const report = StackLimits.check({
        stackName: stack.stackName,
        resources: Object.keys(template.Resources ?? {}).length,
        outputs: Object.keys(template.Outputs ?? {}).length,
        templateBytes: Buffer.byteLength(text, 'utf8'),
      }, limits);
      for (const w of report.warnings) Annotations.of(stack).addWarningV2('cdk-mlops:stack-limits', w);
      if (report.errors.length > 0) throw new Error(report.errors.join('\n'));
    },
  });
}

/** The resolved template, exactly as the stack synthesizer renders it. */
function renderTemplate(stack: Stack): any {
  const render = (stack as any)._toCloudFormation;
  if (typeof render !== 'function') {
    throw new Error('[cdk-mlops] StackLimits: this aws-cdk-lib version does not expose Stack._toCloudFormation(); cannot measure the template');
  }
  return render.call(stack) ?? {};
}

function hardLimit(what: string): string {
  if (what === 'resources') return '500';
  if (what === 'outputs') return '200';
  return '1,048,576 bytes';
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
