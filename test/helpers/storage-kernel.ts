import { Kernel, Tokens, type Plugin, type Storage } from '../../core/index.js';
import { mailwrightConfigSchema } from '../../core/config/schema.js';
import { quietLogger } from './logger.js';

/** A plugin that opens nothing and asks the kernel for storage and Redis (and so the core services). */
const needsStorageAndRedis: Plugin = {
  name: 'test-storage-user',
  version: '0.0.0',
  needs: ['storage', 'redis'],
};

/**
 * A kernel with no built-in plugin, only storage, Redis and the core services: what a front or a
 * delivery worker process has underneath its protocols.
 */
export async function startStorageKernel(where: {
  storage: string;
  redisUrl: string;
  home: string;
}): Promise<{ kernel: Kernel; storage: Storage }> {
  const kernel = await Kernel.create({
    config: mailwrightConfigSchema.parse({
      storage: where.storage,
      redis: { url: where.redisUrl },
      plugins: {},
    }),
    plugins: [needsStorageAndRedis],
    home: where.home,
    logger: quietLogger(),
  });
  await kernel.start();
  return { kernel, storage: kernel.container.resolve(Tokens.Storage) };
}
