import type { SecureContextOptions } from 'node:tls';
import type { SmtpListenerName } from './listener.js';
import type { Logger } from 'pino';
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerDataStream,
  SMTPServerOptions,
  SMTPServerSession,
} from 'smtp-server';
import {
  findCustomDomainFile,
  hopExcess,
  InvalidNameError,
  mayPostToList,
  MessageTooLargeError,
  spoolMessage,
  isMailingList,
  LoginProtocols,
  plaintextSettingsOf,
  type BlobStore,
  type ConnectionLimits,
  type NetworkList,
  type AccountKey,
  type AccountStore,
  type DeliveryPolicy,
  type DsnNotify,
  type DsnParams,
  type DeliveryQueue,
  type LoginService,
  type FileTree,
  type FrozenQueue,
  type ServerSettings,
  type HookBus,
  type Metrics,
  type Router,
} from '../../core/index.js';
import type { SmtpConfig } from './config.js';
import { hookReply, smtpError } from './smtp-reply.js';
import { ownsSender } from './sender-login.js';

export interface SmtpServices {
  config: SmtpConfig;
  router: Router;
  queue: DeliveryQueue;
  blobs: BlobStore;
  hooks: HookBus;
  metrics: Metrics;
  logger: Logger;
  /** Relaying without AUTH. */
  trusted: NetworkList;
  /** maxConnections and maxConnectionsPerIp, trustedNetworks exempt from the latter. */
  limits: ConnectionLimits;
  /** AUTH: the core login path (plain-text rule, lockouts, the auth hook, the login record). */
  login: LoginService;
  /** Recipient limits checked at RCPT (ReceiveEnable, MaxMessageSize, quota). */
  policy: DeliveryPolicy;
  /** List members, for closed lists checked at RCPT. */
  accounts: Pick<AccountStore, 'listMembers'>;
  /** The mail root, for custom domain files. */
  files: FileTree;
  /** Key and certificate for STARTTLS and the implicit-TLS listener. */
  tls: SecureContextOptions;
  /** The queue's deferred deliveries, which ETRN reschedules. */
  frozen: FrozenQueue;
  /** The hop limit, shared with the delivery workers. */
  server: ServerSettings;
}

/** What we remember about one session besides smtp-server's own session object. */
interface SessionState {
  /** Gives the session's place under the connection caps back. */
  release(): void;
  /** The HELO name the helo hook last approved. */
  heloChecked?: string;
  /** Recipients of the current transaction that route to local mailboxes. */
  localRecipients: Set<string>;
  /** The account this session authenticated as. */
  login?: AccountKey;
}

type Handlers = Required<
  Pick<SMTPServerOptions, 'onConnect' | 'onAuth' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'>
>;

/**
 * The SMTP session phases for one listener (`smtp`, `submission` or `smtps`), each a small async function:
 * built-in policy first (limits, routing, relaying), then the hooks, whose reject or defer becomes
 * the reply. The HELO name goes through the `helo` hook at the first MAIL FROM after it, since
 * smtp-server has no HELO callback (Postfix delays HELO rejections the same way).
 */
