/**
 * Running the program of an `external` or `filter` line: no shell, stdio closed, a timeout, and an
 * environment of its own.
 */
import { spawn } from 'node:child_process';

export type ProgramResult =
  { status: 'exited'; code: number } | { status: 'timeout' } | { status: 'failed'; error: string };

/**
 * A program's whole environment. Never the server's own: that may hold storage and Redis URLs with
 * passwords. `workDir` (private to this message, removed after it) is HOME and TMPDIR; `macros` are
 * the MAILWRIGHT_* variables (mailproc-macros.ts).
 */
export function programEnvironment(workDir: string, macros: Record<string, string>): Record<string, string> {
  return { ...macros, PATH: '/usr/bin:/bin', HOME: workDir, TMPDIR: workDir, LANG: 'C' };
}

/**
 * Runs `argv` without a shell, stdio closed, with exactly `env`, and waits at most `timeoutMs`;
 * past that the program and everything it started (its process group) is killed.
 */
export function runProgram(
  argv: readonly string[],
  timeoutMs: number,
  env: Record<string, string>,
): Promise<ProgramResult> {
  return new Promise((resolve) => {
    if (argv.length === 0 || argv[0] === '') {
      resolve({ status: 'failed', error: 'no program given' });
      return;
    }
    let child;
    try {
      // detached: the program leads its own process group, so a timeout can kill its children too.
      child = spawn(argv[0], argv.slice(1), { stdio: 'ignore', shell: false, detached: true, env });
    } catch (err) {
      // Arguments spawn refuses outright (a NUL byte in a mailproc.tab line) fail like a missing program.
      resolve({ status: 'failed', error: (err as Error).message });
      return;
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ status: 'failed', error: err.message });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ status: 'timeout' });
      else if (code !== null) resolve({ status: 'exited', code });
      else resolve({ status: 'failed', error: `killed by ${signal ?? 'a signal'}` });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
