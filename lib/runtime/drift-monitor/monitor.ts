import { MetricDatum, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { CapturePrefix } from '../../contracts/capture-record';
import { METRIC, ModelMonitorConfig, QualityConfig, QualityThresholdConfig, monitoredName } from '../../contracts/drift-monitor-config';
import { DriftAccumulator, featuresFromCaptureRecord, validateBaseline } from '../../monitoring/engine';
import {
  BinaryQualityAccumulator, RegressionQualityAccumulator, parseBinaryLabel, parseFiniteNumber,
} from '../../monitoring/engine/quality';
import { getPath } from './json-path';
import { MetricPublisher } from './metrics';
import { ObjectReadError, listKeys, readJson, readLines } from './s3-io';
import { hoursBefore, labelHourPrefix, minusHours } from './window';

export { METRIC };

/** What one model's run produced. */
export interface ModelOutcome {
  /** The monitored name: the model's, or `<model>-<segment>` for a segment. */
  readonly model: string;
  readonly samples: number;
  readonly malformed: number;
  /** Features over their thresholds (any variant); undefined when no variant had enough samples. */
  readonly drifted?: string[];
  readonly labeled: number;
  readonly qualityBreaches?: number;
}

type QualityAcc = BinaryQualityAccumulator | RegressionQualityAccumulator;

/**
 * Monitors one model over the window ending at `windowEnd` (exclusive, on an
 * hour boundary): drift per variant against the baseline, and quality when
 * labels are configured. Queues the datums on `publisher`, stamped `timestamp`
 * (the run's scheduled time: alarms evaluate sliding periods ending now, so a
 * datapoint stamped at the run rather than at the window end keeps the newest
 * period filled).
 */
export async function monitorModel(
  s3: S3Client, cfg: ModelMonitorConfig, windowEnd: Date, publisher: MetricPublisher, timestamp: Date = windowEnd,
): Promise<ModelOutcome> {
  let baseline;
  try {
    baseline = validateBaseline(await readJson(s3, cfg.baseline.bucket, cfg.baseline.key));
  } catch (e) {
    throw new Error(`baseline s3://${cfg.baseline.bucket}/${cfg.baseline.key}: ${(e as Error).name === 'Error' ? '' : `${(e as Error).name}: `}${(e as Error).message}`);
  }
  // A segment is its own monitored model: every datum also carries `Segment`, so its metrics never mix with the model's.
  const model = [{ Name: 'ModelName', Value: cfg.model }, ...(cfg.segment !== undefined ? [{ Name: 'Segment', Value: cfg.segment }] : [])];
  const datum = (name: string, value: number, dims: Array<{ Name: string; Value: string }>, unit: StandardUnit = 'None'): MetricDatum =>
    ({ MetricName: name, Dimensions: dims, Timestamp: timestamp, Value: value, Unit: unit });

  // Hours to read: the drift window and, with labels, the (earlier) quality window.
  const driftHours = hoursBefore(windowEnd, cfg.windowHours);
  const q = cfg.quality;
  const qualityEnd = q ? minusHours(windowEnd, q.delayHours) : windowEnd;
  const qualityHours = q ? hoursBefore(qualityEnd, cfg.windowHours) : [];
  const hours = new Map<number, { drift: boolean; quality: boolean }>();
  for (const h of driftHours) hours.set(h.getTime(), { drift: true, quality: false });
  for (const h of qualityHours) hours.set(h.getTime(), { drift: hours.has(h.getTime()), quality: true });
  const sortedHours = [...hours.keys()].sort((a, b) => a - b);

  // Labels first (bounded by the labels that arrived for the quality window).
  let labels: Map<string, unknown> | undefined;
  let malformedLabels = 0;
  if (q) {
    labels = new Map();
    const labelHours = hoursBefore(windowEnd, cfg.windowHours + q.delayHours);
    for (const h of labelHours) {
      for await (const key of listKeys(s3, q.bucket, labelHourPrefix(q.prefix, h))) {
        for await (const line of readLines(s3, q.bucket, key)) {
          if (line.trim() === '') continue;
          const parsed = parseLabelLine(line, q);
          if (parsed === undefined) malformedLabels++;
          else labels.set(parsed.id, parsed.label);
        }
      }
    }
    publisher.add(datum(METRIC.malformedLabels, malformedLabels, model, 'Count'));
  }

  let samples = 0;
  let malformed = 0;
  const drifted = new Set<string>();
  let anyDrift = false;
  const pooled: QualityAcc | undefined = q ? newQualityAcc(q) : undefined;

  for (const variant of cfg.variants) {
    const vdims = [...model, { Name: 'Variant', Value: variant }];
    const acc = new DriftAccumulator(baseline, { features: cfg.features, thresholds: cfg.thresholds });
    const qacc: QualityAcc | undefined = q ? newQualityAcc(q) : undefined;
    let n = 0;
    let bad = 0;
    for (const hourMs of sortedHours) {
      const role = hours.get(hourMs)!;
      const prefix = CapturePrefix.forHour(cfg.capture.prefix, cfg.model, variant, new Date(hourMs));
      for await (const key of listKeys(s3, cfg.capture.bucket, prefix)) {
        try {
          for await (const line of readLines(s3, cfg.capture.bucket, key)) {
            if (line.trim() === '') continue;
            let record: any;
            try {
              record = JSON.parse(line);
            } catch {
              record = undefined;
            }
            if (role.drift) {
              const row = record === undefined ? undefined : safeFeatures(record, cfg.featuresPath);
              if (row === undefined) {
                bad++;
                acc.addMalformed();
              } else {
                n++;
                acc.add(row);
              }
            }
            if (role.quality && qacc && record && typeof record === 'object' && typeof record.inferenceId === 'string') {
              const label = labels!.get(record.inferenceId);
              if (label !== undefined) joinPair(q!, record, label, qacc, pooled!);
            }
          }
        } catch (e) {
          // A corrupt object (e.g. a truncated .gz) costs its unread records, not the model:
          // counted as one malformed record of the drift window, logged, and the next object is read.
          if (!(e instanceof ObjectReadError)) throw e;
          if (role.drift) {
            bad++;
            acc.addMalformed();
          }
          console.error(JSON.stringify({ model: monitoredName(cfg), variant, unreadableObject: `s3://${e.bucket}/${e.key}`, error: e.message }));
        }
      }
    }
    samples += n;
    malformed += bad;
    publisher.add(
      datum(METRIC.sampleCount, n, vdims, 'Count'),
      datum(METRIC.malformedRecords, bad, vdims, 'Count'),
    );
    if (n >= cfg.minSamples) {
      const report = acc.result();
      anyDrift = true;
      for (const f of report.drifted) drifted.add(f);
      publisher.add(datum(METRIC.driftedFeatureCount, report.drifted.length, vdims, 'Count'));
      if (cfg.featureMetrics) {
        for (const [feature, stats] of Object.entries(report.features)) {
          for (const [statistic, value] of Object.entries(stats)) {
            if (statistic === 'type' || statistic === 'n' || typeof value !== 'number') continue;
            publisher.add(datum(METRIC.featureDrift, value, [...vdims, { Name: 'Feature', Value: feature }, { Name: 'Statistic', Value: statistic }]));
          }
        }
      }
    }
    if (q && qacc) {
      publisher.add(datum(METRIC.labeledSampleCount, qacc.n, vdims, 'Count'));
      if (qacc.n >= q.minSamples) publishQuality(qacc, vdims, datum, publisher);
    }
  }

  publisher.add(
    datum(METRIC.sampleCount, samples, model, 'Count'),
    datum(METRIC.malformedRecords, malformed, model, 'Count'),
  );
  if (anyDrift) publisher.add(datum(METRIC.driftedFeatureCount, drifted.size, model, 'Count'));

  let qualityBreaches: number | undefined;
  if (q && pooled) {
    publisher.add(datum(METRIC.labeledSampleCount, pooled.n, model, 'Count'));
    if (pooled.n >= q.minSamples) {
      const values = publishQuality(pooled, model, datum, publisher);
      qualityBreaches = countBreaches(values, q.thresholds);
      publisher.add(datum(METRIC.qualityBreachCount, qualityBreaches, model, 'Count'));
    }
  }

  return {
    model: monitoredName(cfg),
    samples,
    malformed,
    drifted: anyDrift ? [...drifted].sort() : undefined,
    labeled: pooled?.n ?? 0,
    qualityBreaches,
  };
}

function safeFeatures(record: unknown, path: string | undefined): Record<string, unknown> | undefined {
  try {
    return featuresFromCaptureRecord(record, path);
  } catch {
    return undefined; // e.g. an undecodable base64 request: malformed, never a crash
  }
}

function newQualityAcc(q: QualityConfig): QualityAcc {
  return q.problemType === 'binary' ? new BinaryQualityAccumulator(q.decisionThreshold) : new RegressionQualityAccumulator();
}

/** `{"inferenceId": "...", "label": ...}`; undefined when malformed or the label does not fit the problem type. */
function parseLabelLine(line: string, q: QualityConfig): { id: string; label: number } | undefined {
  let v: any;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || typeof v.inferenceId !== 'string' || v.inferenceId === '') return undefined;
  const label = q.problemType === 'binary' ? parseBinaryLabel(v.label) : parseFiniteNumber(v.label);
  return label === undefined ? undefined : { id: v.inferenceId, label };
}