export function sessionHandlers(listener: SmtpListenerName, services: SmtpServices): Handlers {
  const { config, hooks, metrics, logger } = services;
  const sessions = new Map<string, SessionState>();
  const checksSenderLogin = config.senderLoginMismatch.includes(listener);
  const plaintext = plaintextSettingsOf(config, listener);

  const onConnect = async (session: SMTPServerSession): Promise<void> => {
    const admission = services.limits.admit(session.remoteAddress);
    if (!admission.admitted) {
      metrics.refusedConnections.inc({ protocol: listener, reason: admission.refusal });
      throw admission.refusal === 'per-address'
        ? smtpError(421, '4.7.0 Too many connections from your address, try again later')
        : smtpError(421, '4.3.2 Too many connections, try again later');
    }
    sessions.set(session.id, { release: admission.release, localRecipients: new Set() });
    metrics.connections.inc({ protocol: listener });
    metrics.activeConnections.inc({ protocol: listener });
    const refusal = hookReply(
      await hooks.run('connect', {
        protocol: listener,
        remoteAddress: session.remoteAddress,
        localAddress: session.localAddress,
        sessionId: session.id,
      }),
    );
    if (refusal) throw refusal;
  };

  const onClose = (session: SMTPServerSession): void => {
    const state = sessions.get(session.id);
    if (!state) return;
    sessions.delete(session.id);
    state.release();
    metrics.activeConnections.dec({ protocol: listener });
  };

  const onAuth = async (
    username: string,
    password: string,
    session: SMTPServerSession,
  ): Promise<{ user: string }> => {
    // PLAIN and LOGIN both send the password itself. A locked-out address gets the same 535 as a
    // wrong password; an auth hook's veto its own reply.
    const client = {
      listener,
      sessionId: session.id,
      settings: plaintext,
      secure: session.secure,
      remoteAddress: session.remoteAddress,
      localAddress: session.localAddress,
    };
    const result = await services.login.logIn(
      { protocol: LoginProtocols.SMTP, client, username, plaintext: true },
      services.login.passwordCheck(password),
    );
    const veto = result.verdict === 'vetoed' ? hookReply(result.veto) : null;
    if (veto) throw veto;
    if (result.verdict === 'plaintext-refused') {
      throw smtpError(538, '5.7.11 Encryption required for requested authentication mechanism');
    }
    if (result.verdict !== 'ok') throw smtpError(535, '5.7.8 Authentication credentials invalid');
    const { account } = result;
    stateOf(session).login = { domain: account.domain, name: account.name };
    return { user: `${account.name}@${account.domain}` };
  };

  const onMailFrom = async (address: string, session: SMTPServerSession): Promise<void> => {
    const state = stateOf(session);
    state.localRecipients.clear();
    const heloName = session.hostNameAppearsAs || '';
    if (state.heloChecked !== heloName) {
      const refusal = hookReply(await hooks.run('helo', { sessionId: session.id, hostname: heloName }));
      if (refusal) throw refusal;
      state.heloChecked = heloName;
    }
    if (state.login && checksSenderLogin && !(await ownsSender(services.router, state.login, address))) {
      const user = `${state.login.name}@${state.login.domain}`;
      throw smtpError(553, `5.7.1 <${address}>: Sender address rejected: not owned by user ${user}`);
    }
    const refusal = hookReply(
      await hooks.run('mail', {
        sessionId: session.id,
        remoteAddress: session.remoteAddress,
        user: userOf(session),
        address,
      }),
    );
    if (refusal) throw refusal;
  };

  const onRcptTo = async (address: string, session: SMTPServerSession): Promise<void> => {
    if (session.envelope.rcptTo.length >= config.maxRecipients) {
      throw smtpError(452, '4.5.3 Too many recipients');
    }
    let resolution;
    try {
      resolution = await services.router.resolve(address);
    } catch (err) {
      if (err instanceof InvalidNameError) throw smtpError(553, `5.1.3 <${address}>: ${err.message}`);
      throw err;
    }
    if (resolution.kind === 'unknown-local') {
      throw smtpError(550, `5.1.1 <${address}>: Recipient address rejected: no such user here`);
    }
    if (resolution.kind === 'remote' && !isTrusted(session)) {
      // A custom domain (custdomains/*.tab) is handled here: no relay permission needed.
      if (!(await findCustomDomainFile(services.files, resolution.domain))) {
        throw smtpError(554, `5.7.1 <${address}>: Relaying denied`);
      }
    }
    if (resolution.kind === 'local') {
      const account = resolution.account;
      const args = session.envelope.mailFrom ? session.envelope.mailFrom.args : false;
      const declaredSize = Number(args ? args.SIZE : NaN);
      const rejection = isMailingList(account)
        ? services.policy.checkReceive(account)
        : await services.policy.checkStore(
            account,
            'rcpt',
            Number.isFinite(declaredSize) ? declaredSize : undefined,
          );
      if (rejection) throw smtpError(rejection.code, rejection.text);
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      if (
        isMailingList(account) &&
        !mayPostToList(account, await services.accounts.listMembers(account), mailFrom, userOf(session))
      ) {
        throw smtpError(550, `5.7.1 <${address}>: only members may post to this list`);
      }
    }
    const refusal = hookReply(
      await hooks.run('rcpt', {
        sessionId: session.id,
        remoteAddress: session.remoteAddress,
        user: userOf(session),
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        address,
      }),
    );
    if (refusal) throw refusal;
    if (resolution.kind === 'local') stateOf(session).localRecipients.add(address);
  };

  const onData = async (body: SMTPServerDataStream, session: SMTPServerSession): Promise<string> => {
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const recipients = session.envelope.rcptTo.map((rcpt) => rcpt.address);
    const allLocal = recipients.every((rcpt) => stateOf(session).localRecipients.has(rcpt));
    let spooled;
    try {
      spooled = await spoolMessage(services.blobs, {
        body,
        // Return-Path belongs to final delivery; a message also leaving for remote domains must
        // not carry it, and the spooled body is shared by all recipients.
        returnPath: allLocal ? mailFrom : undefined,
        maxBytes: config.maxMessageSize,
        received: {
          heloName: session.hostNameAppearsAs || '',
          remoteAddress: session.remoteAddress,
          remoteHost:
            session.clientHostname && !session.clientHostname.startsWith('[')
              ? session.clientHostname
              : undefined,
          byHost: config.hostname,
          protocol: session.transmissionType || 'ESMTP',
          id: session.id,
          recipient: recipients.length === 1 ? recipients[0] : undefined,
        },
      });
    } catch (err) {
      if (err instanceof MessageTooLargeError) throw smtpError(552, `5.3.4 ${err.message}`);
      throw err;
    }
    try {
      // Refused here rather than accepted and bounced later: a loop's sender may be forged.
      const excess = hopExcess(spooled.trace, services.server.maximumHops, mailFrom);
      if (excess) {
        throw smtpError(554, `5.4.6 Too many hops (${excess.hops} > ${excess.limit}): possible mail loop`);
      }
      const refusal = hookReply(
        await hooks.run('data', {
          sessionId: session.id,
          envelope: { mailFrom, rcptTo: recipients },
          size: spooled.size,
          messageId: spooled.envelope.messageId,
        }),
      );
      if (refusal) throw refusal;
      const queueId = await services.queue.enqueue({
        mailFrom,
        recipients,
        ...spooled,
        dsn: dsnParams(session, isTrusted(session)),
        authUser: userOf(session),
      });
      metrics.countMessage('accepted');
      return `Ok: queued as ${queueId}`;
    } catch (err) {
      // Not queued: the blob reference is still ours.
      await services.blobs.releaseBlob(spooled.blobId).catch((releaseErr: unknown) => {
        logger.error(
          { err: releaseErr, blobId: spooled.blobId },
          'releasing an unqueued message body failed',
        );
      });
      throw err;
    }
  };

  /** Authenticated, or from a trusted network: may relay, and may ask for any report. */
  function isTrusted(session: SMTPServerSession): boolean {
    return Boolean(session.user) || services.trusted.has(session.remoteAddress);
  }

  function stateOf(session: SMTPServerSession): SessionState {
    let state = sessions.get(session.id);
    if (!state) sessions.set(session.id, (state = { release: () => undefined, localRecipients: new Set() }));
    return state;
  }

  /**
   * Adapts an async phase handler to smtp-server's callback style, counting the command; an
   * unexpected error (ours or a hook's) is logged, counted and answered 451, never a crash or a
   * hung session.
   */
  function reply<A extends unknown[], R>(phase: string, run: (...args: A) => Promise<R>) {
    return (...args: [...A, (err?: Error | null, result?: R) => void]): void => {
      const callback = args.pop() as (err?: Error | null, result?: R) => void;
      if (phase !== 'connect') metrics.commands.inc({ protocol: listener, command: phase.toUpperCase() });
      run(...(args as unknown as A))
        .then(
          (result) => callback(null, result),
          (err: unknown) => {
            if (err instanceof Error && 'responseCode' in err) return callback(err);
            // A client that hangs up in the middle of its message is no fault of ours: nothing to
            // log as an error or count in connection errors (nothing of the message was spooled).
            if (hungUpDuringData(err)) {
              logger.debug({ phase, listener }, 'the client hung up during DATA');
              return callback(err);
            }
            logger.error({ err, phase, listener }, 'SMTP session handler failed');
            metrics.connectionErrors.inc({ protocol: listener });
            callback(smtpError(451, '4.3.0 Temporary local problem, try again later'));
          },
        )
        // smtp-server's callback itself throwing (a session torn down meanwhile) must not become an
        // unhandled rejection, which would end the process.
        .catch((err: unknown) => {
          logger.error({ err, phase, listener }, 'SMTP session callback failed');
          metrics.connectionErrors.inc({ protocol: listener });
        });
    };
  }

  return {
    onConnect: reply('connect', onConnect),
    onAuth: reply('auth', (auth: SMTPServerAuthentication, session: SMTPServerSession) =>
      onAuth(auth.username ?? '', auth.password ?? '', session),
    ),
    onMailFrom: reply('mail', (address: SMTPServerAddress, session: SMTPServerSession) =>
      onMailFrom(address.address, session),
    ),
    onRcptTo: reply('rcpt', (address: SMTPServerAddress, session: SMTPServerSession) =>
      onRcptTo(address.address, session),
    ),
    onData: reply('data', onData),
    onClose,
  };
}

