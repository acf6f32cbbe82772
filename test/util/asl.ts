/**
 * Helpers to test synthesized Step Functions definitions offline.
 *
 *   const asl = definitionOf(template);                  // DefinitionString -> ASL JSON with placeholders
 *   expect(validateAsl(asl).errors).toEqual([]);         // asl-validator
 *   const run = await runAsl(asl, input, {               // aws-local-stepfunctions, every Task overridden
 *     handlers: { TrainModel: (req) => ({ ... }) },
 *   });
 *   expect(run.path).toContain('ModelRegistered');
 *
 * Tokens in the synthesized definition (Ref, Fn::GetAtt, pseudo parameters)
 * become stable placeholders: `Ref X` -> "ref-X", `Fn::GetAtt [X, Arn]` ->
 * "arn:aws:cdk:us-east-1:123456789012:X", other attributes -> "X.Attr",
 * AWS::Partition -> "aws", AWS::Region -> "us-east-1", AWS::AccountId ->
 * "123456789012", AWS::URLSuffix -> "amazonaws.com". Pass `resolve` to map
 * intrinsics yourself (return undefined to fall back to the defaults).
 *
 * Task handlers receive the task's effective input (after InputPath and
 * Parameters) and return the service response (before ResultSelector /
 * ResultPath); throw `taskError(name, cause)` to simulate a service error
 * (Retry and Catch match on the name). Retry waits are overridden to 0 ms.
 */
import { StateMachine } from 'aws-local-stepfunctions';
const aslValidator = require('asl-validator');

/** Default placeholder values of the pseudo parameters. */
export const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'TestStack',
  'AWS::StackId': 'arn:aws:cloudformation:us-east-1:123456789012:stack/TestStack/id',
  'AWS::NoValue': '',
};

export type IntrinsicResolver = (intrinsic: Record<string, unknown>) => string | undefined;

/** Resolves a CloudFormation value (string, Fn::Join, Ref, Fn::GetAtt, Fn::Sub...) to a string with placeholders. */
export function resolveCfnString(value: unknown, resolve?: IntrinsicResolver): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, any>;
    const custom = resolve?.(v);
    if (custom !== undefined) return custom;
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'];
      return (parts as unknown[]).map((p) => resolveCfnString(p, resolve)).join(sep);
    }
    if ('Ref' in v) return PSEUDO[v.Ref] ?? `ref-${v.Ref}`;
    if ('Fn::GetAtt' in v) {
      const [id, attr] = Array.isArray(v['Fn::GetAtt']) ? v['Fn::GetAtt'] : String(v['Fn::GetAtt']).split('.');
      return attr === 'Arn' ? `arn:aws:cdk:us-east-1:123456789012:${id}` : `${id}.${attr}`;
    }
    if ('Fn::Sub' in v) {
      const [tpl, vars] = Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'] : [v['Fn::Sub'], {}];
      return String(tpl).replace(/\$\{([^}]+)\}/g, (_m, name: string) =>
        name in (vars ?? {}) ? resolveCfnString(vars[name], resolve)
          : name.includes('.') ? resolveCfnString({ 'Fn::GetAtt': name.split('.') }, resolve)
            : resolveCfnString({ Ref: name }, resolve));
    }
    if ('Fn::Select' in v) {
      const [index, list] = v['Fn::Select'];
      const items = Array.isArray(list) ? list : resolveCfnString(list, resolve).split(',');
      return resolveCfnString(items[Number(index)], resolve);
    }
    if ('Fn::Split' in v) {
      const [sep, s] = v['Fn::Split'];
      return resolveCfnString(s, resolve).split(sep).join(',');
    }
  }
  throw new Error(`cannot resolve CloudFormation value ${JSON.stringify(value)}`);
}

/**
 * The ASL of a state machine in a synthesized template, with placeholders for
 * tokens. `logicalId` selects one AWS::StepFunctions::StateMachine (required
 * when the template has several).
 */
