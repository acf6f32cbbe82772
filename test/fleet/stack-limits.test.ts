import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { StackLimits } from '../../lib/fleet/stack-limits';
import { testApp } from '../util/synth';

/** `n` cheap resources (CloudFormation WaitConditionHandles carry no properties). */
function fill(scope: Construct, n: number, prefix = 'R'): void {
  for (let i = 0; i < n; i++) new CfnResource(scope, `${prefix}${i}`, { type: 'AWS::CloudFormation::WaitConditionHandle' });
}

/** One SSM parameter with a value of about `bytes` bytes. */
function bulk(scope: Construct, id: string, bytes: number): void {
  new ssm.CfnParameter(scope, id, { type: 'String', value: 'x'.repeat(bytes) });
}

function synthError(app: App): string {
  try {
    app.synth();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('synth succeeded');
}

function warnings(app: App, stackName: string): string[] {
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stackName);
  return artifact.messages.filter((m) => m.level === 'warning' && String(m.entry.data).includes('cdk-mlops:stack-limits')).map((m) => String(m.entry.data));
}

describe('StackLimits.guard', () => {
  test('fails on more than 450 resources, naming the stack, the count and the fix', () => {
    const app = testApp();
    const stack = new Stack(app, 'TooMany');
    fill(stack, 451);
    StackLimits.guard(stack);
    const msg = synthError(app);
    expect(msg).toContain('stack TooMany has 451 resources, over the guard\'s limit of 450');
    expect(msg).toContain('CloudFormation\'s hard limit is 500');
    expect(msg).toMatch(/move constructs into another stack/);
  });

  test('fails on a template over 900 KiB, measured on the resolved template', () => {
    const app = testApp();
    const stack = new Stack(app, 'TooBig');
    // 10 parameters of 95,000 bytes: ~950 KB, only 10 resources.
    for (let i = 0; i < 10; i++) bulk(stack, `Big${i}`, 95_000);
    StackLimits.guard(app);
    const msg = synthError(app);
    expect(msg).toMatch(/stack TooBig has 9\d\d\d\d\d template bytes, over the guard's limit of 921600/);
    expect(msg).toContain('1,048,576 bytes');
  });

  test('counts tokens as they resolve, not as their placeholders', () => {
    // Each value is a short token in the construct tree but a long string in the template.
    const app = testApp();
    const stack = new Stack(app, 'Lazy');
    const { Lazy } = require('aws-cdk-lib');
    for (let i = 0; i < 10; i++) {
      new ssm.CfnParameter(stack, `P${i}`, { type: 'String', value: Lazy.string({ produce: () => 'y'.repeat(95_000) }) });
    }
    StackLimits.guard(stack);
    expect(synthError(app)).toMatch(/stack Lazy has 9\d\d\d\d\d template bytes/);
  });

  test('fails on more than 180 outputs', () => {
    const app = testApp();
    const stack = new Stack(app, 'Outputs');
    fill(stack, 1);
    for (let i = 0; i < 181; i++) new CfnOutput(stack, `O${i}`, { value: `v${i}` });
    StackLimits.guard(stack);
    const msg = synthError(app);
    expect(msg).toContain('stack Outputs has 181 outputs, over the guard\'s limit of 180');
    expect(msg).toMatch(/SSM parameters or plain strings/);
  });

  test('reports every stack over a limit, and guards stacks created after guard(app)', () => {
    const app = testApp();
    StackLimits.guard(app, { maxResources: 20 });
    const a = new Stack(app, 'A');
    fill(a, 21);
    const b = new Stack(app, 'B');
    fill(b, 25);
    const ok = new Stack(app, 'Ok');
    fill(ok, 3);
    const msg = synthError(app);
    expect(msg).toContain('stack A has 21 resources');
    expect(msg).toContain('stack B has 25 resources');
    expect(msg).not.toContain('stack Ok');
  });

  test('warns near a limit (80% by default) and stays silent below it', () => {
    const app = testApp();
    const near = new Stack(app, 'Near');
    fill(near, 360); // 80% of 450
    const below = new Stack(app, 'Below');
    fill(below, 359);
    const outs = new Stack(app, 'NearOutputs');
    fill(outs, 1);
    for (let i = 0; i < 150; i++) new CfnOutput(outs, `O${i}`, { value: `v${i}` });
    StackLimits.guard(app);
    expect(warnings(app, 'Near')).toEqual([expect.stringContaining('stack Near has 360 resources, 80% of the guard\'s limit of 450')]);
    expect(warnings(app, 'Below')).toEqual([]);
    expect(warnings(app, 'NearOutputs')).toEqual([expect.stringContaining('150 outputs, 83%')]);
  });

  test('the warning threshold is configurable, and warnAt 1 never warns', () => {
    const app1 = testApp();
    const s1 = new Stack(app1, 'Half');
    fill(s1, 230);
    StackLimits.guard(s1, { warnAt: 0.5 });
    expect(warnings(app1, 'Half')).toHaveLength(1);

    const app2 = testApp();
    const s2 = new Stack(app2, 'Quiet');
    fill(s2, 449);
    StackLimits.guard(s2, { warnAt: 1 });
    expect(warnings(app2, 'Quiet')).toEqual([]);
  });

  test('measures the template file CDK writes, and measure() renders the same template', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'limits-'));
    const app = testApp({ outdir });
    const stack = new Stack(app, 'Measured');
    fill(stack, 7);
    bulk(stack, 'Text', 5_000);
    new ssm.CfnParameter(stack, 'Unicode', { type: 'String', value: 'é€'.repeat(100) });
    new CfnOutput(stack, 'Out', { value: stack.stackName });
    let measured: ReturnType<typeof StackLimits.measure> | undefined;
    stack.node.addValidation({ validate: () => { measured = StackLimits.measure(stack); return []; } });
    // A limit just below the file's size fails; the file's size passes: the guard measured the file.
    const assembly = app.synth();
    const file = path.join(assembly.directory, assembly.getStackByName('Measured').templateFile);
    const size = fs.statSync(file).size;
    expect(measured).toMatchObject({ stackName: 'Measured', resources: 9, outputs: 1 });
    // measure() renders before the synthesizer adds its bootstrap-version rule (< 1 KB).
    expect(size - measured!.templateBytes).toBeGreaterThanOrEqual(0);
    expect(size - measured!.templateBytes).toBeLessThan(1024);

    for (const [limit, fails] of [[size - 1, true], [size, false]] as const) {
      const app2 = testApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'limits-')) });
      const s2 = new Stack(app2, 'Measured');
      fill(s2, 7);
      bulk(s2, 'Text', 5_000);
      new ssm.CfnParameter(s2, 'Unicode', { type: 'String', value: 'é€'.repeat(100) });
      new CfnOutput(s2, 'Out', { value: s2.stackName });
      StackLimits.guard(s2, { maxTemplateBytes: limit, warnAt: 1 });
      if (fails) expect(synthError(app2)).toContain(`stack Measured has ${size} template bytes, over the guard's limit of ${size - 1}`);
      else expect(() => app2.synth()).not.toThrow();
      fs.rmSync(app2.outdir, { recursive: true, force: true });
    }
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('check() is pure and uses the given thresholds', () => {
    expect(StackLimits.check({ stackName: 's', resources: 10, outputs: 0, templateBytes: 100 }, { maxResources: 9 }).errors)
      .toEqual([expect.stringContaining('stack s has 10 resources, over the guard\'s limit of 9')]);
    expect(StackLimits.check({ stackName: 's', resources: 10, outputs: 0, templateBytes: 100 }).errors).toEqual([]);
  });

  test('invalid thresholds are validation errors', () => {
    const app = testApp();
    expect(() => StackLimits.guard(app, { maxResources: 501 })).toThrow(/invalid prop "maxResources" \(501\): must be an integer between 1 and 500/);
    expect(() => StackLimits.guard(app, { warnAt: 0 })).toThrow(/invalid prop "warnAt"/);
    expect(() => StackLimits.guard(app, { maxOutputs: 201 })).toThrow(/maxOutputs/);
  });
});
