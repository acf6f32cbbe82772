// Synthesis of a ModelFactory's shard stacks in several processes (ModelFactoryProps.synthesisProcesses).
//
// The construct tree of a 10,000-model fleet does not fit in one Node process's memory. The shards are
// split in groups of `shardsPerProcess`: the app's own process (the parent) builds the platform stack
// and group 0; every other group is built by a child process that runs the SAME app (same command,
// same context) with CDK_MLOPS_FACTORY_GROUP naming the factory and the group, and CDK_OUTDIR a
// directory of its own. A child builds the platform stack (the shards refer to it) but synthesizes
// only its group's shard stacks. In the parent, the shards of the other groups are empty placeholder
// stacks whose synthesizer moves the child's files (template, asset manifest, metadata) into the
// parent's cloud assembly and adds the child's manifest entries for them: one cloud assembly, as if
// one process had synthesized it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DockerImageAssetLocation, DockerImageAssetSource, FileAssetLocation, FileAssetSource, ISynthesisSession, Stack, StackSynthesizer, Stage } from 'aws-cdk-lib';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';

/** The environment variable naming the factory and group a child process synthesizes. */
export const GROUP_ENV = 'CDK_MLOPS_FACTORY_GROUP';

/** What a process does for one factory. */
export type ProcessRole =
  | { readonly kind: 'single' }
  | { readonly kind: 'parent' }
  | { readonly kind: 'child'; readonly group: number }
  /** A child process synthesizing another factory of the same app: this one builds no shard. */
  | { readonly kind: 'bystander' };

/** The role of this process for the factory at `factoryPath`. */
export function processRole(factoryPath: string, multiProcess: boolean): ProcessRole {
  const raw = process.env[GROUP_ENV];
  if (raw === undefined || raw === '') return multiProcess ? { kind: 'parent' } : { kind: 'single' };
  const spec = JSON.parse(raw) as { path: string; group: number };
  if (spec.path !== factoryPath) return { kind: 'bystander' };
  return { kind: 'child', group: spec.group };
}

/** Options of the children (resolved ModelFactoryProps.synthesisProcesses). */
export interface GroupRunOptions {
  readonly factoryPath: string;
  readonly groups: number;
  readonly concurrency: number;
  readonly command: string[];
}

/**
 * Runs the children of one factory (once, on the first placeholder's synthesis) and hands each
 * placeholder its files.
 */
export class GroupRunner {
  private root?: string;
  private readonly manifests = new Map<string, cxschema.AssemblyManifest>();
  private pending: number;

  constructor(private readonly options: GroupRunOptions, placeholders: number) {
    this.pending = placeholders;
  }

  /** Moves the artifacts of `stack` (built by child `group`) into `session`'s assembly. */
  public adopt(stack: Stack, group: number, session: ISynthesisSession): void {
    const root = this.run(stack);
    const appOutdir = (stack.node.root as Stage).outdir;
    const childDir = path.join(root, String(group), path.relative(appOutdir, session.outdir));
    let manifest = this.manifests.get(childDir);
    if (!manifest) {
      manifest = cxschema.Manifest.loadAssemblyManifest(path.join(childDir, 'manifest.json'));
      this.manifests.set(childDir, manifest);
    }
    const artifacts = manifest.artifacts ?? {};
    const own = artifacts[stack.artifactId];
    if (!own) throw new Error(`[cdk-mlops] ModelFactory ${this.options.factoryPath}: process group ${group} did not synthesize stack ${stack.stackName} (${childDir}: ${Object.keys(artifacts).join(", ")})`);
    // The stack's asset manifests first (the order a synthesizer emits them), then the stack.
    const ids = [...(own.dependencies ?? []).filter((d) => artifacts[d]?.type === cxschema.ArtifactType.ASSET_MANIFEST), stack.artifactId];
    for (const id of ids) {
      const artifact = artifacts[id];
      const files = [artifact.additionalMetadataFile];
      const props = artifact.properties as { templateFile?: string; file?: string } | undefined;
      files.push(props?.templateFile, props?.file);
      if (artifact.type === cxschema.ArtifactType.ASSET_MANIFEST && props?.file) {
        const assets = cxschema.Manifest.loadAssetManifest(path.join(childDir, props.file));
        for (const f of Object.values(assets.files ?? {})) files.push(f.source.path);
        for (const d of Object.values(assets.dockerImages ?? {})) files.push(d.source.directory);
      }
      for (const f of files) if (f) moveInto(childDir, session.outdir, f);
      // The child did not write the platform stack, so its shards' dependencies on it are the placeholder's.
      const dependencies = id === stack.artifactId
        ? [...stack.dependencies.map((d) => d.artifactId), ...(artifact.dependencies ?? [])]
        : artifact.dependencies;
      session.assembly.addArtifact(id, { ...artifact, ...(dependencies ? { dependencies } : {}) });
    }
    if (--this.pending === 0) fs.rmSync(root, { recursive: true, force: true });
  }

