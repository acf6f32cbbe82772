// The one mapping from a ModelEndpoint to the coordinates a RetrainTrigger needs (namespace,
// Deployments, Services, Ingress, first champion): used by RetrainTrigger.addModelEndpoint and ModelFactory.
import { Construct } from 'constructs';
import { segmentModelName } from '../../contracts/drift-monitor-config';
import { ENDPOINT_SERVICE_PORT, ENDPOINT_WEIGHTED_ACTION, segmentWeightedAction } from '../../contracts/endpoint-wiring';
import { invalid } from '../../core/validation';
import type { ModelEndpoint } from '../../inference/model-endpoint';
import type { RetrainModelOptions } from '../retrain-trigger-options';

/** The endpoint-given part of {@link RetrainModelOptions} (everything but the policy and the cluster). */
export type EndpointCoordinates = Pick<RetrainModelOptions,
  'modelName' | 'namespace' | 'primaryDeployment' | 'canaryDeployment' | 'primaryService' | 'canaryService'
  | 'servicePort' | 'ingressName' | 'ingressActionName' | 'initialModelArtifactUri' | 'initialModelVersion'>;

/**
 * The coordinates of `endpoint`'s model for a retrain that canaries on `canaryVariant` and promotes
 * to `primaryVariant`; the first champion is what the primary serves (the URI its annotation renders).
 * Unknown or equal variants are reported on `scope`.
 */
export function endpointCoordinates(scope: Construct, endpoint: ModelEndpoint, primaryName: string, canaryName: string): EndpointCoordinates {
  const variants = endpoint.chart.variants;
  const primary = variants.find((v) => v.name === primaryName);
  const canary = variants.find((v) => v.name === canaryName);
  const names = variants.map((v) => v.name).join(', ');
  if (!primary) invalid(scope, 'primaryVariant', primaryName, `must name a variant of ${endpoint.node.path} (${names})`);
  if (!canary) invalid(scope, 'canaryVariant', canaryName, `must name a variant of ${endpoint.node.path} (${names})`);
  if (primaryName === canaryName) invalid(scope, 'canaryVariant', canaryName, 'must differ from primaryVariant');
  return {
    modelName: endpoint.modelName,
    namespace: endpoint.namespace,
    primaryDeployment: endpoint.serviceNameForVariant(primaryName),
    canaryDeployment: endpoint.serviceNameForVariant(canaryName),
    primaryService: endpoint.serviceNameForVariant(primaryName),
    canaryService: endpoint.serviceNameForVariant(canaryName),
    servicePort: ENDPOINT_SERVICE_PORT,
    ingressName: endpoint.ingressName,
    ingressActionName: ENDPOINT_WEIGHTED_ACTION,
    // The URI the endpoint renders into the variant's model-artifact-uri annotation.
    initialModelArtifactUri: endpoint.chart.artifactUriForVariant(primaryName),
    initialModelVersion: primary.modelVersion,
  };
}

/**
 * The coordinates of one segment of `endpoint` retrained as its own model, `<model>-<segment>`: it canaries on the
 * segment's canary variant (rendered now when missing) through the segment's own ALB forward action and promotes to the
 * segment's Deployment; the first champion is what the segment serves. An unknown segment is reported on `scope`.
 */
export function segmentCoordinates(scope: Construct, endpoint: ModelEndpoint, segment: string): EndpointCoordinates {
  const seg = endpoint.segments.find((s) => s.name === segment);
  if (!seg) {
    const names = endpoint.segments.map((s) => s.name);
    invalid(scope, 'segment', segment, names.length === 0
      ? `must name a segment of ${endpoint.node.path}, which has none`
      : `must name a segment of ${endpoint.node.path} (${names.join(', ')})`);
  }
  if (!endpoint.chart.hasSegmentCanary(segment)) endpoint.addSegmentCanary(segment);
  const canary = endpoint.chart.segmentCanaryName(segment);
  return {
    modelName: segmentModelName(endpoint.modelName, segment),
    namespace: endpoint.namespace,
    primaryDeployment: endpoint.serviceNameForVariant(segment),
    canaryDeployment: endpoint.serviceNameForVariant(canary),
    primaryService: endpoint.serviceNameForVariant(segment),
    canaryService: endpoint.serviceNameForVariant(canary),
    servicePort: ENDPOINT_SERVICE_PORT,
    ingressName: endpoint.ingressName,
    ingressActionName: segmentWeightedAction(segment),
    initialModelArtifactUri: endpoint.chart.artifactUriForVariant(segment),
    initialModelVersion: seg.modelVersion,
  };
}