export function definitionOf(template: Record<string, any>, logicalId?: string, resolve?: IntrinsicResolver): any {
  const machines = Object.entries<any>(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  const found = logicalId ? machines.find(([id]) => id === logicalId) : machines.length === 1 ? machines[0] : undefined;
  if (!found) {
    throw new Error(`expected ${logicalId ? `state machine ${logicalId}` : 'exactly one state machine'}; found ${machines.map(([id]) => id).join(', ') || 'none'}`);
  }
  const props = found[1].Properties;
  if (props.Definition) return props.Definition;
  return JSON.parse(resolveCfnString(props.DefinitionString, resolve));
}

/** Validates ASL with asl-validator; `errors` lists readable messages (empty when valid). */
export function validateAsl(definition: unknown): { isValid: boolean; errors: string[] } {
  const { isValid, errors } = aslValidator(definition);
  return { isValid, errors: (errors ?? []).map((e: any) => `${e.path ?? e.instancePath ?? ''} ${e.message ?? JSON.stringify(e)}`.trim()) };
}

/** All state names of a definition, including nested Parallel / Map states. */
export function stateNames(definition: any): string[] {
  const names: string[] = [];
  const walk = (d: any) => {
    for (const [name, state] of Object.entries<any>(d?.States ?? {})) {
      names.push(name);
      for (const b of state.Branches ?? []) walk(b);
      if (state.Iterator) walk(state.Iterator);
      if (state.ItemProcessor) walk(state.ItemProcessor);
    }
  };
  walk(definition);
  return names;
}

/** An error a simulated service throws; Retry/Catch match `name`. */
export function taskError(name: string, cause: unknown = ''): Error {
  const e = new Error(typeof cause === 'string' ? cause : JSON.stringify(cause));
  e.name = name;
  return e;
}

export type TaskHandler = (input: any) => unknown | Promise<unknown>;

export interface RunOptions {
  /** One simulator per Task state name. A Task without a handler fails the run (nothing calls AWS). */
  readonly handlers: Record<string, TaskHandler>;
  /** Execution name ($$.Execution.Name). */
  readonly executionName?: string;
  /** Extra context object fields. */
  readonly context?: Record<string, unknown>;
}

export interface RunResult {
  /** 'SUCCEEDED' or 'FAILED'. */
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** Output of a succeeded execution. */
  readonly output?: any;
  /** Error and cause of a failed execution. */
  readonly error?: { Error: string; Cause: unknown };
  /** Names of the states entered, in order (repeats for loops and retries). */
  readonly path: string[];
  /** Every (state, attempt) that was retried. */
  readonly retries: string[];
  /** Every state whose error was caught. */
  readonly caught: string[];
  /** Raw event log. */
  readonly events: any[];
}

/**
 * Executes a definition locally with aws-local-stepfunctions. Every Task state
 * must have a handler. Retry waits are 0 ms (the backoff parameters are checked
 * on the definition, not by waiting).
 */
export async function runAsl(definition: any, input: unknown, options: RunOptions): Promise<RunResult> {
  const missing = Object.entries<any>(definition.States).filter(([n, s]) => s.Type === 'Task' && !options.handlers[n]).map(([n]) => n);
  const handlers: Record<string, TaskHandler> = { ...options.handlers };
  for (const name of missing) {
    handlers[name] = () => { throw taskError('Test.NoSimulator', `no simulator for Task state ${name}`); };
  }
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, s] of Object.entries<any>(definition.States)) if (s.Retry) retryIntervalOverrides[name] = 0;
  const executionName = options.executionName ?? 'test-execution';
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as any, {
    overrides: { taskResourceLocalHandlers: handlers as any, retryIntervalOverrides },
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:123456789012:execution:Test:${executionName}`,
        Name: executionName,
        StartTime: '2026-01-01T00:00:00.000Z',
        Input: input as any,
        RoleArn: 'arn:aws:iam::123456789012:role/test',
      },
      StateMachine: { Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:Test', Name: 'Test' },
      ...(options.context ?? {}),
    },
  });
  const events: any[] = [];
  const collecting = (async () => { for await (const ev of execution.eventLogs) events.push(ev); })();
  let output: any;
  let status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED';
  try {
    output = await execution.result;
  } catch {
    status = 'FAILED';
  }
  await collecting;
  const failed = events.find((e) => e.type === 'ExecutionFailed');
  return {
    status,
    output,
    error: failed ? { Error: failed.Error, Cause: failed.Cause } : undefined,
    path: events.filter((e) => e.type === 'StateEntered').map((e) => e.state.name),
    retries: events.filter((e) => e.type === 'StateRetried').map((e) => e.state.name),
    caught: events.filter((e) => e.type === 'StateCaught').map((e) => e.state.name),
    events,
  };
}
