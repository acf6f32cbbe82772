// Shard sizing with per-segment models (issue 12, item 5): a model weighs one slot of modelsPerShard plus
// SEGMENT_UNITS per segment (its measured share of the template, lib/fleet/private/segments.ts), so a fleet of
// segmented models stays within the StackLimits guard (900 KiB, 450 resources) at the default modelsPerShard.
import { fleetSpecs, ModelFactoryStack } from '../../examples/model-factory';
import { FactoryModelSpec, StackLimits } from '../../lib';
import { MODEL_UNITS, SEGMENT_UNITS } from '../../lib/fleet/private/segments';
import { testApp } from '../util/synth';

const segments = (n: number): FactoryModelSpec['segments'] =>
  Array.from({ length: n }, (_, k) => ({ name: `m${k}`, match: { header: 'X-Market', values: [`m${k}`] }, modelVersion: `v1-m${k}` }));

/** Synthesizes (the guard runs on every template file written) and measures every shard stack. */
function synth(models: FactoryModelSpec[], factory: Record<string, unknown> = {}) {
  const app = testApp();
  const platform = new ModelFactoryStack(app, 'Fleet', { models, factory });
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false'; // aws-cdk-lib's template linter is not what this checks
  try {
    const assembly = app.synth();
    const shards = platform.factory.shardStacks.map((s) => {
      const artifact = assembly.getStackByName(s.stackName);
      return {
        stackName: s.stackName,
        models: Object.entries(platform.factory.shardAssignments).filter(([, i]) => `Fleet-models-${i}` === s.stackName).map(([m]) => m),
        resources: Object.keys(artifact.template.Resources ?? {}).length,
        // The template file as written to the cloud assembly (what the guard measured).
        bytes: Buffer.byteLength(JSON.stringify(artifact.template, undefined, 1)),
        warnings: artifact.messages.filter((m) => String(m.entry.data).includes('cdk-mlops:stack-limits')).map((m) => m.entry.data),
      };
    });
    return { factory: platform.factory, shards };
  } finally {
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
  }
}

describe('ModelFactory shards weighed by segments', () => {
  test('20 models with 2 segments each synthesize at the default modelsPerShard; every shard passes the guard', () => {
    const models = fleetSpecs(20).map((s) => ({ ...s, segments: segments(2) }));
    // Before weights: one shard of 20 such models, ~1.9 MB of template (over the 1 MB hard limit).
    const { shards } = synth(models);
    // 1 + 2 x 0.775 = 2.55 slots each: 7 models fill 17.85 of the 20 slots, an 8th would not fit.
    expect(SEGMENT_UNITS / MODEL_UNITS).toBe(0.775);
    expect(shards.map((s) => s.models.length)).toEqual([7, 7, 6]);
    for (const s of shards) {
      const within = { resources: s.resources <= StackLimits.DEFAULT_MAX_RESOURCES, bytes: s.bytes <= StackLimits.DEFAULT_MAX_TEMPLATE_BYTES };
      expect({ stack: s.stackName, ...within }).toEqual({ stack: s.stackName, resources: true, bytes: true });
      // Packed about as densely as 20 plain models (~680-820 KB): the weights are not wildly pessimistic.
      expect(s.bytes).toBeGreaterThan(500_000);
      // ...and under the guard's 80% warning (measured: 675, 671 and 578 KB).
      expect(s.warnings).toEqual([]);
    }
  });

  test('a model with segments leaves the rest of a shard to lighter models (first fit), a lighter newcomer may fill a lower shard', () => {
    const plain = fleetSpecs(25);
    const models = [...plain.slice(0, 18), { ...plain[18], segments: segments(3) }, ...plain.slice(19)];
    const app = testApp();
    const { factory } = new ModelFactoryStack(app, 'Fleet', { models });
    // 18 plain (18 slots) + a model of 3.325 slots does not fit shard 0: it opens shard 1; the next two plain models fill shard 0.
    expect(factory.shardAssignments[plain[18].modelName]).toBe(1);
    expect(plain.slice(19, 21).map((m) => factory.shardAssignments[m.modelName])).toEqual([0, 0]);
    expect(plain.slice(21).map((m) => factory.shardAssignments[m.modelName])).toEqual([1, 1, 1, 1]);
  });

  describe('a recorded model that gains segments (sticky: it never moves by itself)', () => {
    const fleet = fleetSpecs(20);
    const record = new ModelFactoryStack(testApp(), 'Fleet', { models: fleet }).factory.shardAssignments;
    const gain = (k: number) => [...fleet.slice(0, 3), { ...fleet[3], segments: segments(k) }, ...fleet.slice(4), fleetSpecs(21)[20]];

    test('stays in its full shard while the shard\'s template has room within the guard; new models go elsewhere', () => {
      expect(new Set(Object.values(record))).toEqual(new Set([0]));
      // Shard 0: 20 slots + 2 x 0.775 = 21.55, over the fill capacity (20) but under the 22.74 the guard holds.
      const { factory, shards } = synth(gain(2), { shardAssignments: record });
      expect(factory.shardAssignments[fleet[3].modelName]).toBe(0);
      expect(factory.shardAssignments[fleetSpecs(21)[20].modelName]).toBe(1);
      const shard0 = shards[0];
      expect(shard0.models).toHaveLength(20);
      expect(shard0.bytes).toBeLessThanOrEqual(StackLimits.DEFAULT_MAX_TEMPLATE_BYTES);
      expect(shard0.resources).toBeLessThanOrEqual(StackLimits.DEFAULT_MAX_RESOURCES);
    });

    test('fails the validation naming the model, its shard and the two ways out when the shard has no room', () => {
      // 20 + 4 x 0.775 = 23.1 slots: over what a shard's template holds.
      expect(() => new ModelFactoryStack(testApp(), 'Fleet', { models: gain(4), factory: { shardAssignments: record } })).toThrow(
        new RegExp('invalid prop "models\\[3\\]\\.segments" \\(4\\): make model "eta-0003" weigh 4\\.10 model slots .* its shard 0 \\(where shardAssignments keeps it\\) '
          + 'now holds 23\\.10, over the 22\\.74 .*Add the segments to fewer models of that shard, or move the model in two deployments'),
      );
    });

    test('a new model heavier than a whole shard gets an empty shard of its own, and fails only beyond what a shard holds', () => {
      const heavy = { ...fleetSpecs(30)[29], segments: segments(26) }; // 1 + 26 x 0.775 = 21.15 slots
      const { factory } = new ModelFactoryStack(testApp(), 'Fleet', { models: [...fleet.slice(0, 5), heavy, fleet[5]] });
      expect(factory.shardAssignments[heavy.modelName]).toBe(1);
      expect(factory.shardAssignments[fleet[5].modelName]).toBe(0);
      const heavier = { ...heavy, segments: segments(29) }; // 23.475 slots
      expect(() => new ModelFactoryStack(testApp(), 'Fleet', { models: [heavier] }))
        .toThrow(/invalid prop "models\[0\]\.segments" \(29\): .*give the model fewer segments/);
    });
  });
});
