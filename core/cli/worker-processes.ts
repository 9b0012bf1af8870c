import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface WorkerProcessSettings {
  /** How many worker processes to keep running. */
  count: number;
  /** Arguments after `node`: the CLI script, `start`, `--role worker` and the rest. */
  args: string[];
  /** How long a worker may take to print its ready line. */
  readyTimeoutMs: number;
  /** How long a worker may take to stop after SIGTERM before it is killed. */
  stopTimeoutMs: number;
  /** Where the workers' prefixed output and the supervisor's notices go. */
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const READY_LINE = /^mailwright ready/;
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long before dying is restarted at once again, not after a long back-off. */
const HEALTHY_RUN_MS = 60_000;

interface Slot {
  index: number;
  child?: ChildProcess;
  startedAt: number;
  restartDelayMs: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * Delivery worker processes (`mailwright start --role worker`) run beside a front process by
 * `mailwright start` when the config sets `workers`: the node event loop is one core, and a second
 * process lets delivery use another. Each worker's output is passed on with a `[worker N]` prefix;
 * one that exits unexpectedly is restarted with a doubling back-off (its jobs are taken over by the
 * queue's lock expiry meanwhile, so nothing is lost). stop() ends them before the front process
 * closes the Redis they share.
 */
export class WorkerProcesses {
  private readonly slots: Slot[] = [];
  private stopping = false;

  constructor(private readonly settings: WorkerProcessSettings) {}

  /** Starts every worker and resolves once each has printed its ready line. */
  async start(): Promise<void> {
    for (let index = 1; index <= this.settings.count; index++) {
      this.slots.push({ index, startedAt: 0, restartDelayMs: FIRST_RESTART_DELAY_MS });
    }
    try {
      await Promise.all(this.slots.map((slot) => this.launch(slot)));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Process ids of the running workers. */
  get pids(): number[] {
    return this.slots.flatMap((slot) => (slot.child?.pid ? [slot.child.pid] : []));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((slot) => this.stopSlot(slot)));
  }

  /** Spawns the slot's worker; resolves when it is ready, rejects when it exits or times out first. */
  private launch(slot: Slot): Promise<void> {
    // Its own process group, so a Ctrl-C at the terminal reaches only the front process, which then
    // stops the workers in order; the IPC channel closing tells a worker its front process is gone.
    const child = spawn(process.execPath, this.settings.args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    slot.child = child;
    slot.startedAt = Date.now();
    const prefix = `[worker ${slot.index}] `;
    createInterface({ input: child.stderr! }).on('line', (line) =>
      this.settings.err.write(prefix + line + '\n'),
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.settings.out.write(prefix + line + '\n'));

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker ${slot.index} was not ready within ${this.settings.readyTimeoutMs} ms`));
      }, this.settings.readyTimeoutMs);
      lines.on('line', (line) => {
        if (!READY_LINE.test(line)) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`worker ${slot.index} exited (${signal ?? code}) before it was ready`));
      });
    });
    child.once('exit', (code, signal) => this.exited(slot, child, code, signal));
    return ready;
  }

  private exited(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    slot.child = undefined;
    if (this.stopping) return;
    if (Date.now() - slot.startedAt >= HEALTHY_RUN_MS) slot.restartDelayMs = FIRST_RESTART_DELAY_MS;
    const delay = slot.restartDelayMs;
    slot.restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.settings.err.write(
      `worker ${slot.index} exited (${signal ?? code}); restarting it in ${delay} ms\n`,
    );
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      this.launch(slot).catch((err: Error) => this.settings.err.write(`${err.message}\n`));
    }, delay);
  }

  private async stopSlot(slot: Slot): Promise<void> {
    clearTimeout(slot.restartTimer);
    const child = slot.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), this.settings.stopTimeoutMs);
    await exited;
    clearTimeout(killer);
  }
}
