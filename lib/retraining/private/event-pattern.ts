// The EventBridge pattern of a RetrainTrigger's rule.
import * as events from 'aws-cdk-lib/aws-events';

/** Source of manual retrain requests (EventBridge `source`). */
export const MANUAL_SOURCE = 'cdk-mlops.retrain';
/** Detail type of manual retrain requests. */
export const MANUAL_DETAIL_TYPE = 'Retrain Requested';

/**
 * The pattern of the trigger's rule: a model alarm of the prefix going to ALARM, or a manual request.
 * (`$or` at the top level, the only field: see the EventBridge content-filtering docs.)
 */
export function retrainEventPattern(alarmPrefix: string): events.EventPattern {
  const pattern = {
    $or: [
      {
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'detail': { alarmName: [{ prefix: `${alarmPrefix}-` }], state: { value: ['ALARM'] } },
      },
      { 'source': [MANUAL_SOURCE], 'detail-type': [MANUAL_DETAIL_TYPE] },
    ],
  };
  return pattern as unknown as events.EventPattern;
}

