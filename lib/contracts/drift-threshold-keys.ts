// The keys of DriftThresholds, for code that checks untyped input (the monitor's configuration
// record, the drift CLI's feature spec) and for the engine.
import type { DriftThresholds } from './drift-thresholds';

/** The keys of a thresholds object. */
export const THRESHOLD_KEYS: ReadonlyArray<keyof DriftThresholds> = ['alpha', 'psi', 'jensenShannon', 'ksStatistic', 'wassersteinNormed'];

/** Keys that apply to one feature (alpha is the family's: every compared feature shares it). */
export const FEATURE_THRESHOLD_KEYS: ReadonlyArray<keyof DriftThresholds> = ['psi', 'jensenShannon', 'ksStatistic', 'wassersteinNormed'];
