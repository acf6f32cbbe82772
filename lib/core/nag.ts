// Acknowledging cdk-nag (AwsSolutions) findings that are inherent to resources
// a construct creates (or that aws-cdk-lib creates for it), next to the
// resource, with a reason. IAM4/IAM5 findings are granular (one id per managed
// policy / wildcard resource), and their ids embed logical ids, so they are
// computed from the resolved policies at validation time, after every grant ran.
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { flattenIntrinsic as flatten } from './intrinsics';

function* cfnResources(root: IConstruct): Generator<CfnResource> {
  for (const c of root.node.findAll()) {
    if (CfnResource.isCfnResource(c)) yield c;
  }
}

/** Acknowledges AwsSolutions-IAM4 for every AWS managed policy on the roles under `root`. */
export function acknowledgeManagedPolicies(root: IConstruct, reason: (policy: string) => string): void {
  for (const r of cfnResources(root)) {
    if (!(r instanceof iam.CfnRole)) continue;
    const stack = Stack.of(r);
    const arns = stack.resolve(r.managedPolicyArns) as unknown[] | undefined;
    for (const arn of arns ?? []) {
      const flat = flatten(stack.resolve(arn));
      if (!flat.includes(':iam::aws:')) continue;
      Validations.of(r).acknowledge({ id: `AwsSolutions-IAM4[Policy::${flat}]`, reason: reason(flat) });
    }
  }
}

/** Acknowledges AwsSolutions-IAM5 for the wildcard actions/resources under `root` that `reason` explains (undefined: left as a finding). */
export function acknowledgeWildcards(root: IConstruct, reason: (finding: string) => string | undefined): void {
  for (const r of cfnResources(root)) {
    if (!(r instanceof iam.CfnPolicy)) continue;
    const stack = Stack.of(r);
    const doc = stack.resolve(r.policyDocument);
    for (const s of doc?.Statement ?? []) {
      if (s.Effect !== 'Allow') continue;
      const findings = [
        ...arr(s.Action).filter((a) => a.includes('*')).map((a) => `Action::${a}`),
        ...arr(s.Resource).map(flatten).filter((x) => x.includes('*')).map((x) => `Resource::${x}`),
      ];
      for (const f of findings) {
        const why = reason(f);
        if (why) Validations.of(r).acknowledge({ id: `AwsSolutions-IAM5[${f}]`, reason: why });
      }
    }
  }
}

function arr(v: unknown): any[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}
