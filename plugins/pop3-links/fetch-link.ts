import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import {
  spoolMessage,
  type DeliveryQueue,
  type Pop3Link,
  type SecretBox,
  type Storage,
} from '../../core/index.js';
import type { Pop3LinksConfig } from './config.js';
import { Pop3Client, type Pop3ClientOptions, type RemoteMessage } from './pop3-client.js';

export interface LinkFetchServices {
  config: Pop3LinksConfig;
  storage: Storage;
  queue: DeliveryQueue;
  secrets: SecretBox;
  logger: Logger;
}

export interface FetchReport {
  fetched: number;
  deleted: number;
  /** Messages over maxMessageSize, left on the server. */
  tooLarge: RemoteMessage[];
}

/**
 * One fetch session of a link. Each new message is streamed into the spool and handed to the
 * delivery queue (the normal router delivers it); only once the queue holds it durably is its
 * UIDL recorded as seen, and only then is it DELEted remotely. A crash after the enqueue leaves
 * the remote copy, which the next session recognises by its UIDL and deletes without fetching
 * it again. A crash in the instant between the enqueue and the UIDL record fetches it again, and
 * the enqueue's dedupe key (link + UIDL) keeps that second copy out of the queue.
 *
 * `abort` (shutdown, a lost lease) drops the connection without QUIT, so nothing marked deleted
 * in this session is removed.
 */
export async function fetchLink(
  link: Pop3Link,
  services: LinkFetchServices,
  abort?: AbortSignal,
): Promise<FetchReport> {
  const { config, storage } = services;
  const client = await Pop3Client.connect(await clientOptions(config, link));
  const onAbort = (): void => client.destroy(abort?.reason instanceof Error ? abort.reason : undefined);
  abort?.addEventListener('abort', onAbort);
  const report: FetchReport = { fetched: 0, deleted: 0, tooLarge: [] };
  try {
    abort?.throwIfAborted();
    await client.login(loginName(config, link), services.secrets.open(link.remoteSecret), link.auth);
    const remote = await client.messages();
    const seen = await storage.pop3Links.seenUidls(link);
    const deleted = new Set<string>();
    for (const message of remote) {
      if (!seen.has(message.uidl)) {
        if (message.size > config.maxMessageSize) {
          report.tooLarge.push(message);
          continue;
        }
        await deliver(client, message, link, services);
        seen.add(message.uidl);
        await storage.pop3Links.setSeenUidls(link, seen);
        report.fetched += 1;
      }
      if (!config.leaveOnServer) {
        await client.delete(message.number);
        deleted.add(message.uidl);
      }
    }
    await client.quit();
    report.deleted = deleted.size;
    // The deletions took effect with QUIT: forget what is gone remotely, keep what stays.
    const remaining = new Set(remote.map((message) => message.uidl).filter((uidl) => !deleted.has(uidl)));
    const kept = [...seen].filter((uidl) => remaining.has(uidl));
    if (kept.length !== seen.size) await storage.pop3Links.setSeenUidls(link, kept);
    return report;
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    abort?.removeEventListener('abort', onAbort);
  }
}

/** Streams one remote message into the spool and enqueues it for the link's local account. */
async function deliver(
  client: Pop3Client,
  message: RemoteMessage,
  link: Pop3Link,
  { config, storage, queue }: LinkFetchServices,
): Promise<void> {
  const recipient = `${link.local.name}@${link.local.domain}`;
  const spooled = await spoolMessage(storage.blobs, {
    body: await client.retrieve(message.number),
    maxBytes: config.maxMessageSize,
    received: {
      heloName: link.remoteDomain,
      remoteAddress: client.remoteAddress,
      byHost: config.hostname,
      protocol: 'POP3',
      id: randomBytes(8).toString('hex'),
      recipient,
    },
  });
  try {
    // The null reverse path: a fetched message that cannot be delivered must not bounce to a
    // sender address nobody checked.
    await queue.enqueue({
      mailFrom: '',
      recipients: [recipient],
      ...spooled,
      dedupeKey: `pop3-link/${recipient}/${link.remoteUser}@${link.remoteDomain}/${message.uidl}`,
    });
  } catch (err) {
    // Not queued: the blob reference is still ours.
    await storage.blobs.releaseBlob(spooled.blobId).catch(() => undefined);
    throw err;
  }
}

async function clientOptions(config: Pop3LinksConfig, link: Pop3Link): Promise<Pop3ClientOptions> {
  const server = config.servers[link.remoteDomain.toLowerCase()];
  const chosen = server?.security ?? config.security;
  const security = link.tls && chosen === 'none' ? 'starttls' : chosen;
  return {
    host: server?.host ?? link.remoteDomain,
    port: server?.port ?? (security === 'implicit' ? 995 : 110),
    security,
    tls: server?.ca ? { ca: await readFile(server.ca) } : undefined,
    timeoutMs: config.timeoutSeconds * 1000,
  };
}

function loginName(config: Pop3LinksConfig, link: Pop3Link): string {
  const server = config.servers[link.remoteDomain.toLowerCase()];
  return server?.login === 'address' ? `${link.remoteUser}@${link.remoteDomain}` : link.remoteUser;
}
