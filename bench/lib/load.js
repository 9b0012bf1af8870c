import os from 'node:os';

/**
 * A warning when the machine was busy with other work during a run (load average above half the
 * CPUs, before or after): side-by-side ratios are then noisy. Returns the lines to print, or none.
 */
export function busyWarning(loadBefore) {
  const cpus = os.cpus().length;
  const worst = Math.max(loadBefore, os.loadavg()[0]);
  if (worst <= cpus / 2) return [];
  return [
    `WARNING: load average ${worst.toFixed(1)} on ${cpus} CPUs: other work competed with this run; ` +
      'the numbers are noisy, rerun on an idle machine before trusting a close comparison.',
    '',
  ];
}

/** The machine a result was measured on, for the results JSON (`extra`: peer versions and the like). */
export function machineInfo(extra = {}) {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryBytes: os.totalmem(),
    loadAverageAtEnd: os.loadavg(),
    node: process.version,
    ...extra,
  };
}