function joinPair(q: QualityConfig, record: any, label: unknown, acc: QualityAcc, pooled: QualityAcc): void {
  const response = record.response;
  const raw = typeof response === 'number' || typeof response === 'boolean' ? response : getPath(response, q.predictionPath);
  if (q.problemType === 'binary') {
    const score = parseFiniteNumber(raw) ?? parseBinaryLabel(raw);
    if (score === undefined) return;
    (acc as BinaryQualityAccumulator).add(score, label as 0 | 1);
    (pooled as BinaryQualityAccumulator).add(score, label as 0 | 1);
  } else {
    const prediction = parseFiniteNumber(raw);
    if (prediction === undefined) return;
    (acc as RegressionQualityAccumulator).add(prediction, label as number);
    (pooled as RegressionQualityAccumulator).add(prediction, label as number);
  }
}

function publishQuality(
  acc: QualityAcc,
  dims: Array<{ Name: string; Value: string }>,
  datum: (name: string, value: number, dims: Array<{ Name: string; Value: string }>) => MetricDatum,
  publisher: MetricPublisher,
): Record<string, number> {
  const r = acc.result();
  const values: Record<string, number> = {};
  if (!r) return values;
  for (const [k, v] of Object.entries(r as unknown as Record<string, unknown>)) {
    if (k === 'n' || k === 'positives' || typeof v !== 'number') continue;
    values[k] = v;
    publisher.add(datum(METRIC.modelQuality, v, [...dims, { Name: 'Statistic', Value: k }]));
  }
  return values;
}

/** How many quality statistics are beyond their thresholds. */
export function countBreaches(values: Record<string, number>, t: QualityThresholdConfig): number {
  let breaches = 0;
  const below = (v: number | undefined, min: number | undefined) => v !== undefined && min !== undefined && v < min;
  const above = (v: number | undefined, max: number | undefined) => v !== undefined && max !== undefined && v > max;
  if (below(values.accuracy, t.minAccuracy)) breaches++;
  if (below(values.precision, t.minPrecision)) breaches++;
  if (below(values.recall, t.minRecall)) breaches++;
  if (below(values.f1, t.minF1)) breaches++;
  if (below(values.auc, t.minAuc)) breaches++;
  if (above(values.rmse, t.maxRmse)) breaches++;
  if (above(values.mae, t.maxMae)) breaches++;
  return breaches;
}
