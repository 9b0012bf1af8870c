import { createConnection } from 'node:net';
import process from 'node:process';
import { runCommand } from '../lib/processes.js';
import { percentile } from '../lib/stats.js';

export const SMTP_SOURCE = '/usr/sbin/smtp-source';

/**
 * The load of the issue: Postfix's smtp-source, `sessions` parallel sessions, one `size`-byte
 * message per session, `messages` in all. Resolves the wall time; throws when smtp-source reports
 * an error (a refused or failed transaction), since a run with failures measures nothing.
 */
export async function runSmtpSource({ port, sessions, messages, size, from, to }) {
  const args = [
    '-s',
    String(sessions),
    '-m',
    String(messages),
    '-l',
    String(size),
    '-f',
    from,
    '-t',
    to,
    `127.0.0.1:${port}`,
  ];
  const result = await runCommand(SMTP_SOURCE, args);
  if (result.code !== 0 || /fatal|error|warning/i.test(result.stderr)) {
    throw new Error(
      `smtp-source ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr.slice(-2000)}`,
    );
  }
  return { seconds: result.seconds, messagesPerSecond: messages / result.seconds };
}

/** A `size`-byte RFC 5322 message (CRLF lines, no line starting with a dot). */
export function buildMessage({ size, from, to }) {
  const head = [
    `From: <${from}>`,
    `To: <${to}>`,
    'Subject: mailwright bench',
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${process.pid}.${Date.now()}@bench.test>`,
    '',
    '',
  ].join('\r\n');
  const line = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2) + '\r\n';
  let body = head;
  while (body.length + line.length <= size) body += line;
  body += 'x'.repeat(Math.max(0, size - body.length - 2)) + '\r\n';
  return Buffer.from(body, 'latin1');
}

/**
 * The latency pass: our own client, `concurrency` sessions at a time, one message per session
 * (as smtp-source sends), timing each message from the moment the final "." is written to the
 * moment the complete 250 reply is read: how long the server takes to make the message safe.
 * No pipelining, so every other command's round trip stays out of the measurement.
 */
export async function measureDataLatency({ port, concurrency, messages, size, from, to }) {
  const message = buildMessage({ size, from, to });
  const latencies = [];
  const errors = [];
  let next = 0;
  const worker = async () => {
    while (next < messages) {
      next += 1;
      try {
        latencies.push(await oneTransaction(port, message, from, to));
      } catch (err) {
        errors.push(err.message);
      }
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (errors.length > 0) {
    throw new Error(`${errors.length} of ${messages} transactions failed; first: ${errors[0]}`);
  }
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    messagesPerSecond: messages / seconds,
  };
}

/** One session: greeting, EHLO, MAIL, RCPT, DATA, message, QUIT. Resolves the DATA-end latency in ms. */
function oneTransaction(port, message, from, to) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    socket.setTimeout(60_000, () => fail(new Error('timeout')));
    let buffered = '';
    let step = 0;
    let dotSentAt = 0n;
    let latencyMs;
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    // [expected reply code, what to send next]
    const script = [
      [220, () => socket.write('EHLO bench.client\r\n')],
      [250, () => socket.write(`MAIL FROM:<${from}>\r\n`)],
      [250, () => socket.write(`RCPT TO:<${to}>\r\n`)],
      [250, () => socket.write('DATA\r\n')],
      [
        354,
        () => {
          socket.write(message);
          socket.write('.\r\n', () => undefined);
          dotSentAt = process.hrtime.bigint();
        },
      ],
      [
        250,
        () => {
          latencyMs = Number(process.hrtime.bigint() - dotSentAt) / 1e6;
          socket.write('QUIT\r\n');
        },
      ],
      [221, () => socket.end()],
    ];
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      let end;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (line[3] === '-') continue; // a multi-line reply goes on
        const [expected, then] = script[step] ?? [];
        if (Number(line.slice(0, 3)) !== expected)
          return fail(new Error(`step ${step}: expected ${expected}, got "${line}"`));
        step += 1;
        then();
      }
    });
    socket.once('error', fail);
    socket.once('close', () => {
      if (latencyMs !== undefined) resolve(latencyMs);
      else reject(new Error(`connection closed at step ${step}`));
    });
  });
}
