import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup } from './cleanup.js';

const OUTPUT_LIMIT = 16 * 1024;

/**
 * Starts a server process in its own process group, so that stopping it stops its children too
 * (Mailwright's redis-server, for one) and a terminal's Ctrl-C reaches only the benchmark, which
 * then stops it in order. The last 16 KB of its output are kept for error messages. It is stopped
 * by cleanupAll() if the caller does not stop it first.
 */
export function startProcess(name, command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const listeners = new Set();
  const keep = (chunk) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    for (const listener of listeners) listener(output);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitCode;
  const exited = new Promise((resolve) =>
    child.once('close', (code, signal) => resolve((exitCode = code ?? signal))),
  );
  let spawnError;
  child.once('error', (err) => (spawnError = err));

  const stop = async (graceMs = 10_000) => {
    if (exitCode !== undefined || spawnError) return;
    signalGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    // Whatever the leader left behind in its group.
    signalGroup(child.pid, 'SIGKILL');
  };
  const forget = onCleanup(`stop ${name}`, () => stop(3_000));

  return {
    name,
    pid: child.pid,
    exited,
    output: () => output,
    /** Resolves when the output matches `pattern`; rejects if the process ends or time runs out first. */
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const done = (fn, value) => {
          clearTimeout(timer);
          listeners.delete(check);
          fn(value);
        };
        const check = (text) => {
          const match = pattern.exec(text);
          if (match) done(resolve, match);
        };
        const timer = setTimeout(
          () => done(reject, new Error(`${name}: no ${pattern} within ${timeoutMs} ms\n${output}`)),
          timeoutMs,
        );
        exited.then((code) =>
          done(reject, new Error(`${name} exited (${code}) before ${pattern}\n${output}`)),
        );
        if (spawnError) return done(reject, spawnError);
        listeners.add(check);
        check(output);
      });
    },
    /** SIGTERM to the process group, SIGKILL after `graceMs`. Idempotent. */
    async stop(graceMs) {
      await stop(graceMs);
      await forget();
    },
  };
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command to completion; resolves { code, stdout, stderr, seconds }. */
export function runCommand(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }),
    );
  });
}

/** Polls until a TCP connection to host:port succeeds. */
export async function waitForPort(port, host = '127.0.0.1', timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = createConnection({ port, host });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor(what, probe, timeoutMs = 60_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** `rootPid` and all its descendants, from the parent links in /proc/<pid>/stat. */
export async function processTree(rootPid) {
  const children = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command name (field 2) may contain spaces and parentheses; the fields after the last ')' do not.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const tree = [];
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop();
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}
