// The EventBridge source and detail type of manual retrain requests.

/** Source of manual retrain requests (EventBridge `source`). */
export const MANUAL_SOURCE = 'cdk-mlops.retrain';
/** Detail type of manual retrain requests. */
export const MANUAL_DETAIL_TYPE = 'Retrain Requested';
