// Every naming rule of the project, written once. Pure TypeScript (no aws-cdk-lib, no constructs), so
// constructs, contracts, runtime code and the CLI can all use it; the construct-side checks that throw
// MlopsValidationError are in validation.ts (checkDnsLabel) and in each area's options module.

/**
 * A DNS-1123 label (RFC 1123; Kubernetes namespaces, most object names, label-safe model names):
 * lower-case alphanumerics and '-', starting and ending alphanumeric, at most 63 characters.
 */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A DNS-1035 label (RFC 1035; Kubernetes Service names): a DNS-1123 label that starts with a letter.
 */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The longest DNS label Kubernetes accepts. */
export const DNS_LABEL_MAX_LENGTH = 63;

/**
 * Model names name Services (`<model>-<variant>`), so they are DNS-1035 labels; at most 40 characters so the
 * derived names (`<model>-<variant>`, `<model>-prescaler`, `<model>-allow-serving`) fit in 63.
 */
export const MODEL_NAME = DNS_1035_LABEL;

/** The longest model name. */
export const MODEL_NAME_MAX_LENGTH = 40;

/** True when `value` is a DNS-1123 label of at most `maxLength` characters. */
export function isDns1123Label(value: unknown, maxLength: number = DNS_LABEL_MAX_LENGTH): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && DNS_1123_LABEL.test(value);
}

/** True when `value` is a DNS-1035 label of at most `maxLength` characters. */
export function isDns1035Label(value: unknown, maxLength: number = DNS_LABEL_MAX_LENGTH): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && DNS_1035_LABEL.test(value);
}

/** True when `value` is a valid model name. */
export function isModelName(value: unknown): value is string {
  return isDns1035Label(value, MODEL_NAME_MAX_LENGTH);
}

/** What a DNS-1123 label may be, for error messages. */
export function dns1123LabelRule(maxLength: number = DNS_LABEL_MAX_LENGTH): string {
  return `must be a DNS-1123 label of 1-${maxLength} characters: lower-case letters, digits and '-', starting and ending with a letter or digit`;
}

/** What a DNS-1035 label may be, for error messages. */
export function dns1035LabelRule(maxLength: number = DNS_LABEL_MAX_LENGTH): string {
  return `must be 1-${maxLength} characters: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit`;
}
