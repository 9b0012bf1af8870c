import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { processTree } from './processes.js';

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM), or 0 when the process is gone. */
export async function statusBytes(pid, field) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The summed VmRSS of a process and all its descendants right now. */
export async function treeRss(rootPid) {
  let total = 0;
  for (const pid of await processTree(rootPid)) total += await statusBytes(pid, 'VmRSS');
  return total;
}

/**
 * Samples the summed VmRSS of one or more process trees every `intervalMs` until stopped, and
 * keeps the peak. A tree's sum counts shared pages (libraries, a pre-forked server's common code)
 * once per process, so for multi-process servers like Postfix it overstates private memory; that
 * is the usual reading of "RSS of the server" and errs against the multi-process peer.
 * `rootPids` is a function because a server's root may appear later (Postfix's master daemonizes).
 */
export function sampleTreeRss(rootPids, intervalMs = 200) {
  let peak = 0;
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let total = 0;
      for (const pid of await rootPids()) total += await treeRss(pid);
      peak = Math.max(peak, total);
      samples += 1;
      await sleep(intervalMs);
    }
  })();
  return {
    get peakBytes() {
      return peak;
    },
    async stop() {
      stopped = true;
      await loop;
      return { peakBytes: peak, samples };
    },
  };
}

/** A field of /proc/<pid>/smaps_rollup in bytes (Pss, Private_Dirty ...), or 0 when the process is gone. */
export async function rollupBytes(pid, field) {
  try {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
