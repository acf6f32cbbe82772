import { assignShards } from '../../lib/fleet/private/sharding';

const names = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
const record = (plan: ReturnType<typeof assignShards>) => Object.fromEntries(plan.assignments);

describe('assignShards (sticky fill)', () => {
  test('fills shards in list order up to the capacity', () => {
    const plan = assignShards(names(10), 4);
    expect(plan.shards).toEqual([names(10).slice(0, 4), names(10).slice(4, 8), names(10).slice(8)]);
    expect(plan.shardCount).toBe(3);
    expect(plan.added).toHaveLength(10);
  });

  test('adding a model moves nothing (with and without the recorded assignment)', () => {
    const before = assignShards(names(1000), 60);
    const fleet = [...names(1000), 'new-model'];
    for (const [previous, added] of [[record(before), ['new-model']], [{}, fleet]] as const) {
      const after = assignShards(fleet, 60, previous);
      for (const [m, s] of before.assignments) expect(after.assignments.get(m)).toBe(s);
      expect(after.added).toEqual(added);
    }
  });

  test('adding a model in the middle of the list moves nothing once the assignment is recorded', () => {
    const fleet = names(200);
    const before = assignShards(fleet, 50);
    const after = assignShards([...fleet.slice(0, 70), 'inserted', ...fleet.slice(70)], 50, record(before));
    for (const [m, s] of before.assignments) expect(after.assignments.get(m)).toBe(s);
    // Every shard was full, so the newcomer opens shard 4.
    expect(after.assignments.get('inserted')).toBe(4);
  });

  test('removing a model moves nothing, and its slot is reused by the next new model', () => {
    const fleet = names(1000);
    const before = assignShards(fleet, 60);
    const gone = fleet[123];
    const shrunk = fleet.filter((m) => m !== gone);
    const after = assignShards(shrunk, 60, record(before));
    expect(after.removed).toEqual([gone]);
    expect(after.added).toEqual([]);
    for (const m of shrunk) expect(after.assignments.get(m)).toBe(before.assignments.get(m));
    expect(after.assignments.has(gone)).toBe(false);

    const refilled = assignShards([...shrunk, 'newcomer'], 60, record(after));
    expect(refilled.assignments.get('newcomer')).toBe(before.assignments.get(gone));
    for (const m of shrunk) expect(refilled.assignments.get(m)).toBe(before.assignments.get(m));
  });

  test('an emptied shard keeps its index: later shards are not renumbered', () => {
    const fleet = names(9);
    const before = assignShards(fleet, 3);
    const shrunk = fleet.filter((m) => before.assignments.get(m) !== 1);
    const after = assignShards(shrunk, 3, record(before));
    expect(after.shardCount).toBe(3);
    expect(after.shards[1]).toEqual([]);
    for (const m of shrunk) expect(after.assignments.get(m)).toBe(before.assignments.get(m));
  });

  test('recorded models stay even when a lower capacity would not fit them', () => {
    const before = assignShards(names(10), 10);
    const after = assignShards([...names(10), 'x'], 5, record(before));
    expect(after.shards[0]).toEqual(names(10));
    expect(after.assignments.get('x')).toBe(1);
  });

  test('is deterministic: the same inputs give the same assignment', () => {
    const previous = record(assignShards(names(300), 70));
    const fleet = [...names(300).filter((_, i) => i % 7 !== 0), ...names(50, 'n')];
    expect(record(assignShards(fleet, 70, previous))).toEqual(record(assignShards(fleet, 70, previous)));
  });

  test('rejects duplicate names, bad capacity and bad recorded shards', () => {
    expect(() => assignShards(['a', 'a'], 3)).toThrow(/"a" appears twice/);
    expect(() => assignShards(['a'], 0)).toThrow(/capacity must be an integer >= 1/);
    expect(() => assignShards(['a'], 3, { a: -1 })).toThrow(/recorded shard of model "a"/);
    expect(() => assignShards(['a'], 3, { a: 1.5 })).toThrow(/recorded shard of model "a"/);
  });

  describe('with weights (a model with segments weighs more)', () => {
    const w = (entries: Record<string, number>) => new Map(Object.entries(entries));

    test('new models go to the lowest shard with room for their weight (first fit)', () => {
      const plan = assignShards(['a', 'heavy', 'b', 'c'], 10, {}, { weights: w({ a: 6, heavy: 5, b: 4, c: 1 }) });
      // heavy (5) does not fit beside a (6): it opens shard 1; b (4) fills shard 0; c (1) goes to shard 1 (shard 0 is full).
      expect(plan.shards).toEqual([['a', 'b'], ['heavy', 'c']]);
      expect(plan.loads).toEqual([10, 6]);
    });

    test('a model heavier than a shard takes an empty shard of its own', () => {
      const plan = assignShards(['a', 'huge', 'b'], 10, {}, { weights: w({ a: 2, huge: 14 }) });
      expect(plan.shards).toEqual([['a', 'b'], ['huge']]);
    });

    test('a recorded model whose weight grew stays; a shard past the limit is reported with its models', () => {
      const before = assignShards(['a', 'b', 'c'], 3);
      const grown = assignShards(['a', 'b', 'c', 'd'], 3, record(before), { weights: w({ b: 2 }), limit: 4 });
      expect(grown.assignments.get('b')).toBe(0);
      expect(grown.loads).toEqual([4, 1]);
      expect(grown.assignments.get('d')).toBe(1);
      expect(grown.overLimit).toEqual([]);
      const over = assignShards(['a', 'b', 'c'], 3, record(before), { weights: w({ b: 3 }), limit: 4 });
      expect(over.assignments.get('b')).toBe(0);
      expect(over.overLimit).toEqual([{ shard: 0, load: 5, models: ['a', 'b', 'c'] }]);
    });

    test('rejects a weight that is not a positive integer', () => {
      expect(() => assignShards(['a'], 3, {}, { weights: w({ a: 0 }) })).toThrow(/weight of model "a" must be an integer >= 1/);
      expect(() => assignShards(['a'], 3, {}, { weights: w({ a: 1.5 }) })).toThrow(/weight of model "a"/);
    });
  });
});
