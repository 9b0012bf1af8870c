import type { Queue } from 'bullmq';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;

/** A Metrics queue-depth source: `{ 'delivery:waiting': n, ... }`, empty once the queue is closed. */
export function queueDepthSource(queue: Queue, isOpen: () => boolean): () => Promise<Record<string, number>> {
  return async () => {
    if (!isOpen()) return {};
    const counts = await queue.getJobCounts(...STATES);
    return Object.fromEntries(Object.entries(counts).map(([state, n]) => [`${queue.name}:${state}`, n]));
  };
}
