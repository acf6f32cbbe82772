export * from './dashboard-source';
export * from './fleet-dashboard';
export * from './model-dashboard';
