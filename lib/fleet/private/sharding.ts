/**
 * Deterministic assignment of models to shard stacks.
 *
 * The rule (the "sticky fill" rule):
 *  1. A model recorded in the previous assignment keeps its shard, always —
 *     even when the shard is now over capacity (moving a model between stacks
 *     is a delete in one stack and a create in another: its namespace, alarms
 *     and SSM record would be destroyed and re-created, and the create fails
 *     first on the names they share).
 *  2. A model no longer in the fleet drops out; its slot becomes free.
 *  3. New models, in the order of the model list, go to the lowest-numbered
 *     shard with room for their weight (capacity minus the weights it holds),
 *     opening a new shard after the last one when none has room. A model
 *     heavier than a whole shard gets an empty shard of its own.
 *
 * Weights: a model weighs what its resources and template bytes cost
 * (ModelFactory: a model without segments weighs MODEL_UNITS, each segment
 * adds SEGMENT_UNITS; lib/fleet/private/segments.ts). Without weights every
 * model weighs 1 and the capacity is a number of models.
 *
 * A recorded model whose weight grew (a model that gained a segment) still
 * stays (rule 1); a shard the growth takes past `limit` (what a shard's
 * template holds within the StackLimits guard) is reported in `overLimit`,
 * for the caller to fail with the models and the fix.
 *
 * Why not hashing the name into a fixed number of buckets: it is stateless,
 * but the bucket count must be fixed up front (growing it re-hashes, i.e.
 * moves, models), buckets fill unevenly (a 1,000-model fleet in 16 buckets of
 * 80 overflows a bucket about 1 time in 6, by the binomial tail) and small
 * fleets get as many
 * mostly-empty stacks as large ones. Sticky fill packs stacks densely, grows
 * without bound, and never moves a model; its state is the assignment itself,
 * a small JSON map committed next to the app (the way `cdk.context.json` is).
 * Without a recorded assignment the result depends only on the list order, so
 * appending models is stable even then; removals need the record.
 */

/** The result of {@link assignShards}. */
export interface ShardPlan {
  /** Every model of the fleet and its shard index, in model-list order. */
  readonly assignments: Map<string, number>;
  /** Number of shards (highest used index + 1; a shard emptied by removals keeps its index). */
  readonly shardCount: number;
  /** Models that were not in the previous assignment (placed by rule 3). */
  readonly added: string[];
  /** Models of the previous assignment that left the fleet (rule 2). */
  readonly removed: string[];
  /** Models per shard index. */
  readonly shards: string[][];
  /** Weight each shard holds, by shard index. */
  readonly loads: number[];
  /** Shards whose weight is over `options.limit`, with their models (empty without a limit). */
  readonly overLimit: Array<{ readonly shard: number; readonly load: number; readonly models: string[] }>;
}

/** Options of {@link assignShards}. */
export interface AssignShardsOptions {
  /** Weight of each model (a positive integer, in the capacity's unit); a model not listed weighs 1. */
  readonly weights?: ReadonlyMap<string, number>;
  /** The most a shard can hold at all (>= capacity): shards over it are reported in `overLimit`. */
  readonly limit?: number;
}

/**
 * Assigns models to shards; see the module comment for the rule.
 *
 * @param models the fleet's model names, in list order (unique)
 * @param capacity the weight new models fill a shard up to (>= 1; models, without weights)
 * @param previous the recorded assignment (model -> shard index)
 * @param options model weights and the hard limit of a shard
 */
export function assignShards(
  models: readonly string[], capacity: number, previous: Readonly<Record<string, number>> = {}, options: AssignShardsOptions = {},
): ShardPlan {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be an integer >= 1, got ${capacity}`);
  const weightOf = (m: string) => options.weights?.get(m) ?? 1;
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m)) throw new Error(`model "${m}" appears twice in the model list`);
    seen.add(m);
    const w = weightOf(m);
    if (!Number.isInteger(w) || w < 1) throw new Error(`weight of model "${m}" must be an integer >= 1, got ${w}`);
  }
  for (const [m, s] of Object.entries(previous)) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`recorded shard of model "${m}" must be an integer >= 0, got ${JSON.stringify(s)}`);
  }

  const assignments = new Map<string, number>();
  const load: number[] = [];
  const bump = (shard: number, m: string) => {
    while (load.length <= shard) load.push(0);
    load[shard] += weightOf(m);
  };
  // Rule 1: recorded models stay.
  for (const m of models) {
    const recorded = Object.prototype.hasOwnProperty.call(previous, m) ? previous[m] : undefined;
    if (recorded !== undefined) {
      assignments.set(m, recorded);
      bump(recorded, m);
    }
  }
  // Rule 2: the rest of the record is gone.
  const removed = Object.keys(previous).filter((m) => !seen.has(m));
  // Keep the index space of the record, so an emptied shard is not renumbered.
  for (const s of Object.values(previous)) while (load.length <= s) load.push(0);

  // Rule 3: new models go to the lowest shard with room for their weight (first fit).
  const added: string[] = [];
  let open = 0; // the lowest shard not yet full (loads only grow, so it only moves up)
  for (const m of models) {
    if (assignments.has(m)) continue;
    while (open < load.length && load[open] >= capacity) open++;
    const w = weightOf(m);
    let shard = open;
    while (shard < load.length && load[shard] + w > capacity && !(load[shard] === 0 && w > capacity)) shard++;
    assignments.set(m, shard);
    bump(shard, m);
    added.push(m);
  }

  // Model-list order in the result, whatever order the rules placed them in.
  const ordered = new Map<string, number>();
  for (const m of models) ordered.set(m, assignments.get(m)!);
  const shardCount = load.length;
  const shards: string[][] = Array.from({ length: shardCount }, () => []);
  for (const [m, s] of ordered) shards[s].push(m);
  const loads = Array.from({ length: shardCount }, (_, i) => load[i] ?? 0);
  const overLimit = options.limit === undefined ? [] : loads
    .map((l, shard) => ({ shard, load: l, models: shards[shard] }))
    .filter((x) => x.load > options.limit!);
  return { assignments: ordered, shardCount, added, removed, shards, loads, overLimit };
}
