// What the per-object render functions of an InferenceService see: its props and its late-bound state
// (variants and proxy are read at synth, so mutators called after construction are reflected).
import { VARIANT_LABEL } from '../../contracts/endpoint-wiring';
import type { InferenceServiceProps } from '../inference-service-props';
import type { InferenceProxyOptions, InferenceSegment, InferenceVariant, ScheduledScalingWindow } from '../inference-types';

/** A read-only view of an InferenceService for the render functions. */
export interface ServiceView {
  readonly props: InferenceServiceProps;
  readonly modelName: string;
  readonly namespaceName: string;
  readonly serviceAccountName: string;
  /** The model server port. */
  readonly port: number;
  /** The port the Service, the ALB and the probes target: the proxy's when there is one. */
  readonly servingPort: number;
  readonly proxy?: InferenceProxyOptions;
  /** The variants, in the order they were added. */
  readonly variants: readonly InferenceVariant[];
  /** The per-segment models (rendered like variants of weight 0, routed by ALB conditions). */
  readonly segments: readonly InferenceSegment[];
  /** The canary variant of each segment that has one (segment name -> variant), see `InferenceService.addSegmentCanary`. */
  readonly segmentCanaries: ReadonlyMap<string, InferenceVariant>;
  /** The scheduled scaling windows. */
  readonly windows: readonly ScheduledScalingWindow[];
  serviceNameForVariant(variant: string): string;
  artifactUriForVariant(variant: string): string;
  /** The SSM parameter naming the champion the variant's pods load (see `InferenceService.readChampionFrom`). */
  championParameterFor(variant: string): string | undefined;
}

/** Metadata of an object in the model's namespace, with the common labels. */
export function objectMeta(view: ServiceView, name: string, labels: Record<string, string> = {}) {
  return {
    name,
    namespace: view.namespaceName,
    labels: { 'app.kubernetes.io/name': view.modelName, 'app.kubernetes.io/part-of': 'cdk-mlops', ...labels },
  };
}

/** The pod selector of one variant. */
export function variantSelector(view: ServiceView, variant: string): Record<string, string> {
  return { 'app.kubernetes.io/name': view.modelName, [VARIANT_LABEL]: variant };
}

/**
 * Pod label naming the segment of a model's pods (`default` for the weighted variants) when the model has
 * segments; the model-wide Service selects `default`, so it never mixes segments.
 */
export const SEGMENT_LABEL = 'cdk-mlops.io/segment';

/** The segment label of a variant's pods, or undefined when the model has no segments. */
export function segmentLabels(view: ServiceView, variant: string): Record<string, string> {
  if (view.segments.length === 0) return {};
  const segment = view.segments.find((s) => s.name === variant || view.segmentCanaries.get(s.name)?.name === variant);
  return { [SEGMENT_LABEL]: segment ? segment.name : 'default' };
}
