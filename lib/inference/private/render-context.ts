// What the per-object render functions of an InferenceService see: its props and its late-bound state
// (variants and proxy are read at synth, so mutators called after construction are reflected).
import type { InferenceServiceProps } from '../inference-service-props';
import type { InferenceProxyOptions, InferenceVariant } from '../inference-types';
import { VARIANT_LABEL } from '../../contracts/endpoint-wiring';

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
  serviceNameForVariant(variant: string): string;
  artifactUriForVariant(variant: string): string;
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
