/**
 * Loads the user's own app for the simulation: a cloud assembly directory (`cdk.out`), or an app command
 * run as `cdk synth` runs it (CDK_OUTDIR set to a temporary directory). Every stack template of the
 * assembly (nested assemblies of Stages included) is read; SSM-typed stack parameters that name an
 * `AWS::SSM::Parameter` of another stack (how the factory's shards read the platform's values) are
 * resolved to that parameter's value; the stacks are then read as one account sees them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from './cfn';

/** A user-facing problem with the app or assembly (the CLI exits 2 with it). */
export class AppLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppLoadError';
  }
}

/** One stack of a cloud assembly. */
export interface AssemblyStack {
  readonly stackName: string;
  readonly template: Template;
}

/** The stacks of a cloud assembly directory, nested assemblies included. */
export function readAssembly(dir: string): AssemblyStack[] {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new AppLoadError(`${dir} is not a cloud assembly (no manifest.json)`);
  let manifest: any;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    throw new AppLoadError(`${manifestFile}: not valid JSON: ${(e as Error).message}`);
  }
  const out: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const template = JSON.parse(readFileSync(join(dir, artifact.properties.templateFile), 'utf8')) as Template;
      out.push({ stackName: artifact.properties.stackName ?? id, template: { ...template, Resources: template.Resources ?? {} } });
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      out.push(...readAssembly(join(dir, artifact.properties.directoryName)));
    }
  }
  return out;
}

/** Is `r` the RetrainTrigger's starter function (the only function with ALARM_SUFFIXES in its environment)? */
export function isRetrainStarter(r: { Type: string; Properties?: any }): boolean {
  return r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.ALARM_SUFFIXES !== undefined;
}

/**
 * Merges stacks into one template as one account sees them: SSM-typed parameters naming another stack's
 * `AWS::SSM::Parameter` become that parameter's value. On a logical id used by two stacks, the first
 * stack given keeps it (give the stack of the RetrainTrigger first).
 */
export function mergeStacks(stacks: AssemblyStack[]): Template {
  const published = new Map<string, any>();
  for (const s of stacks) {
    for (const r of Object.values(s.template.Resources)) {
      if (r.Type === 'AWS::SSM::Parameter' && typeof r.Properties?.Name === 'string') published.set(r.Properties.Name, r.Properties.Value);
    }
  }
  const merged: Template = { Resources: {} };
  for (const s of stacks) {
    const values = new Map<string, any>();
    for (const [id, p] of Object.entries<any>(s.template.Parameters ?? {})) {
      if (String(p.Type).startsWith('AWS::SSM::Parameter::Value') && published.has(p.Default)) values.set(id, published.get(p.Default));
    }
    const substitute = (x: any): any => {
      if (Array.isArray(x)) return x.map(substitute);
      if (x === null || typeof x !== 'object') return x;
      if (typeof x.Ref === 'string' && Object.keys(x).length === 1 && values.has(x.Ref)) return values.get(x.Ref);
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, substitute(v)]));
    };
    for (const [id, r] of Object.entries(substitute(s.template.Resources) as Template['Resources'])) {
      if (!(id in merged.Resources)) merged.Resources[id] = r;
    }
  }
  return merged;
}

/** The merged template of an assembly and the name of the stack holding the RetrainTrigger. */
export function assemblyTemplate(dir: string): { template: Template; stackName: string } {
  const stacks = readAssembly(dir);
  const withTrigger = stacks.filter((s) => Object.values(s.template.Resources).some(isRetrainStarter));
  if (withTrigger.length === 0) {
    throw new AppLoadError(`no RetrainTrigger found in ${dir}: searched ${stacks.length} stack(s) (${stacks.map((s) => s.stackName).join(', ') || 'none'}) `
      + 'for its starter function (an AWS::Lambda::Function with ALARM_SUFFIXES in its environment)');
  }
  if (withTrigger.length > 1) {
    throw new AppLoadError(`more than one RetrainTrigger in ${dir} (stacks ${withTrigger.map((s) => s.stackName).join(', ')}): rehearse one app with one loop`);
  }
  const first = withTrigger[0];
  return { template: mergeStacks([first, ...stacks.filter((s) => s !== first)]), stackName: first.stackName };
}

/**
 * The cloud assembly of `app`: the directory itself when it is one, else the app command run as `cdk synth`
 * runs it (a shell command with CDK_OUTDIR set to a new temporary directory; asset staging off).
 */
export function synthesizeApp(app: string): string {
  if (existsSync(app) && statSync(app).isDirectory()) return app;
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-mlops-simulate-'));
  const context = { ...parseContext(process.env.CDK_CONTEXT_JSON), 'aws:cdk:disable-asset-staging': true };
  const r = spawnSync(app, {
    shell: true, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), JSII_DEPRECATED: process.env.JSII_DEPRECATED ?? 'quiet' },
  });
  if (r.error) throw new AppLoadError(`cannot run the app command "${app}": ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ''}`.trim().split('\n').slice(-10).join('\n');
    throw new AppLoadError(`the app command "${app}" exited ${r.status ?? r.signal}${tail ? `:\n${tail}` : ''}`);
  }
  if (!existsSync(join(outdir, 'manifest.json'))) {
    throw new AppLoadError(`the app command "${app}" wrote no cloud assembly to CDK_OUTDIR (does it call app.synth(), and is "${app}" a directory or a command?)`);
  }
  return outdir;
}

function parseContext(json: string | undefined): Record<string, unknown> {
  if (!json) return {};
  try {
    const v = JSON.parse(json);
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}
