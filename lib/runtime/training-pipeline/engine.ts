// The drift engine's BaselineBuilder (the same code DriftMonitor uses), behind
// one function so the handler has a single seam to the engine.
import { BaselineBuilder } from '../../monitoring/engine';
import type { BaselineBuilderLike } from './baseline';

export function newBaselineBuilder(features?: { name: string; type?: 'numeric' | 'categorical' }[]): BaselineBuilderLike {
  return new BaselineBuilder(features && features.length > 0 ? { features } : {});
}
