// The ONE place the library leans on an aws-cdk-lib internal: CfnReference's per-stack value.
//
// A reference (`Ref`, `Fn::GetAtt`) to a resource of another stack normally becomes an export in
// the producing stack and an `Fn::ImportValue` in the consumer. CfnReference (internal to
// aws-cdk-lib, reached through the token of `cfn.ref` / `cfn.getAtt()`) can instead be given the
// value it resolves to in one consuming stack (`assignValueForStack`); the ModelFactory gives each
// shard its SSM-typed parameter, so a shard needs no export per referenced platform value.
// test/fleet/local-reference.test.ts pins this behaviour: if an aws-cdk-lib upgrade changes it,
// that test (not a deploy) fails.
import { CfnResource, IResolvable, Stack, Tokenization } from 'aws-cdk-lib';

/** The part of aws-cdk-lib's CfnReference used here. */
interface CrossStackReference {
  hasValueForStack(stack: Stack): boolean;
  assignValueForStack(stack: Stack, value: IResolvable): void;
}

/** The CfnReference behind a `Ref`/`Fn::GetAtt` token, when it is one. */
function referenceOf(token: string): (IResolvable & CrossStackReference) | undefined {
  const reference = Tokenization.reverseString(token).firstToken as (IResolvable & Partial<CrossStackReference>) | undefined;
  if (!reference || typeof reference.assignValueForStack !== 'function' || typeof reference.hasValueForStack !== 'function') return undefined;
  return reference as IResolvable & CrossStackReference;
}

/**
 * Makes `attribute` (`Ref` or a `Fn::GetAtt` attribute) of `resource` resolve, inside `consumer`,
 * to the token `local(token)` returns (e.g. an SSM-typed stack parameter of `consumer`) instead of a
 * cross-stack export. Does nothing for a reference that already has a value in `consumer`, or for a
 * token that is not a CfnReference. Returns whether a value was assigned.
 */
export function assignLocalValue(resource: CfnResource, attribute: string, consumer: Stack, local: (token: string) => string): boolean {
  const token = attribute === 'Ref' ? resource.ref : resource.getAtt(attribute).toString();
  const reference = referenceOf(token);
  if (!reference || reference.hasValueForStack(consumer)) return false;
  const value = Tokenization.reverseString(local(token)).firstToken;
  if (!value) return false;
  reference.assignValueForStack(consumer, value);
  return true;
}

/** Whether `attribute` of `resource` is a reference another stack would import (a CfnReference token). */
export function isCrossStackReference(resource: CfnResource, attribute: string): boolean {
  return referenceOf(attribute === 'Ref' ? resource.ref : resource.getAtt(attribute).toString()) !== undefined;
}
