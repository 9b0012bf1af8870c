import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../../core/index.js';
import type { SMTP_LISTENERS } from './config.js';
import { hangUp, MailwrightSmtpServer } from './mailwright-smtp-server.js';
import type { SmtpServices } from './session-handlers.js';
import { sessionHandlers } from './session-handlers.js';
import { etrnHandler, type EtrnHandler } from './etrn.js';

export interface OpenListener {
  address: ListenAddress;
  /** Stops accepting, lets sessions finish (smtp-server's close timeout bounds the wait). */
  close(): Promise<void>;
  /** Ends every session still open, now. */
  dropSessions(): void;
}

const SHUTTING_DOWN = '4.3.2 Server shutting down';

export type SmtpListenerName = (typeof SMTP_LISTENERS)[number];

/**
 * One SMTP listener: `smtp` (MX and trusted senders; AUTH optional), `submission` (AUTH required
 * before MAIL; STARTTLS) or `smtps` (submission over implicit TLS, RFC 8314).
 */
export async function openSmtpListener(
  listener: SmtpListenerName,
  where: ListenAddress,
  services: SmtpServices,
): Promise<OpenListener> {
  const { config, logger } = services;
  const server = new MailwrightSmtpServer(
    {
      name: config.hostname,
      banner: 'Mailwright ESMTP',
      size: config.maxMessageSize,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: listener === 'smtp',
      // Whether AUTH may come before STARTTLS depends on the client: LoginService decides (538).
      allowInsecureAuth: true,
      key: services.tls.key as Buffer,
      cert: services.tls.cert as Buffer,
      minVersion: services.tls.minVersion,
      secure: listener === 'smtps',
      hideENHANCEDSTATUSCODES: false,
      // DSN parameters (RET, ENVID, NOTIFY, ORCPT) are kept for the reports we generate.
      hideDSN: false,
      socketTimeout: config.idleTimeoutMs,
      disableReverseLookup: !config.reverseDns,
      // smtp-server's own log lines would bypass pino; the handlers log what matters.
      logger: false,
      ...sessionHandlers(listener, services),
    },
    {
      earlyTalkerDelayMs: config.earlyTalkerDelayMs,
      etrn: countedEtrn(listener, services),
      connectionFailed: (err) => {
        logger.error({ err, listener }, 'SMTP connection failed; closing it');
        services.metrics.connectionErrors.inc({ protocol: listener });
      },
    },
  );
  server.on('error', (err) => logger.warn({ err, listener }, 'SMTP connection error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  return {
    address: { host: where.host, port: (server.server.address() as AddressInfo).port },
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Sessions between transactions (an idle client, a pooled outbound connection of our own
      // queue) would hold the close up to the drain timeout: they get 421 now; a transaction in
      // progress is left to finish.
      for (const connection of server.connections) {
        if (!connection.session?.envelope?.mailFrom) hangUp(connection, SHUTTING_DOWN);
      }
      return closed;
    },
    dropSessions: () => {
      for (const connection of server.connections) hangUp(connection, SHUTTING_DOWN);
    },
  };
}

/** ETRN with the command counted like the others. */
function countedEtrn(listener: SmtpListenerName, services: SmtpServices): EtrnHandler {
  const etrn = etrnHandler(services);
  return (node, session) => {
    services.metrics.commands.inc({ protocol: listener, command: 'ETRN' });
    return etrn(node, session);
  };
}
