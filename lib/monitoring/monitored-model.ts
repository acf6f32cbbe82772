import { Annotations, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { FeatureConfig, METRIC, MODEL_CONFIG_VERSION, ModelMonitorConfig, QualityConfig, segmentModelName } from '../contracts/drift-monitor-config';
import { DriftThresholds } from '../contracts/drift-thresholds';
import { checkDnsLabel, checkInt, checkPattern, invalid, isToken } from '../core/validation';
import type { DriftMonitor } from './drift-monitor';
import { DriftFeatureType, DriftStatistic, ModelQualityOptions, MonitoredModelProps, QualityStatistic } from './drift-monitor-props';
import { thresholdsFor } from './engine/thresholds';
import { checkAlarmWindow, checkS3Prefix, VARIANT_RE } from './private/checks';
import { checkFeaturesPath, createConfigParameter, renderFeatures, renderQuality, renderThresholds } from './private/model-config';

/**
 * One model monitored by a {@link DriftMonitor}: its configuration parameter,
 * drift alarm and (with labels) quality alarm. Create it with
 * `monitor.addModel(...)`, or directly in another stack of the same account
 * and region (the configuration path and namespace are plain strings, so the
 * shared handler needs no cross-stack reference).
 */
export class MonitoredModel extends Construct {
  /**
   * The name the model is monitored as: its model name, or `<model>-<segment>` for a segment (the middle of
   * its alarm names and its configuration parameter's name).
   */
  public readonly modelName: string;
  /** The model whose capture records are read (`model=<name>/`), the `ModelName` metric dimension. */
  public readonly captureModelName: string;
  /** The segment monitored (undefined: the whole model). */
  public readonly segment?: string;
  /** Fires when `DriftedFeatureCount` (drifted features in any variant) reaches the threshold. Named `<alarmPrefix>-<model>-drift`. */
  public readonly alarm: cloudwatch.Alarm;
  /** Fires when `QualityBreachCount` is at least 1. Named `<alarmPrefix>-<model>-quality`. Undefined without `quality`. */
  public readonly qualityAlarm?: cloudwatch.Alarm;
  /** The configuration parameter the handler reads. */
  public readonly configParameter: ssm.StringParameter;
  /** The variants monitored. */
  public readonly variants: string[];
  /** Bucket of the baseline the handler compares against (RetrainTrigger copies a promoted champion's baseline here). */
  public readonly baselineBucket: s3.IBucket;
  /** Key of that baseline. */
  public readonly baselineKey: string;
  /** The features listed in `features` (empty when the handler infers them from the capture records). */
  public readonly featureNames: string[];
  /** The ground-truth options (quality thresholds); undefined without `quality`. */
  public readonly qualityOptions?: ModelQualityOptions;
  /** Drifted features (in any variant) at which the drift alarm fires. */
  public readonly driftedFeaturesToAlarm: number;
  private readonly monitor: DriftMonitor;
  private readonly featureSpecs: FeatureConfig[];
  private readonly modelThresholds?: DriftThresholds;

  constructor(scope: Construct, id: string, props: MonitoredModelProps) {
    super(scope, id);
    const monitor = props.monitor;
    this.monitor = monitor;
    if (props.modelName === undefined || Token.isUnresolved(props.modelName)) invalid(this, 'modelName', props.modelName, 'must be a literal DNS-1123 label');
    checkDnsLabel(this, 'modelName', props.modelName, 63);
    if (props.segment !== undefined) {
      checkPattern(this, 'segment', props.segment, VARIANT_RE, 'must be a segment name of the model (a DNS-1123 label)');
      checkDnsLabel(this, 'segment', segmentModelName(props.modelName, props.segment), 63);
    }
    this.captureModelName = props.modelName;
    this.segment = props.segment;
    this.modelName = props.segment === undefined ? props.modelName : segmentModelName(props.modelName, props.segment);

    this.variants = props.variants ?? (props.segment !== undefined ? [props.segment] : ['primary']);
    if (this.variants.length === 0 || this.variants.length > 10) invalid(this, 'variants', this.variants, 'must list 1-10 variants');
    this.variants.forEach((v, i) => checkPattern(this, `variants[${i}]`, v, VARIANT_RE, 'must be a DNS-1123 label (lower-case letters, digits and "-")'));
    if (new Set(this.variants).size !== this.variants.length) invalid(this, 'variants', this.variants, 'must not repeat a variant');

    const windowHours = props.windowHours ?? 1;
    checkInt(this, 'windowHours', windowHours, 1, 168);
    const scheduleHours = monitor.schedule.toSeconds() / 3600;
    if (windowHours < scheduleHours) {
      Annotations.of(this).addWarningV2('cdk-mlops:drift-window-gap',
        `windowHours (${windowHours}) is shorter than the monitor's schedule (${scheduleHours} h): ${scheduleHours - windowHours} hour(s) of capture between runs are never compared. Set windowHours to ${scheduleHours}.`);
    }
    const minSamples = props.minSamples ?? 100;
    checkInt(this, 'minSamples', minSamples, 1);
    const driftedFeaturesToAlarm = props.driftedFeaturesToAlarm ?? 1;
    checkInt(this, 'driftedFeaturesToAlarm', driftedFeaturesToAlarm, 1);
    this.driftedFeaturesToAlarm = driftedFeaturesToAlarm;
    const evaluationPeriods = props.evaluationPeriods ?? monitor.evaluationPeriods;
    const datapointsToAlarm = props.datapointsToAlarm ?? Math.min(monitor.datapointsToAlarm, evaluationPeriods);
    checkAlarmWindow(this, '', evaluationPeriods, datapointsToAlarm, monitor.schedule);

    // Baseline.
    if (!props.baselineKey || (!isToken(props.baselineKey) && (props.baselineKey.startsWith('/') || props.baselineKey.endsWith('/')))) {
      invalid(this, 'baselineKey', props.baselineKey, 'must be an S3 object key (not starting or ending with "/")');
    }
    const baselineBucket = props.baselineBucket ?? monitor._baselineBucket;
    this.baselineBucket = baselineBucket;
    this.baselineKey = props.baselineKey;
    if (props.baselineBucket) {
      monitor._grantHandlerRead(props.baselineBucket, props.baselineKey);
    } else if (!isToken(props.baselineKey) && !props.baselineKey.startsWith(monitor._baselinePrefix)) {
      invalid(this, 'baselineKey', props.baselineKey, `must start with the monitor's baselinePrefix "${monitor._baselinePrefix}" (or pass baselineBucket to grant it separately)`);
    }

    // Capture.
    const captureBucket = props.captureBucket ?? monitor._captureBucket;
    const capturePrefix = props.capturePrefix ?? monitor._capturePrefix;
    checkS3Prefix(this, 'capturePrefix', capturePrefix);
    if (props.captureBucket || props.capturePrefix !== undefined) {
      monitor._grantHandlerRead(captureBucket, `${capturePrefix}model=${this.captureModelName}/`);
    }

    // Features, thresholds, quality.
    const thresholds = props.thresholds ? renderThresholds(this, 'thresholds', props.thresholds) : undefined;
    const features = renderFeatures(this, props.features);
    const quality: QualityConfig | undefined = props.quality ? renderQuality(this, monitor, this.captureModelName, props.quality) : undefined;
    checkFeaturesPath(this, props.featuresPath);
    this.featureSpecs = features ?? [];
    this.featureNames = this.featureSpecs.map((f) => f.name);
    this.modelThresholds = thresholds;
    this.qualityOptions = props.quality;

    const config: ModelMonitorConfig = {
      v: MODEL_CONFIG_VERSION,
      model: this.captureModelName,
      ...(this.segment !== undefined ? { segment: this.segment } : {}),
      capture: { bucket: captureBucket.bucketName, prefix: capturePrefix },
      variants: this.variants,
      baseline: { bucket: baselineBucket.bucketName, key: props.baselineKey },
      windowHours,
      minSamples,
      ...(props.featuresPath !== undefined ? { featuresPath: props.featuresPath } : {}),
      ...(features ? { features } : {}),
      ...(thresholds ? { thresholds } : {}),
      featureMetrics: props.featureMetrics ?? true,
      ...(quality ? { quality } : {}),
    };
    this.configParameter = createConfigParameter(this, monitor, config, { ...props, modelName: this.modelName });

    this.alarm = new cloudwatch.Alarm(this, 'DriftAlarm', {
      alarmName: `${monitor.alarmPrefix}-${this.modelName}-drift`,
      alarmDescription: `Drift of ${this.describe()}: at least ${driftedFeaturesToAlarm} feature(s) over their thresholds in ${datapointsToAlarm} of ${evaluationPeriods} runs. No data (empty or too-small window) is INSUFFICIENT_DATA, never OK.`,
      metric: this.metricDriftedFeatureCount(),
      threshold: driftedFeaturesToAlarm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    if (quality) {
      this.qualityAlarm = new cloudwatch.Alarm(this, 'QualityAlarm', {
        alarmName: `${monitor.alarmPrefix}-${this.modelName}-quality`,
        alarmDescription: `Quality of ${this.describe()}: a statistic beyond its threshold (${JSON.stringify(quality.thresholds)}) in ${datapointsToAlarm} of ${evaluationPeriods} runs. No labels is INSUFFICIENT_DATA, never OK.`,
        metric: this.metricQualityBreachCount(),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods,
        datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      });
    }
    monitor._register(this);
  }

  /**
   * A metric of this model: dimension `ModelName` (for a segment, `ModelName` = the endpoint's model and `Segment`)
   * plus `props.dimensionsMap` (e.g. `{ Variant: 'canary' }`),
   * aggregated with `Maximum` over the monitor's schedule unless `props` says otherwise. Names: `FeatureDrift`,
   * `DriftedFeatureCount`, `SampleCount`, `MalformedRecords`, `ModelQuality`, `LabeledSampleCount`,
   * `MalformedLabels`, `QualityBreachCount` (docs/drift-monitor.md).
   */
  public metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    const own: Record<string, string> = this.segment === undefined
      ? { ModelName: this.modelName }
      : { ModelName: this.captureModelName, Segment: this.segment };
    return this.monitor.metric(metricName, { ...props, dimensionsMap: { ...own, ...props.dimensionsMap } });
  }

  /**
   * A drift statistic of a feature in a variant: `FeatureDrift{ModelName, Variant, Feature, Statistic}`.
   * The variant is `props.dimensionsMap.Variant`, by default the first of `variants`.
   */
  public metricFeatureDrift(feature: string, driftStatistic: DriftStatistic, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric(METRIC.featureDrift, {
      ...props,
      dimensionsMap: { Variant: this.variants[0], ...props.dimensionsMap, Feature: feature, Statistic: driftStatistic },
    });
  }

  /** A quality statistic, `ModelQuality{ModelName[, Variant], Statistic}` (all variants unless `props.dimensionsMap.Variant`). */
  public metricQuality(qualityStatistic: QualityStatistic, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric(METRIC.modelQuality, { ...props, dimensionsMap: { ...props.dimensionsMap, Statistic: qualityStatistic } });
  }

  /** Drifted features in any variant (`DriftedFeatureCount{ModelName}`), the drift alarm's metric. */
  public metricDriftedFeatureCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.driftedFeatureCount, props);
  }

  /** Well-formed capture records in the window, all variants (`SampleCount{ModelName}`); 0 for an empty window. */
  public metricSampleCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.sampleCount, props);
  }

  /** Capture records that could not be read (`MalformedRecords{ModelName}`). */
  public metricMalformedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.malformedRecords, props);
  }

  /** Joined (prediction, label) pairs (`LabeledSampleCount{ModelName}`). */
  public metricLabeledSampleCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.labeledSampleCount, props);
  }

  /** Label lines that could not be read (`MalformedLabels{ModelName}`). */
  public metricMalformedLabels(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.malformedLabels, props);
  }

  /** Quality statistics beyond their thresholds (`QualityBreachCount{ModelName}`), the quality alarm's metric. */
  public metricQualityBreachCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.qualityBreachCount, props);
  }

  /**
   * The floors that decide drift for a feature (docs/drift.md, "Decision"): the feature's own thresholds,
   * then the model's `thresholds`, then the defaults, every field set. Without a feature name (or for a
   * feature not listed in `features`): the model-wide values. The PSI and Jensen–Shannon floors apply to
   * the bias-corrected values; the published `FeatureDrift` values are uncorrected (never smaller).
   */
  public driftFloors(feature?: string): DriftThresholds {
    return thresholdsFor(feature ?? '', this.featureSpecs, this.modelThresholds);
  }

  /** The type a listed feature is compared as; undefined when inferred (or not listed). */
  public featureType(feature: string): DriftFeatureType | undefined {
    const type = this.featureSpecs.find((f) => f.name === feature)?.type;
    return type === undefined ? undefined : (type === 'numeric' ? DriftFeatureType.NUMERIC : DriftFeatureType.CATEGORICAL);
  }

  private describe(): string {
    return this.segment === undefined ? `model ${this.modelName}` : `segment ${this.segment} of model ${this.captureModelName}`;
  }

  /** Grants reading this model's configuration parameter. */
  public grantReadConfig(grantee: iam.IGrantable): iam.Grant {
    return this.configParameter.grantRead(grantee);
  }

  /** Grants reading this model's baseline (the object the handler compares against). */
  public grantReadBaseline(grantee: iam.IGrantable): iam.Grant {
    return this.baselineBucket.grantRead(grantee, this.baselineKey);
  }
}