  private run(stack: Stack): string {
    if (this.root) return this.root;
    const appOutdir = (stack.node.root as Stage).outdir;
    const root = fs.mkdtempSync(path.join(appOutdir, '.cdk-mlops-groups-'));
    this.root = root;
    const jobs = [];
    for (let g = 1; g < this.options.groups; g++) {
      const outdir = path.join(root, String(g));
      fs.mkdirSync(outdir);
      jobs.push({
        group: g,
        log: path.join(root, `${g}.log`),
        env: { [GROUP_ENV]: JSON.stringify({ path: this.options.factoryPath, group: g }), CDK_OUTDIR: outdir, CDK_VALIDATION: 'false' },
      });
    }
    const jobFile = path.join(root, 'jobs.json');
    const resultFile = path.join(root, 'result.json');
    fs.writeFileSync(jobFile, JSON.stringify({ jobs, command: this.options.command, concurrency: this.options.concurrency, resultFile }));
    const r = spawnSync(process.execPath, ['-e', COORDINATOR, jobFile], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env } });
    const result = fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : undefined;
    if (r.status !== 0 || !result || result.failed.length > 0) {
      const failed = (result?.failed ?? []) as Array<{ group: number; code: number | null; signal: string | null; log: string }>;
      const details = failed.map((f) => `process group ${f.group} exited with ${f.code ?? f.signal}:\n${f.log}`).join('\n');
      throw new Error(`[cdk-mlops] ModelFactory ${this.options.factoryPath}: synthesizing the shard stacks in ${this.options.groups - 1} child process(es) failed ` +
        `(coordinator exit ${r.status ?? r.signal}).\n${details}`);
    }
    return root;
  }
}

/** Moves `rel` (a file or directory) from `fromDir` to `toDir` unless it is there already. */
function moveInto(fromDir: string, toDir: string, rel: string): void {
  const target = path.join(toDir, rel);
  if (fs.existsSync(target)) return;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(path.join(fromDir, rel), target);
}

/**
 * The synthesizer of a placeholder shard stack in the parent: the stack's template comes from the
 * child process that built it. Assets added to the placeholder are the child's business (it builds
 * the same stack, with the same assets).
 */
export class AdoptedStackSynthesizer extends StackSynthesizer {
  constructor(private readonly runner: GroupRunner | undefined, private readonly group: number) {
    super();
  }

  public addFileAsset(_asset: FileAssetSource): FileAssetLocation {
    return { bucketName: '', objectKey: '', httpUrl: '', s3ObjectUrl: '' };
  }

  public addDockerImageAsset(_asset: DockerImageAssetSource): DockerImageAssetLocation {
    return { repositoryName: '', imageUri: '' };
  }

  public synthesize(session: ISynthesisSession): void {
    // In a child (runner undefined) the placeholder belongs to another process: nothing to write.
    this.runner?.adopt(this.boundStack, this.group, session);
  }
}

/** Makes a stack write nothing at synthesis (a child process does not rewrite the platform stack). */
export function skipSynthesis(stack: Stack): void {
  Object.defineProperty(stack.synthesizer, 'synthesize', { configurable: true, writable: true, value: () => undefined });
}

/** The command that runs the app again: this process's own. */
export function defaultCommand(): string[] {
  return [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
}

/** Default concurrency: the cores Node may use. */
export function defaultConcurrency(): number {
  const available = (os as { availableParallelism?: () => number }).availableParallelism;
  return Math.max(1, typeof available === 'function' ? available() : os.cpus().length);
}

/**
 * The coordinator (run with `node -e`, so it needs no file of its own): runs the jobs, `concurrency`
 * at a time, each child's output in its log file; at the first failure it stops the children it
 * started and reports the failed ones with the end of their logs.
 */
const COORDINATOR = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const spec = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const queue = spec.jobs.slice();
const running = new Map();
const failed = [];
const stopping = new Set();
const tail = (file) => { try { const t = fs.readFileSync(file, 'utf8'); return t.slice(-4000); } catch { return ''; } };
const finish = () => { fs.writeFileSync(spec.resultFile, JSON.stringify({ failed })); process.exit(failed.length ? 1 : 0); };
const next = () => {
  while (failed.length === 0 && running.size < spec.concurrency && queue.length > 0) {
    const job = queue.shift();
    const log = fs.openSync(job.log, 'w');
    const child = spawn(spec.command[0], spec.command.slice(1), { env: { ...process.env, ...job.env }, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    running.set(child, job);
    let done = false;
    const end = (code, signal, error) => {
      if (done) return;
      done = true;
      running.delete(child);
      if (code !== 0 && !stopping.has(child)) {
        failed.push({ group: job.group, code, signal, log: (error ? error + '\\n' : '') + tail(job.log) });
        for (const other of running.keys()) { stopping.add(other); other.kill(); }
      }
      if (running.size === 0 && (failed.length > 0 || queue.length === 0)) return finish();
      next();
    };
    child.on('error', (e) => end(null, null, String(e)));
    child.on('exit', (code, signal) => end(code, signal));
  }
};
if (queue.length === 0) finish(); else next();
`;
