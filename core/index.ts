export * from './model/index.js';
export * from './ports/index.js';
