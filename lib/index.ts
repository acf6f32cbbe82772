export * from './capture-record';