/** smtp-server's error on the DATA stream when the connection closes before the final dot. */
function hungUpDuringData(err: unknown): err is Error {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ECONNECTION';
}

function userOf(session: SMTPServerSession): string | undefined {
  return typeof session.user === 'string' ? session.user : undefined;
}

/**
 * RFC 3461 parameters the client gave (RET, ENVID on MAIL; NOTIFY, ORCPT on each RCPT). From a
 * client that is neither authenticated nor trusted the sender may be forged, so a report would be
 * backscatter to a stranger: NOTIFY=SUCCESS and DELAY are declined (RFC 3461 §5.2.2 lets a server
 * do so) and reports return the headers only, whatever RET says.
 */
function dsnParams(session: SMTPServerSession, trusted: boolean): DsnParams | undefined {
  type WithDsn = { dsn?: { ret?: string; envid?: string; notify?: string[]; orcpt?: string } };
  const envelope = (session.envelope as WithDsn).dsn;
  const recipients: NonNullable<DsnParams['recipients']> = {};
  for (const rcpt of session.envelope.rcptTo) {
    const dsn = (rcpt as WithDsn).dsn;
    if (dsn?.notify || dsn?.orcpt) {
      recipients[rcpt.address] = {
        notify: notifyAllowed(dsn.notify as DsnNotify[] | undefined, trusted),
        orcpt: dsn.orcpt,
      };
    }
  }
  const asked = envelope?.ret === 'FULL' || envelope?.ret === 'HDRS' ? envelope.ret : undefined;
  const ret = trusted ? asked : 'HDRS';
  if (trusted && !ret && !envelope?.envid && Object.keys(recipients).length === 0) return undefined;
  return { ret, envid: envelope?.envid, recipients };
}

function notifyAllowed(notify: DsnNotify[] | undefined, trusted: boolean): DsnNotify[] | undefined {
  if (!notify || trusted) return notify;
  const kept = notify.filter((kind) => kind !== 'SUCCESS' && kind !== 'DELAY');
  return kept.length > 0 ? kept : ['NEVER'];
}
