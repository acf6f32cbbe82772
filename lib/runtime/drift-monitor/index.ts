// Entry point of the DriftMonitor Lambda (bundled to assets/drift-monitor/index.js).
export { handler } from './handler';
