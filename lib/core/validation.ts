import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The error every cdk-mlops construct throws for an invalid prop.
 *
 * The message always names the construct path, the prop, the value that was
 * given and what is allowed, e.g.
 *
 *   [cdk-mlops] App/Fraud/Endpoint: invalid prop "minReplicas" (5): must be <= maxReplicas (3)
 *
 * Not exported through jsii (jsii cannot model subclasses of `Error`); callers
 * can match `error.name === 'MlopsValidationError'`.
 */
export class MlopsValidationError extends Error {
  public readonly constructPath: string;
  public readonly prop: string;
  public readonly value: unknown;
  public readonly allowed: string;

  constructor(scope: IConstruct | string, prop: string, value: unknown, allowed: string) {
    const path = typeof scope === 'string' ? scope : scope.node.path || '<root>';
    super(`[cdk-mlops] ${path}: invalid prop "${prop}" (${describeValue(value)}): ${allowed}`);
    this.name = 'MlopsValidationError';
    this.constructPath = path;
    this.prop = prop;
    this.value = value;
    this.allowed = allowed;
  }
}

/** Renders a value for an error message: short, JSON where possible. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    const s = JSON.stringify(value);
    return s.length > 120 ? s.slice(0, 117) + '...' : s;
  } catch {
    return String(value);
  }
}

/** Throws a {@link MlopsValidationError}. */
export function invalid(scope: IConstruct | string, prop: string, value: unknown, allowed: string): never {
  throw new MlopsValidationError(scope, prop, value, allowed);
}

/** True when the value is an unresolved CDK token (validation is skipped for tokens). */
export function isToken(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value);
}

/** Validates an integer in [min, max] (either bound optional); tokens pass. */
export function checkInt(scope: IConstruct, prop: string, value: number | undefined, min?: number, max?: number): void {
  if (value === undefined || isToken(value)) return;
  const range = describeRange(min, max);
  if (!Number.isInteger(value)) invalid(scope, prop, value, `must be an integer${range}`);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    invalid(scope, prop, value, `must be an integer${range}`);
  }
}

/** Validates a finite number in [min, max] (either bound optional); tokens pass. */
export function checkNumber(scope: IConstruct, prop: string, value: number | undefined, min?: number, max?: number): void {
  if (value === undefined || isToken(value)) return;
  const range = describeRange(min, max);
  if (!Number.isFinite(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) {
    invalid(scope, prop, value, `must be a finite number${range}`);
  }
}

/** Validates a string against a pattern; tokens pass. */
export function checkPattern(scope: IConstruct, prop: string, value: string | undefined, pattern: RegExp, allowed: string): void {
  if (value === undefined || isToken(value)) return;
  if (!pattern.test(value)) invalid(scope, prop, value, allowed);
}

/** Validates membership in a fixed set; tokens pass. */
export function checkOneOf<T extends string>(scope: IConstruct, prop: string, value: T | undefined, allowed: readonly T[]): void {
  if (value === undefined || isToken(value)) return;
  if (!allowed.includes(value)) invalid(scope, prop, value, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
}

/**
 * A DNS-1123 label (Kubernetes namespaces, service names, model names):
 * lower-case alphanumerics and '-', starting and ending alphanumeric.
 */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Validates a DNS-1123 label of at most `maxLength` characters. */
export function checkDnsLabel(scope: IConstruct, prop: string, value: string | undefined, maxLength = 63): void {
  if (value === undefined || isToken(value)) return;
  if (value.length === 0 || value.length > maxLength || !DNS_LABEL.test(value)) {
    invalid(scope, prop, value, `must be a DNS-1123 label of 1-${maxLength} characters: lower-case letters, digits and '-', starting and ending with a letter or digit`);
  }
}

function describeRange(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}
