/**
 * Mailbox change events: "something changed in this folder of this account", for IMAP IDLE and the
 * untagged EXISTS/EXPUNGE/FETCH updates of other sessions, and for plugins that react to new mail (a
 * push-notification webhook).
 *
 * An event is a hint, not a record. A receiver re-reads the store from the last MODSEQ it knows
 * (MailStore.listMessages with `changedSince`, the folder's HIGHESTMODSEQ and UIDNEXT), so an event
 * that is lost (a Redis outage, a process that was reconnecting) or merged with another costs
 * latency, never correctness: the next event, or the next command of the session, brings the
 * receiver up to date. Nothing in an event may be trusted as the state of the folder; the numbers
 * in it only let a receiver skip a re-read it does not need.
 */
import type { InjectionToken } from 'tsyringe';
import type { AccountKey } from '../model/directory.js';

/**
 * - `append`: messages were added to the folder (delivery, IMAP APPEND, COPY into it, an import);
 * - `flags`: flags of messages in the folder changed;
 * - `expunge`: messages were removed from the folder;
 * - `folders`: the account's folder list changed (created, deleted, renamed, subscription, folder
 *   state imported); `path` names the folder concerned (for a rename, the old name).
 */
export type MailboxEventKind = 'append' | 'flags' | 'expunge' | 'folders';

export interface MailboxEvent {
  account: AccountKey;
  path: string;
  kind: MailboxEventKind;
  /** The folder's HIGHESTMODSEQ is at least this after the change (absent when the writer does not know it). */
  highestModseq?: number;
  /** The folder's UIDNEXT is at least this after the change (appends). */
  uidNext?: number;
}

/** Called once per event for the account it subscribed to; it should only note the change and return. */
export type MailboxEventListener = (event: MailboxEvent) => void;

/**
 * The events of every writer of the installation: every process that shares the storage and Redis
 * (fronts, delivery workers) publishes through the kernel's storage without knowing it
 * (NotifyingMailStore), and every subscriber in every process hears it.
 */
export interface MailboxEvents {
  /**
   * Listens to every folder of one account (names compare as the directory does: case-insensitive).
   * Effective at once: a change committed after this returns reaches the listener. Returns the
   * unsubscribe function (calling it again does nothing).
   */
  subscribe(account: AccountKey, listener: MailboxEventListener): () => void;
  /**
   * Tells every subscriber of the account, in this process and the others. Never throws and never
   * waits: a failure to reach Redis is logged and counted, and what was written stays written.
   */
  publish(event: MailboxEvent): void;
}

export const MailboxEventsToken = Symbol.for('mailwright.MailboxEvents') as InjectionToken<MailboxEvents>;
