export * from './capture-record';
export * from './inference-service';
export * from './model-endpoint';
export * from './gpu-cluster';
export * from './capture-stream';
export * from './drift-monitor';
export * from './drift-engine';
export * from './retrain-trigger';
