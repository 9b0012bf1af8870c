import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../../bin/mailwright.js', import.meta.url));

export interface RunningServer {
  child: ChildProcess;
  /** Listener name → port, from the start-up report. */
  ports: Map<string, number>;
  output: () => string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `mailwright start ...` and resolves once it printed its ready line. */
export function startServer(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const child = spawn(process.execPath, [CLI, 'start', ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server not ready in time\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready\n${stdout}\n${stderr}`));
    });
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (!/^mailwright ready/m.test(stdout)) return;
      clearTimeout(timer);
      const ports = new Map<string, number>();
      for (const match of stdout.matchAll(/^ {2}(\S+)\s+\S+:(\d+)\s/gm))
        ports.set(match[1], Number(match[2]));
      resolve({
        child,
        ports,
        output: () => stdout + stderr,
        stop: (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      });
    });
  });
}

/** Whether a process with this pid exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The command lines of the redis-server processes whose arguments name `home`. */
export function redisServersFor(home: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', 'redis-server'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(home));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
