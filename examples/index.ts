import { App } from 'aws-cdk-lib';
import { closedLoop } from './closed-loop';
import { fraudScoring } from './fraud-scoring';
import { modelFactory } from './model-factory';
import { training } from './training';

/**
 * Every example stack of the repository. `bin/examples.ts` (the `cdk.json`
 * app) and the snapshot tests build these; each entry adds its stacks to the
 * given app and returns them.
 */
export type ExampleFactory = (app: App) => void;

export const EXAMPLES: Record<string, ExampleFactory> = {
  'training': training,
  'fraud-scoring': fraudScoring,
  'closed-loop': closedLoop,
  'model-factory': modelFactory,
};
