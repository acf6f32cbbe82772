import { isDns1035Label, isDns1123Label, isModelName, MODEL_NAME_MAX_LENGTH } from '../../lib/core/naming';

// Kubernetes object names: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
describe('naming rules (lib/core/naming.ts), as Kubernetes documents them', () => {
  test('DNS-1123 label: lower-case alphanumerics and "-", alphanumeric at both ends, <= 63', () => {
    expect(['a', '0a', 'a-0', 'x'.repeat(63)].every((v) => isDns1123Label(v))).toBe(true);
    expect(['', 'A', '-a', 'a-', 'a_b', 'x'.repeat(64)].some((v) => isDns1123Label(v))).toBe(false);
  });
  test('DNS-1035 label (Service names): also starts with a letter', () => {
    expect(isDns1035Label('a0')).toBe(true);
    expect(isDns1035Label('0a')).toBe(false);
  });
  test('model names: DNS-1035, at most 40 characters so derived names fit in 63', () => {
    expect(isModelName('fraud-scoring')).toBe(true);
    expect(isModelName('x'.repeat(MODEL_NAME_MAX_LENGTH))).toBe(true);
    expect(isModelName('x'.repeat(MODEL_NAME_MAX_LENGTH + 1))).toBe(false);
    expect(isModelName('9lives')).toBe(false);
  });
});
