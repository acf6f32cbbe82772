/**
 * KMS key policies as AWS evaluates them for a SERVICE principal (what the simulator honours when a
 * service writes to an encrypted queue, and what the tests check):
 * - https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html: a service principal may use a
 *   key only if the key policy allows it (the account-root statement delegates to IAM policies of the
 *   account's own principals, never to a service principal); an explicit Deny wins.
 * - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html:
 *   the String and Arn condition operators, `*`/`?` wildcards for the `Like` ones, all conditions ANDed,
 *   the values of one key ORed, a missing context key fails the condition.
 * The template must be resolved to plain strings first (./cfn.ts).
 */
import { PlaceholderResolver, queueKeyPolicy, Template } from './cfn';

/** A request of a service principal on a key. */
export interface ServiceKeyRequest {
  /** The service principal, e.g. `events.amazonaws.com`. */
  readonly service: string;
  /** The KMS action, e.g. `kms:GenerateDataKey`. */
  readonly action: string;
  /** Request context keys (e.g. `aws:SourceArn`, `aws:SourceAccount`). */
  readonly context: Record<string, string>;
}

const asList = (x: unknown): unknown[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function like(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, ignoreCase ? 'i' : '');
  return re.test(value);
}

function conditionHolds(operator: string, key: string, values: unknown[], context: Record<string, string>): boolean {
  const ifExists = operator.endsWith('IfExists');
  const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  if (actual === undefined) return ifExists;
  const vs = values.map(String);
  switch (op) {
    case 'StringEquals': case 'ArnEquals': return vs.some((v) => v === actual);
    case 'StringNotEquals': case 'ArnNotEquals': return vs.every((v) => v !== actual);
    case 'StringEqualsIgnoreCase': return vs.some((v) => v.toLowerCase() === actual.toLowerCase());
    case 'StringLike': case 'ArnLike': return vs.some((v) => like(v, actual));
    case 'StringNotLike': case 'ArnNotLike': return vs.every((v) => !like(v, actual));
    default: return false;
  }
}

function statementApplies(s: any, r: ServiceKeyRequest): boolean {
  const principals = s.Principal === '*' ? ['*'] : asList(s.Principal?.Service);
  if (!principals.some((p) => p === '*' || p === r.service)) return false;
  if (!asList(s.Action).some((a) => like(String(a), r.action, true))) return false;
  if (s.NotAction !== undefined && asList(s.NotAction).some((a) => like(String(a), r.action, true))) return false;
  for (const [operator, block] of Object.entries<Record<string, unknown>>(s.Condition ?? {})) {
    for (const [key, values] of Object.entries(block)) {
      if (!conditionHolds(operator, key, asList(values), r.context)) return false;
    }
  }
  return true;
}

/** Whether the key policy (a resolved policy document) lets the service principal make the request. */
export function keyPolicyAllowsService(policy: any, request: ServiceKeyRequest): boolean {
  const statements = asList(policy?.Statement) as any[];
  if (statements.some((s) => s.Effect === 'Deny' && statementApplies(s, request))) return false;
  return statements.some((s) => s.Effect === 'Allow' && statementApplies(s, request));
}

/** Every rule target with a dead-letter queue: can events.amazonaws.com, sending for that rule, use the queue's key? */
export function ruleDeadLetters(template: Template, stackName: string): { rule: string; queue: string; allowed: boolean }[] {
  const resolver = new PlaceholderResolver(template, stackName);
  const out: { rule: string; queue: string; allowed: boolean }[] = [];
  for (const [ruleId, rule] of Object.entries(template.Resources)) {
    if (rule.Type !== 'AWS::Events::Rule') continue;
    for (const target of rule.Properties?.Targets ?? []) {
      const dlq = target.DeadLetterConfig?.Arn?.['Fn::GetAtt']?.[0];
      if (!dlq) continue;
      const policy = queueKeyPolicy(template, resolver, dlq);
      const context = { 'aws:SourceArn': resolver.resolve({ 'Fn::GetAtt': [ruleId, 'Arn'] }), 'aws:SourceAccount': '123456789012' };
      const allowed = policy !== undefined && ['kms:GenerateDataKey', 'kms:Decrypt']
        .every((action) => keyPolicyAllowsService(policy, { service: 'events.amazonaws.com', action, context }));
      out.push({ rule: ruleId, queue: dlq, allowed });
    }
  }
  return out;
}

