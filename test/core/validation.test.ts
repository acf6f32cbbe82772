import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  MlopsValidationError, checkDnsLabel, checkInt, checkNumber, checkOneOf, checkPattern, describeValue,
} from '../../lib/core/validation';
import { testApp } from '../util/synth';

describe('MlopsValidationError', () => {
  const stack = new Stack(testApp(), 'S');
  const scope = new Construct(stack, 'Thing');

  test('names the construct path, the prop, the value and what is allowed', () => {
    const err = new MlopsValidationError(scope, 'maxReplicas', 0, 'must be an integer >= 1');
    expect(err.message).toBe('[cdk-mlops] S/Thing: invalid prop "maxReplicas" (0): must be an integer >= 1');
    expect(err.name).toBe('MlopsValidationError');
    expect(err.constructPath).toBe('S/Thing');
    expect(err.prop).toBe('maxReplicas');
    expect(err.value).toBe(0);
  });

  test('checkInt rejects non-integers and out-of-range values, accepts bounds', () => {
    expect(() => checkInt(scope, 'n', 1.5, 0)).toThrow(/invalid prop "n" \(1.5\): must be an integer >= 0/);
    expect(() => checkInt(scope, 'n', -1, 0, 10)).toThrow(/must be an integer between 0 and 10/);
    expect(() => checkInt(scope, 'n', 11, 0, 10)).toThrow(MlopsValidationError);
    expect(() => checkInt(scope, 'n', 10, 0, 10)).not.toThrow();
    expect(() => checkInt(scope, 'n', undefined, 0, 10)).not.toThrow();
  });

  test('checkNumber rejects NaN and infinities', () => {
    expect(() => checkNumber(scope, 'x', NaN)).toThrow(/\(NaN\): must be a finite number/);
    expect(() => checkNumber(scope, 'x', Infinity, 0)).toThrow(/must be a finite number >= 0/);
    expect(() => checkNumber(scope, 'x', 0.5, 0, 1)).not.toThrow();
  });

  test('checkOneOf lists the allowed values', () => {
    expect(() => checkOneOf(scope, 'mode', 'Bogus' as string, ['File', 'Pipe']))
      .toThrow('invalid prop "mode" ("Bogus"): must be one of "File", "Pipe"');
  });

  test('checkPattern and checkDnsLabel', () => {
    expect(() => checkPattern(scope, 'tag', 'a b', /^\S+$/, 'must not contain spaces')).toThrow(/must not contain spaces/);
    expect(() => checkDnsLabel(scope, 'modelName', 'Fraud_Model')).toThrow(/modelName.*DNS-1123 label/);
    expect(() => checkDnsLabel(scope, 'modelName', 'x'.repeat(64))).toThrow(/1-63 characters/);
    expect(() => checkDnsLabel(scope, 'modelName', 'fraud-v2')).not.toThrow();
  });

  test('describeValue keeps messages short', () => {
    expect(describeValue('a')).toBe('"a"');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue({ a: 'x'.repeat(500) }).length).toBeLessThanOrEqual(120);
  });
});
