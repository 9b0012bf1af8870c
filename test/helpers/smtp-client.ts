import { connect } from 'node:net';
import nodemailer from 'nodemailer';

/**
 * Sends `From: sender@remote.test / Subject: <subject>` with the body `body of <subject>` over
 * plain SMTP on 127.0.0.1:port (nodemailer), resolving the server's final reply.
 */
export async function sendSubject(port: number | undefined, to: string[], subject: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    const info = await transport.sendMail({
      envelope: { from: 'sender@remote.test', to },
      raw: `From: sender@remote.test\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n`,
    });
    return info.response;
  } finally {
    transport.close();
  }
}

/**
 * A plain SMTP session with 127.0.0.x:port as a client writes it by hand: the greeting, then each
 * line of `commands` sent after the previous reply, resolving with every reply (greeting first).
 * A message after `DATA` is one entry holding the whole text and the final `.` line.
 */
export async function smtpExchange(port: number, host: string, commands: string[]): Promise<string[]> {
  const socket = connect(port, host);
  socket.setEncoding('latin1');
  let buffer = '';
  const waiting: ((line: string) => void)[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^\d{3} /.test(line)) waiting.shift()?.(line);
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  const reply = (): Promise<string> =>
    Promise.race([
      new Promise<string>((resolve) => waiting.push(resolve)),
      closed.then(() => '(connection closed)'),
    ]);
  try {
    const replies = [await reply()];
    for (const command of commands) {
      const answer = reply();
      socket.write(`${command}\r\n`);
      replies.push(await answer);
    }
    return replies;
  } finally {
    socket.destroy();
  }
}
