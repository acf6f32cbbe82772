// `npm start`: the main job, offline (no AWS credentials, no Docker).
// 1. bundles the runtime handlers and the CLI, compiles bin/ + examples/ (so it works
//    straight after `npm ci`),
// 2. synthesizes every example stack into cdk.out/ with the CDK CLI from
//    devDependencies (cdk-nag runs as a policy-validation plugin),
// 3. prints a summary per stack: resources by type, Kubernetes objects by kind,
// 4. runs the closed-loop simulation (cdk-mlops simulate --scenario drift-promote).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAll } from './bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: 'true' };

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`npm start: "${cmd} ${args.join(' ')}" failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

await bundleAll({ quiet: true });
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.bin.json']);
run(process.execPath, [join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', 'cdk.out']);

/** Flattens a CloudFormation string expression: tokens become placeholders. */
function flatten(value) {
  if (typeof value === 'string') return value;
  if (value && Array.isArray(value['Fn::Join'])) {
    const [sep, parts] = value['Fn::Join'];
    return parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(sep);
  }
  return JSON.stringify(value);
}

const out = join(root, 'cdk.out');
const templates = readdirSync(out).filter((f) => f.endsWith('.template.json')).sort();
for (const file of templates) {
  const template = JSON.parse(readFileSync(join(out, file), 'utf8'));
  const resources = Object.values(template.Resources ?? {});
  const byType = {};
  const kinds = {};
  for (const r of resources) {
    byType[r.Type] = (byType[r.Type] ?? 0) + 1;
    if (r.Type === 'Custom::AWSCDK-EKS-KubernetesResource' && r.Properties?.Manifest) {
      try {
        for (const obj of JSON.parse(flatten(r.Properties.Manifest))) {
          kinds[obj.kind] = (kinds[obj.kind] ?? 0) + 1;
        }
      } catch {
        kinds['<unparsed manifest>'] = (kinds['<unparsed manifest>'] ?? 0) + 1;
      }
    }
  }
  const bytes = readFileSync(join(out, file)).length;
  console.log(`\n${file.replace('.template.json', '')}: ${resources.length} resources, ${(bytes / 1024).toFixed(1)} KiB template`);
  for (const [type, n] of Object.entries(byType).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    console.log(`  ${String(n).padStart(4)}  ${type}`);
  }
  if (Object.keys(kinds).length > 0) {
    console.log('  Kubernetes objects:');
    for (const [kind, n] of Object.entries(kinds).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
      console.log(`  ${String(n).padStart(4)}  ${kind}`);
    }
  }
}

// The closed loop: the real retraining and training definitions, executed
// locally (bin/cdk-mlops.js is the bundled CLI, built by bundleAll above).
console.log('');
run(process.execPath, [join(root, 'bin', 'cdk-mlops.js'), 'simulate', '--scenario', 'drift-promote']);
