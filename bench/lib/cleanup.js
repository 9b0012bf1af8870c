import process from 'node:process';

/**
 * Cleanup steps (stop a server, remove a temp dir) run in reverse order of registration: at the
 * end of the run, on an error, and on Ctrl-C / SIGTERM. The servers run in their own process groups
 * (so a terminal's Ctrl-C does not reach them half-way); this is what stops them.
 */
const steps = [];
let running;
/** Set by a signal: whatever registers a cleanup step afterwards is cleaned up at once. */
let interrupted = false;

/** Registers `step` (async, should not throw); returns a function that runs it early and forgets it. */
export function onCleanup(label, step) {
  const entry = { label, step };
  steps.push(entry);
  if (interrupted) void cleanupAll();
  return async () => {
    const index = steps.indexOf(entry);
    if (index < 0) return;
    steps.splice(index, 1);
    await runStep(entry);
  };
}

async function runStep({ label, step }) {
  try {
    await step();
  } catch (err) {
    process.stderr.write(`cleanup "${label}" failed: ${err?.message ?? err}\n`);
  }
}

/**
 * Runs every registered step, newest first. Callers arriving while a pass runs (a signal during
 * the final cleanup, say) wait for that pass; a later call runs the steps registered since.
 */
export function cleanupAll() {
  running ??= (async () => {
    while (steps.length > 0) await runStep(steps.pop());
  })().finally(() => (running = undefined));
  return running;
}

/** Ctrl-C and SIGTERM clean up, then exit with the conventional 128+signal code. */
export function cleanupOnSignals() {
  const handler = (signal) => {
    process.stderr.write(`\n${signal}: stopping servers and removing temp dirs...\n`);
    interrupted = true;
    cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
