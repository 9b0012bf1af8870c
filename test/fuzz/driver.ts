/**
 * The connection driver: sends one fuzz case to a listener the way real (and broken) clients do,
 * split at random byte boundaries with small pauses, then keeps the connection open, half-closes
 * it, or drops it mid-command; and judges the server's side: it must answer or close within the
 * bounds, never go silent on an open connection.
 */
import net from 'node:net';
import type { Rng } from './prng.js';

export interface FuzzCase {
  /** The server's listener to connect to (`pop3`, `smtp` ...). */
  listener: string;
  /** What the grammar meant to send, in a few words, for the report. */
  label: string;
  /** The octets to send, as a byte string (one char per octet). */
  input: string;
  /** Read the first answer (the greeting) before sending; else talk at once, like an early talker. */
  awaitGreeting: boolean;
}

/**
 * How the client ends: `keep` leaves the connection open (the server's idle timeout must end it),
 * `half-close` sends FIN after the input (the server must finish and close), `destroy` drops the
 * connection after `destroyAt` octets (the server must just survive it).
 */
export type Ending = 'keep' | 'half-close' | 'destroy';

export interface DeliveryPlan {
  /** Consecutive writes: up to which octet, then how long to wait. */
  writes: { end: number; pauseMs: number }[];
  ending: Ending;
}

export interface Bounds {
  /**
   * Longest time an open connection may see nothing from either side: the server's idle or
   * command timeout plus slack for a loaded machine. Longer is a hang.
   */
  silenceMs: number;
  /** Longest a whole case may take, however busy the exchange; longer is a runaway session. */
  caseMs: number;
  /** Longest client pause between two writes (kept under the server's idle timeout). */
  maxPauseMs: number;
}

export interface Outcome {
  /** What went wrong on the server's side, or undefined when the case passed. */
  problem?: string;
  /** Octets the server sent, and the first of them (for the report). */
  received: number;
  head: string;
  ms: number;
}

/** How to deliver an input of `length` octets: split, paced and ended at random. */
export function planDelivery(rng: Rng, length: number, bounds: Bounds): DeliveryPlan {
  const ending = rng.weighted<Ending>([
    [50, 'keep'],
    [30, 'half-close'],
    [20, 'destroy'],
  ]);
  const total = ending === 'destroy' ? rng.int(0, length) : length;
  const pause = (): number =>
    rng.chance(0.05) ? rng.int(50, bounds.maxPauseMs) : rng.chance(0.5) ? 0 : rng.int(0, 15);
  const writes: DeliveryPlan['writes'] = [];
  const style = rng.weighted([
    [30, 'one-write'],
    [50, 'random-split'],
    [20, 'trickle'],
  ] as const);
  if (style === 'trickle') {
    // A slow client: the first octets one at a time, then the rest.
    const slow = Math.min(total, rng.int(1, 48));
    for (let end = 1; end <= slow; end++) writes.push({ end, pauseMs: rng.int(0, 8) });
  } else if (style === 'random-split') {
    const cuts = new Set<number>();
    const count = rng.int(1, Math.min(40, total));
    for (let i = 0; i < count; i++) cuts.add(rng.int(1, total));
    for (const end of [...cuts].sort((a, b) => a - b)) writes.push({ end, pauseMs: pause() });
  }
  if (writes.at(-1)?.end !== total) writes.push({ end: total, pauseMs: pause() });
  return { writes, ending };
}

/** Connects to `port` on loopback, delivers `input` as planned, and judges the server's side. */
export async function drive(
  port: number,
  fuzzCase: FuzzCase,
  plan: DeliveryPlan,
  bounds: Bounds,
): Promise<Outcome> {
  const started = Date.now();
  const input = Buffer.from(fuzzCase.input, 'latin1');
  const socket = net.connect({ host: '127.0.0.1', port });
  let lastActivity = started;
  let received = 0;
  let head = Buffer.alloc(0);
  let problem: string | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    lastActivity = Date.now();
    wake?.();
  };
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let connected = false;
  let connectError: Error | undefined;
  socket.once('connect', () => {
    connected = true;
    notify();
  });
  // After the connection is up, errors (a reset by the server) just end it: 'close' follows.
  socket.on('error', (err) => {
    if (!connected) connectError ??= err;
  });
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (head.length < 160) head = Buffer.concat([head, chunk]).subarray(0, 160);
    notify();
  });
  socket.on('close', notify);
  socket.on('drain', notify);

  // The verdict runs beside the exchange: a silent open connection or a runaway case is ended here.
  const watchdog = setInterval(() => {
    if (socket.destroyed) return;
    const now = Date.now();
    if (now - started > bounds.caseMs) problem = `still open after ${bounds.caseMs} ms`;
    else if (now - lastActivity > bounds.silenceMs)
      problem = `silent for ${now - lastActivity} ms on an open connection (bound ${bounds.silenceMs} ms)`;
    if (problem) socket.destroy();
  }, 50);

  const until = (ready: () => boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (ready() || socket.destroyed) {
          wake = undefined;
          resolve();
        } else wake = check;
      };
      check();
    });

  try {
    await until(() => connected);
    if (connectError)
      return { problem: `connect failed: ${connectError.message}`, received, head: '', ms: 0 };
    if (fuzzCase.awaitGreeting) await until(() => received > 0 || socket.readableEnded);
    let from = 0;
    for (const { end, pauseMs } of plan.writes) {
      if (socket.destroyed || socket.readableEnded) break;
      const flushed = socket.write(input.subarray(from, end));
      lastActivity = Date.now();
      from = end;
      if (!flushed) await until(() => socket.writableLength === 0);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    if (plan.ending === 'destroy') socket.destroy();
    else if (plan.ending === 'half-close') socket.end();
    await closed;
  } finally {
    clearInterval(watchdog);
    socket.destroy();
  }
  return { problem, received, head: head.toString('latin1'), ms: Date.now() - started };
}
