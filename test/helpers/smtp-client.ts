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
