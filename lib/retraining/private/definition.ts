/**
 * The Amazon States Language definition of the retraining state machine.
 *
 * Written as plain ASL (JSONPath) rather than with the stepfunctions-tasks L2
 * classes because several tasks need fields the L2s cannot express here:
 * `eks:call` with the cluster coordinates read from the per-model record at
 * run time (the L2 takes one static cluster), `JitterStrategy`, and
 * `HeartbeatSeconds` on the approval token. Every value that differs per
 * model travels in the per-model record (an SSM parameter) read by the first
 * state, so ONE state machine serves every model of the stack.
 *
 * Input (what the starter Lambda passes; see docs/retrain-trigger.md):
 *   { "modelName": "fraud",
 *     "trigger": { "source": "alarm" | "schedule" | "manual", ... },
 *     // an operator rollback (manual): "action": "rollback", "toVersion", "toModelPackageArn", "toModelArtifactUri",
 *     // and when the target has one, "toBaselineUri" and "toBaselineLocation": { "bucket", "key" }
 *     "clock": { "nowEpoch": 1764230400, "nowText": "1764230400",
 *                "periods": { "day": "2026-11-27", "week": "2026-W48", "month": "2026-11" } } }
 *
 * Every Task has Retry (exponential backoff, FULL jitter), TimeoutSeconds and
 * a Catch; the approval token task also has HeartbeatSeconds. Every path ends
 * in `Finalize`, which releases the lock when this execution holds it.
 */
import { addApprovalStates } from './steps/approval';
import { addCanaryStates } from './steps/canary';
import { DefinitionContext, RetrainDefinitionProps } from './steps/context';
import { addFinalizeStates } from './steps/finalize';
import { addGuardStates } from './steps/guard';
import { addOperatorRollbackStates } from './steps/operator-rollback';
import { addPromoteStates } from './steps/promote';
import { addRollbackStates } from './steps/rollback';
import { addTrainStates } from './steps/train';

export type { AslState, RetrainDefinitionProps } from './steps/context';

/**
 * Builds the definition, one step after the other (the states render in this order). Returned as a
 * plain object (CDK tokens inside are resolved by `Stack.toJsonString`).
 */
export function retrainDefinition(p: RetrainDefinitionProps): Record<string, any> {
  const c = new DefinitionContext(p);
  addGuardStates(c);
  addApprovalStates(c);
  addTrainStates(c);
  addCanaryStates(c);
  addPromoteStates(c);
  addRollbackStates(c);
  addFinalizeStates(c);
  addOperatorRollbackStates(c);
  return {
    Comment: 'cdk-mlops retraining: guard -> approval -> TrainingPipeline -> gate (or an operator rollback\'s target) -> canary -> promote | roll back -> notify',
    StartAt: 'LoadModelConfig',
    ...(p.executionTimeoutSeconds !== undefined ? { TimeoutSeconds: p.executionTimeoutSeconds } : {}),
    States: c.S,
  };
}
