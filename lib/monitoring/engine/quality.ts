/**
 * Model-quality metrics from (prediction, ground-truth label) pairs.
 *
 * Pure, dependency-free and streaming-friendly: the accumulators keep only
 * what the metric needs (confusion counts; for AUC the scores, because AUC is
 * a rank statistic). Used by the DriftMonitor Lambda handler.
 *
 * Definitions (checked against committed numpy fixtures):
 * - binary: the predicted class is `score >= decisionThreshold`; accuracy,
 *   precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = 2pr / (p + r).
 *   A ratio whose denominator is 0 is 0 (scikit-learn's `zero_division=0`).
 * - AUC: the Mann–Whitney U statistic of the positive scores over the
 *   negative ones, U / (nPos · nNeg), with mid-ranks for ties (a tie counts
 *   one half). Undefined (absent) when either class is absent.
 * - regression: RMSE = sqrt(mean((y − ŷ)²)), MAE = mean(|y − ŷ|).
 */

/** Binary-classification quality. */
export interface BinaryQuality {
  readonly n: number;
  readonly positives: number;
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Absent when only one class is present among the labels. */
  readonly auc?: number;
}

/** Regression quality. */
export interface RegressionQuality {
  readonly n: number;
  readonly rmse: number;
  readonly mae: number;
}

/**
 * Reads a ground-truth or predicted binary class: `1`/`0`, `true`/`false`,
 * `"1"`/`"0"`, `"true"`/`"false"` (case-insensitive), or `"positive"`/`"negative"`.
 * Returns undefined when the value is not a recognisable class.
 */
export function parseBinaryLabel(value: unknown): 0 | 1 | undefined {
  if (value === true || value === 1) return 1;
  if (value === false || value === 0) return 0;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === '1' || v === 'true' || v === 'positive' || v === 'yes') return 1;
    if (v === '0' || v === 'false' || v === 'negative' || v === 'no') return 0;
  }
  return undefined;
}

/** Reads a finite number (a number or a numeric string); undefined otherwise. */
export function parseFiniteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Accumulates binary-classification pairs. */
export class BinaryQualityAccumulator {
  private readonly scores: number[] = [];
  private readonly labels: number[] = [];
  private tp = 0;
  private fp = 0;
  private tn = 0;
  private fn = 0;

  constructor(private readonly decisionThreshold = 0.5) {
    if (!Number.isFinite(decisionThreshold)) throw new Error(`decisionThreshold must be finite, got ${decisionThreshold}`);
  }

  /** Adds one pair: the model's score (probability or class) and the true class. */
  public add(score: number, label: 0 | 1): void {
    if (!Number.isFinite(score)) throw new Error(`score must be finite, got ${score}`);
    this.scores.push(score);
    this.labels.push(label);
    const predicted = score >= this.decisionThreshold;
    if (predicted && label === 1) this.tp++;
    else if (predicted) this.fp++;
    else if (label === 1) this.fn++;
    else this.tn++;
  }

  /** Number of pairs added. */
  public get n(): number {
    return this.scores.length;
  }

  /** The metrics; undefined when no pair was added. */
  public result(): BinaryQuality | undefined {
    const n = this.scores.length;
    if (n === 0) return undefined;
    const precision = ratio(this.tp, this.tp + this.fp);
    const recall = ratio(this.tp, this.tp + this.fn);
    const auc = rocAuc(this.scores, this.labels);
    return {
      n,
      positives: this.tp + this.fn,
      accuracy: (this.tp + this.tn) / n,
      precision,
      recall,
      f1: ratio(2 * precision * recall, precision + recall),
      ...(auc === undefined ? {} : { auc }),
    };
  }
}

/** Accumulates regression pairs (Welford-free: sums are exact enough for RMSE/MAE). */
export class RegressionQualityAccumulator {
  private count = 0;
  private sumSq = 0;
  private sumAbs = 0;

  /** Adds one pair: prediction and true value. */
  public add(prediction: number, actual: number): void {
    if (!Number.isFinite(prediction) || !Number.isFinite(actual)) {
      throw new Error(`prediction and actual must be finite, got ${prediction}, ${actual}`);
    }
    const e = actual - prediction;
    this.count++;
    this.sumSq += e * e;
    this.sumAbs += Math.abs(e);
  }

  /** Number of pairs added. */
  public get n(): number {
    return this.count;
  }

  /** The metrics; undefined when no pair was added. */
  public result(): RegressionQuality | undefined {
    if (this.count === 0) return undefined;
    return { n: this.count, rmse: Math.sqrt(this.sumSq / this.count), mae: this.sumAbs / this.count };
  }
}

/**
 * ROC AUC by the Mann–Whitney formula with mid-ranks for ties:
 * (sum of positive ranks − nPos(nPos+1)/2) / (nPos · nNeg).
 * Undefined when either class is absent.
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number | undefined {
  if (scores.length !== labels.length) throw new Error('scores and labels must have the same length');
  const n = scores.length;
  let nPos = 0;
  for (const l of labels) if (l === 1) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return undefined;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j + 2) / 2; // ranks are 1-based: (i+1 + j+1) / 2
    for (let k = i; k <= j; k++) if (labels[order[k]] === 1) rankSumPos += midRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}
