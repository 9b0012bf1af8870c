export * from './names.js';
export * from './directory.js';
export * from './mime.js';
export * from './mailbox.js';
export * from './event.js';
export * from './account-kind.js';
export * from './mime-limits.js';
export * from './mail-root.js';
