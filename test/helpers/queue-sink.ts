import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface SinkMessage {
  mailFrom: string;
  rcptTo: string[];
  data: Buffer;
  /** STARTTLS was used. */
  secure: boolean;
  heloName: string;
}

/**
 * A sink SMTP server on loopback for the delivery tests (smtp-server, a real SMTP server): records
 * every accepted message and every connection; `down` answers 421 at the greeting and to MAIL FROM, `refuse` makes
 * RCPT TO answer 550 for the matching addresses.
 */
export class QueueSink {
  readonly messages: SinkMessage[] = [];
  /** Time (ms) of every connection, refused ones included. */
  readonly connections: number[] = [];
  down = false;
  refuse: (address: string) => boolean = () => false;
  private readonly server: SMTPServer;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH'],
      logger: false,
      onConnect: (_session, callback) => {
        this.connections.push(Date.now());
        if (this.down) return callback(Object.assign(new Error('4.3.2 sink is down'), { responseCode: 421 }));
        callback();
      },
      // Also for connections opened before it went down (the client reuses idle ones).
      onMailFrom: (_address, _session, callback) => {
        if (this.down) return callback(Object.assign(new Error('4.3.2 sink is down'), { responseCode: 421 }));
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        if (this.refuse(address.address)) {
          return callback(Object.assign(new Error('5.1.1 no such user at the sink'), { responseCode: 550 }));
        }
        callback();
      },
      onData: (stream, session: SMTPServerSession, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.messages.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            data: Buffer.concat(chunks),
            secure: session.secure,
            heloName: session.hostNameAppearsAs,
          });
          callback();
        });
      },
    });
    this.server.on('error', () => undefined);
  }

  /** Listens on `host:port` (port 0: any free port) and resolves with the port. */
  listen(host: string, port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
