// Cross-construct checks of a RetrainTrigger's wiring, where both sides are in hand at synth (issue 14, item 1).
import { IConstruct } from 'constructs';
import { invalid, isToken } from '../../core/validation';
import type { ModelEndpoint } from '../../inference/model-endpoint';
import type { TrainingPipeline } from '../../training/training-pipeline';

/**
 * `cdk-mlops:artifact-prefix`: a promotion points the endpoint's pods at the champion's artifact, which the
 * pipeline writes under `<modelOutputPrefix><model>/<job>/output/model.tar.gz`. The endpoint's
 * `modelArtifact.prefix` is what its pod role may read: unless it is a prefix of `<modelOutputPrefix><model>/`,
 * the pods cannot load any candidate the loop promotes.
 */
export function checkEndpointAgainstPipeline(scope: IConstruct, pipeline: TrainingPipeline, endpoint: ModelEndpoint,
  options: { readonly trainingInput?: { [key: string]: any } }): void {
  const model = options.trainingInput?.modelName ?? endpoint.modelName;
  const prefix = endpoint.modelArtifact.prefix ?? '';
  if (typeof model !== 'string' || isToken(model) || isToken(prefix) || isToken(pipeline.modelOutputPrefix)) return;
  const championPrefix = `${pipeline.modelOutputPrefix}${model}/`;
  if (!championPrefix.startsWith(prefix)) {
    invalid(scope, `addModelEndpoint(${endpoint.node.path}).modelArtifact.prefix`, prefix,
      `cdk-mlops:artifact-prefix: a prefix of "${championPrefix}", where ${pipeline.node.path} writes the candidates the loop promotes `
      + `(<modelOutputPrefix><model>/<job>/output/model.tar.gz); set the ModelEndpoint's modelArtifact.prefix to "${championPrefix}"`);
  }
}
