// Synth-time validation of a per-model training input (what RetrainTrigger and ModelFactory pass as
// the execution input of a TrainingPipeline), with the rules and the code the pipeline's handler
// applies to every execution input at run time (checkTrainingInput in lib/contracts/training-settings.ts).
import { IConstruct } from 'constructs';
import { checkTrainingInput, PipelineFrame, TrainingSettings } from '../../contracts/training-settings';
import { invalid } from '../../core/validation';
import type { TrainingPipeline } from '../training-pipeline';

/** The frame and default settings of each pipeline (not part of its public API). */
const SETTINGS = new WeakMap<TrainingPipeline, { readonly frame: PipelineFrame; readonly defaults: TrainingSettings }>();

/** Called by TrainingPipeline's constructor. */
export function registerPipelineSettings(pipeline: TrainingPipeline, frame: PipelineFrame, defaults: TrainingSettings): void {
  SETTINGS.set(pipeline, { frame, defaults });
}

/**
 * Validates a per-model training input against `pipeline` as its handler will at run time: no
 * unknown key, then the defaults merged with the input (the instance type against the table of real
 * sizes, a pinned image, unique channels, the objective among the metric definitions, ...).
 * Tokens are skipped. Throws MlopsValidationError on `scope`, naming `<prop>.<setting>`.
 *
 * @param prop how the caller names the input, e.g. `models[fraud].trainingInput`
 * @returns the merged settings
 */
export function validateTrainingInput(pipeline: TrainingPipeline, scope: IConstruct, prop: string,
  input: { readonly [key: string]: unknown } | undefined): TrainingSettings {
  const known = SETTINGS.get(pipeline);
  if (!known) throw new Error(`${pipeline.node.path} is not a constructed TrainingPipeline`);
  const report = (setting: string, value: unknown, allowed: string): never => invalid(scope, `${prop}.${setting}`, value, allowed);
  return checkTrainingInput(report, known.defaults, (input ?? {}) as Record<string, unknown>, known.frame);
}
