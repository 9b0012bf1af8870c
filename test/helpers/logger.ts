import { createLogger } from '../../core/runtime/logger.js';

/** A logger that prints nothing unless MW_TEST_LOG is set (then at that level). */
export const quietLogger = () => createLogger({ level: process.env.MW_TEST_LOG ?? 'silent' });
