/**
 * The fuzzed server: `mailwright start --no-supervise` in a child process, so that a crash is seen
 * (the process exits) instead of taking the test runner with it, and its memory can be measured.
 */
import { readFileSync } from 'node:fs';
import { startServer, type RunningServer } from '../helpers/cli-process.js';
import type { FuzzHome } from './fuzz-home.js';

export class FuzzServer {
  private constructor(private readonly running: RunningServer) {}

  static async start(home: FuzzHome): Promise<FuzzServer> {
    return new FuzzServer(await startServer(['--config', home.configFile, '--no-supervise']));
  }

  get pid(): number {
    return this.running.child.pid!;
  }

  port(listener: string): number {
    const port = this.running.ports.get(listener);
    if (port === undefined) throw new Error(`the fuzzed server has no ${listener} listener`);
    return port;
  }

  /** Still running (not exited, not killed by a signal). */
  alive(): boolean {
    const { child } = this.running;
    return child.exitCode === null && child.signalCode === null;
  }

  /** How it ended, for a report. */
  exitStatus(): string {
    const { child } = this.running;
    return child.signalCode ? `killed by ${child.signalCode}` : `exited with code ${child.exitCode}`;
  }

  /** Resident memory in KiB (VmRSS of /proc/<pid>/status). */
  rssKiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  }

  /** `mailwright_connection_errors_total` over every protocol, from /metrics. */
  async connectionErrors(): Promise<Map<string, number>> {
    const response = await fetch(`http://127.0.0.1:${this.port('admin-http')}/metrics`, {
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const counts = new Map<string, number>();
    for (const match of text.matchAll(/^mailwright_connection_errors_total\{protocol="([^"]*)"\} (\d+)$/gm))
      counts.set(match[1], Number(match[2]));
    return counts;
  }

  /** The server's log lines at level error or worse (pino level >= 50). */
  errorLog(): string[] {
    return this.running
      .output()
      .split('\n')
      .filter((line) => /"level":(5\d|60)/.test(line));
  }

  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null> {
    return this.alive() ? this.running.stop('SIGTERM') : Promise.resolve(this.running.child.exitCode);
  }
}
