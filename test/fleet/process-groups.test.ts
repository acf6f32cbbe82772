import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { buildFleet } from './fixtures/process-group-app';

// ModelFactoryProps.synthesisProcesses: 12 models, 2 per shard (6 shards), 2 shards per process: the
// test's process builds the platform and shards 0-1, two child processes (the fixture app run again)
// build shards 2-3 and 4-5. The result must be the cloud assembly one process gives.
function synth(shardsPerProcess: number): { dir: string; assembly: cxapi.CloudAssembly } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fleet-groups-${shardsPerProcess}-`));
  const env = { FLEET_MODELS: '12', FLEET_PER_SHARD: '2', FLEET_SHARDS_PER_PROCESS: String(shardsPerProcess) };
  // The children inherit this process's environment (the fixture reads FLEET_* there too).
  Object.assign(process.env, env);
  const app = new App({ outdir: dir, context: { 'aws:cdk:disable-asset-staging': true } });
  buildFleet(app, env);
  app.synth();
  return { dir, assembly: new cxapi.CloudAssembly(dir) };
}

const validation = process.env.CDK_VALIDATION;
process.env.CDK_VALIDATION = 'false';
const single = synth(0);
const multi = synth(2);
if (validation === undefined) delete process.env.CDK_VALIDATION;
else process.env.CDK_VALIDATION = validation;
afterAll(() => {
  for (const d of [single.dir, multi.dir]) fs.rmSync(d, { recursive: true, force: true });
});

test('three processes give the same stacks, with byte-identical templates, as one', () => {
  const names = (a: cxapi.CloudAssembly) => a.stacks.map((s) => s.stackName);
  expect(names(multi.assembly)).toEqual(['Fleet', 'Fleet-models-0', 'Fleet-models-1', 'Fleet-models-2', 'Fleet-models-3', 'Fleet-models-4', 'Fleet-models-5']);
  expect(names(multi.assembly)).toEqual(names(single.assembly));
  for (const s of single.assembly.stacks) {
    const file = path.basename(s.templateFile);
    expect({ file, text: fs.readFileSync(path.join(multi.dir, file), 'utf8') }).toEqual({ file, text: fs.readFileSync(path.join(single.dir, file), 'utf8') });
  }
});

test('the manifest (loaded by cx-api\'s CloudAssembly) has the same artifacts, in the same order, as one process\'s', () => {
  const artifacts = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).artifacts;
  // The Tree artifact names tree.json: the parent's holds the constructs it built (the children's shards are empty placeholders there).
  const { Tree: treeSingle, ...restSingle } = artifacts(single.dir);
  const { Tree: treeMulti, ...restMulti } = artifacts(multi.dir);
  expect(Object.keys(restMulti)).toEqual(Object.keys(restSingle));
  expect(restMulti).toEqual(restSingle);
  expect(treeMulti).toEqual(treeSingle);
  // Every file an artifact names is in the assembly; the children's working directories are gone.
  for (const s of multi.assembly.stacks) {
    expect(fs.existsSync(s.templateFullPath)).toBe(true);
    for (const a of s.dependencies.filter((d) => d instanceof cxapi.AssetManifestArtifact)) {
      expect(fs.existsSync((a as cxapi.AssetManifestArtifact).file)).toBe(true);
    }
  }
  expect(fs.readdirSync(multi.dir).filter((f) => f.startsWith('.cdk-mlops-groups'))).toEqual([]);
});

test('every shard depends on the platform stack and its own asset manifest, in every process group', () => {
  for (const s of multi.assembly.stacks.filter((x) => x.stackName !== 'Fleet')) {
    expect(s.dependencies.map((d) => d.id)).toEqual(['Fleet', `${s.stackName}.assets`]);
  }
  expect(multi.assembly.getStackByName('Fleet').dependencies.map((d) => d.id)).toEqual(['Fleet.assets']);
});

test('the parent builds only its group\'s models; asking for another group\'s endpoint says where it is built', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-groups-api-')), context: { 'aws:cdk:disable-asset-staging': true } });
  const { factory } = buildFleet(app, { FLEET_MODELS: '12', FLEET_PER_SHARD: '2', FLEET_SHARDS_PER_PROCESS: '2' });
  expect(factory.shardStacks).toHaveLength(6);
  expect(factory.isModelBuiltHere('fraud-0000')).toBe(true);
  expect(factory.isModelBuiltHere('risk-0007')).toBe(false);
  expect(() => factory.endpoint('risk-0007')).toThrow(/invalid prop "modelName" \("risk-0007"\): is built by the process of group 1 \(synthesisProcesses\)/);
  expect(() => factory.endpoint('nope')).toThrow(/is not a model of this factory/);
});

test('a failing child process fails the synthesis with its output', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-groups-fail-')), context: { 'aws:cdk:disable-asset-staging': true } });
  const { ModelFactoryStack, fleetSpecs } = require('../../examples/model-factory');
  new ModelFactoryStack(app, 'Fleet', {
    models: fleetSpecs(6),
    factory: { modelsPerShard: 2, synthesisProcesses: { shardsPerProcess: 1, command: [process.execPath, '-e', 'console.error("no app here"); process.exit(3)'] } },
  });
  expect(() => app.synth()).toThrow(/process group \d exited with 3:\nno app here/);
});
