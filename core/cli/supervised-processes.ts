import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface SupervisedProcessSettings {
  /** How many processes to keep running. */
  count: number;
  /** Arguments after `node`: the CLI script, `start` and the rest. */
  args: string[];
  /** Extra environment for the children (added to this process's). */
  env?: NodeJS.ProcessEnv;
  /** The name of process `index` in notices and, when `prefixOutput`, in front of each output line. */
  label: (index: number) => string;
  /** Prefix each line a child prints with `[label] ` (workers), or pass it on as it is (the front). */
  prefixOutput: boolean;
  /**
   * Which exits are restarted: `any` (a delivery worker must always be there), or `failure` (a
   * front process that stops with exit code 0 was stopped on purpose, and so is its supervisor).
   */
  restart: 'any' | 'failure';
  /** How long a child may take to print its ready line. */
  readyTimeoutMs: number;
  /** How long a child may take to stop after SIGTERM before it is killed. */
  stopTimeoutMs: number;
  /** Where the children's output and the supervisor's notices go. */
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const READY_LINE = /^mailwright ready/;
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A child that ran this long before dying is restarted at once again, not after a long back-off. */
const HEALTHY_RUN_MS = 60_000;

interface Slot {
  index: number;
  child?: ChildProcess;
  startedAt: number;
  restartDelayMs: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * Child processes of `mailwright start` kept running by their parent: the front process under its
 * supervisor, and the delivery worker processes beside a front process (`workers: N`). A child that
 * dies unexpectedly is restarted with a doubling back-off (a worker's jobs are taken over by the
 * queue's lock expiry meanwhile, a front's clients reconnect, so nothing is lost). Each child has its
 * own process group, so a Ctrl-C at the terminal reaches only the parent, which stops its children in
 * order; the IPC channel closing tells a child that its parent is gone.
 */
export class SupervisedProcesses {
  private readonly slots: Slot[] = [];
  /** Set once every child was ready the first time: a child that dies before that fails start(). */
  private started = false;
  private stopping = false;
  private readonly stoppedByItself: Array<(code: number) => void> = [];

  constructor(private readonly settings: SupervisedProcessSettings) {}

  /** Starts every child and resolves once each has printed its ready line. */
  async start(): Promise<void> {
    for (let index = 1; index <= this.settings.count; index++) {
      this.slots.push({ index, startedAt: 0, restartDelayMs: FIRST_RESTART_DELAY_MS });
    }
    try {
      await Promise.all(this.slots.map((slot) => this.launch(slot)));
      this.started = true;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Process ids of the running children. */
  get pids(): number[] {
    return this.slots.flatMap((slot) => (slot.child?.pid ? [slot.child.pid] : []));
  }

  /** Resolves with the exit code when a child that is not restarted (`restart: 'failure'`) stops by itself. */
  stoppedOnItsOwn(): Promise<number> {
    return new Promise((resolve) => this.stoppedByItself.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((slot) => this.stopSlot(slot)));
  }

  /** Spawns the slot's child; resolves when it is ready, rejects when it exits or times out first. */
  private launch(slot: Slot): Promise<void> {
    const label = this.settings.label(slot.index);
    const child = spawn(process.execPath, this.settings.args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
      env: { ...process.env, ...this.settings.env },
    });
    slot.child = child;
    slot.startedAt = Date.now();
    const prefix = this.settings.prefixOutput ? `[${label}] ` : '';
    createInterface({ input: child.stderr! }).on('line', (line) =>
      this.settings.err.write(prefix + line + '\n'),
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.settings.out.write(prefix + line + '\n'));

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${label} was not ready within ${this.settings.readyTimeoutMs} ms`));
      }, this.settings.readyTimeoutMs);
      lines.on('line', (line) => {
        if (!READY_LINE.test(line)) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new ExitedBeforeReady(label, code, signal));
      });
    });
    child.once('exit', (code, signal) => this.exited(slot, child, code, signal));
    return ready;
  }

  private exited(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    slot.child = undefined;
    if (this.stopping || !this.started) return;
    const label = this.settings.label(slot.index);
    if (this.settings.restart === 'failure' && code === 0) {
      for (const notify of this.stoppedByItself.splice(0)) notify(0);
      return;
    }
    if (Date.now() - slot.startedAt >= HEALTHY_RUN_MS) slot.restartDelayMs = FIRST_RESTART_DELAY_MS;
    const delay = slot.restartDelayMs;
    slot.restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.settings.err.write(`${label} exited (${signal ?? code}); restarting it in ${delay} ms\n`);
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

/** A child that exited before its ready line: at first start this is a start-up failure to report. */
export class ExitedBeforeReady extends Error {
  constructor(
    label: string,
    readonly code: number | null,
    signal: NodeJS.Signals | null,
  ) {
    super(`${label} exited (${signal ?? code}) before it was ready`);
  }
}
