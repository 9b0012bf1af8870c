/**
 * THREAD's two algorithms (RFC 5256 §4): ORDEREDSUBJECT (threads of one base subject, flat) and
 * REFERENCES (the parent/child links Message-ID, In-Reply-To and References give, then threads of
 * one base subject merged). Pure functions over what each message says; the command reads it.
 */
import { asciiCasemap, compareOctets, type BaseSubject } from './base-subject.js';

/** One message as the algorithms see it. */
export interface ThreadMessage {
  /** What the response shows: the message number, or the UID for UID THREAD. */
  readonly id: number;
  /** The mailbox order, which breaks ties between equal sent dates. */
  readonly sequence: number;
  /** The sent date (RFC 5256 §2.2), milliseconds UTC. */
  readonly sentTime: number;
  readonly subject: BaseSubject;
  /** Raw header values (REFERENCES only). */
  readonly messageId?: string;
  readonly inReplyTo?: string;
  readonly references?: string;
}

/** A thread: a message (or, for REFERENCES, a dummy standing for a missing one) and its replies. */
export interface ThreadNode {
  readonly message?: ThreadMessage;
  readonly children: readonly ThreadNode[];
}

/**
 * ORDEREDSUBJECT: messages sorted by base subject then sent date; each run of one base subject is a
 * thread whose first message is the parent of all the others; threads in order of their first
 * message's sent date.
 */
export function orderedSubjectThreads(messages: readonly ThreadMessage[]): ThreadNode[] {
  const keyed = messages.map((message) => ({ message, subject: asciiCasemap(message.subject.subject) }));
  keyed.sort((a, b) => compareOctets(a.subject, b.subject) || byDate(a.message, b.message));
  const threads: { message: ThreadMessage; children: ThreadNode[] }[] = [];
  let subject: string | undefined;
  for (const entry of keyed) {
    if (entry.subject === subject && threads.length > 0) {
      threads[threads.length - 1].children.push({ message: entry.message, children: [] });
    } else {
      threads.push({ message: entry.message, children: [] });
      subject = entry.subject;
    }
  }
  return threads.sort((a, b) => byDate(a.message, b.message));
}

/** Sent date, then mailbox order. */
function byDate(a: ThreadMessage, b: ThreadMessage): number {
  return a.sentTime - b.sentTime || a.sequence - b.sequence;
}

/** A node while REFERENCES builds the tree. */
class Container {
  message?: ThreadMessage;
  parent?: Container;
  children: Container[] = [];

  /** Whether `other` is this container or one of its ancestors. */
  hasAncestorOrSelf(other: Container): boolean {
    return lineageOf(this).includes(other);
  }

  adopt(child: Container): void {
    child.parent = this;
    this.children.push(child);
  }

  orphan(): void {
    if (!this.parent) return;
    this.parent.children = this.parent.children.filter((child) => child !== this);
    this.parent = undefined;
  }
}

/** A container and its ancestors, nearest first. */
function lineageOf(container: Container): Container[] {
  const lineage: Container[] = [];
  for (let at: Container | undefined = container; at; at = at.parent) lineage.push(at);
  return lineage;
}

/** The valid message ids (`<left@right>`) of a header value, in order, without the brackets. */
export function messageIds(value: string | undefined): string[] {
  if (!value) return [];
  return [...value.matchAll(/<([^<>\s]+)>/g)].map((match) => match[1]).filter((id) => id.includes('@'));
}

/** REFERENCES, RFC 5256 §4 steps 1 to 6 (step 7, the response, is formatThreads). */
export function referenceThreads(messages: readonly ThreadMessage[]): ThreadNode[] {
  const byId = new Map<string, Container>();
  const all: Container[] = [];
  const containerFor = (id: string): Container => {
    let container = byId.get(id);
    if (!container) {
      container = new Container();
      byId.set(id, container);
      all.push(container);
    }
    return container;
  };

  // (1) Link each message to its references, in mailbox order.
  for (const message of [...messages].sort((a, b) => a.sequence - b.sequence)) {
    const id = messageIds(message.messageId)[0];
    // A missing, invalid or repeated Message-ID: the message gets a container of its own.
    let container = id === undefined ? undefined : containerFor(id);
    if (!container || container.message) {
      container = new Container();
      all.push(container);
    }
    container.message = message;
    let references = messageIds(message.references);
    if (references.length === 0) references = messageIds(message.inReplyTo).slice(0, 1);
    // (1B) Chain the references; links already made stay, no loops.
    let previous: Container | undefined;
    for (const reference of references) {
      const current = containerFor(reference);
      if (previous && !current.parent && !previous.hasAncestorOrSelf(current)) previous.adopt(current);
      previous = current;
    }
    // (1C) The last reference is the parent (replacing one a truncated References gave).
    container.orphan();
    if (previous && !previous.hasAncestorOrSelf(container)) previous.adopt(container);
  }

  // (2) The root set; (3) the id table is no longer needed; (4) dummies pruned.
  let roots = prune(
    all.filter((container) => !container.parent),
    true,
  );

  // (5) Threads with the same base subject gathered.
  roots = gatherSubjects(roots);

  // (6) Siblings sorted by sent date, a dummy by its first child's.
  return sortSiblings(roots);
}

/**
 * (4) Dummies without children go; dummies with children give them to their parent, except at the
 * root where a dummy keeps two or more children.
 */
function prune(containers: readonly Container[], atRoot: boolean): Container[] {
  const kept: Container[] = [];
  for (const container of containers) {
    container.children = prune(container.children, false);
    if (container.message) {
      kept.push(container);
    } else if (container.children.length > 0) {
      if (atRoot && container.children.length > 1) {
        kept.push(container);
      } else {
        for (const child of container.children) child.parent = container.parent;
        kept.push(...container.children);
      }
    }
  }
  return kept;
}

/** The base subject of a root: its message's, or its first child's for a dummy; '' when none. */
function threadSubject(container: Container): { key: string; message?: ThreadMessage } {
  const message = container.message ?? container.children[0]?.message;
  return { key: message ? asciiCasemap(message.subject.subject) : '', message };
}

/** (5) Roots with the same base subject merged, as §4 step 5 says. */
function gatherSubjects(roots: readonly Container[]): Container[] {
  const table = new Map<string, Container>();
  // (5B) The subject table: a dummy wins, then a message that is not a reply or forward.
  for (const root of roots) {
    const { key } = threadSubject(root);
    if (key === '') continue;
    const held = table.get(key);
    if (
      !held ||
      (held.message &&
        (!root.message || (held.message.subject.replyOrForward && !root.message.subject.replyOrForward)))
    ) {
      table.set(key, root);
    }
  }
  // (5C) Merge each root into the one the table holds for its subject.
  const result = new Set(roots);
  for (const root of roots) {
    const { key } = threadSubject(root);
    // Skipped too: a root already moved under a dummy the table held for its subject.
    if (key === '' || !result.has(root)) continue;
    const held = table.get(key)!;
    if (held === root) continue;
    result.delete(root);
    if (!held.message && !root.message) {
      for (const child of root.children) held.adopt(child);
      root.children = [];
    } else if (!held.message) {
      held.adopt(root);
    } else if (root.message!.subject.replyOrForward && !held.message.subject.replyOrForward) {
      held.adopt(root);
    } else {
      const dummy = new Container();
      result.delete(held);
      dummy.adopt(held);
      dummy.adopt(root);
      table.set(key, dummy);
      result.add(dummy);
    }
  }
  return [...result];
}

/** (6) Every set of siblings by sent date; a dummy sorts by its (sorted) first child. */
function sortSiblings(containers: readonly Container[]): ThreadNode[] {
  const nodes = containers.map((container) => {
    const children = sortSiblings(container.children);
    const first = container.message ?? children[0]?.message;
    return { node: { message: container.message, children } as ThreadNode, first };
  });
  nodes.sort((a, b) => (a.first && b.first ? byDate(a.first, b.first) : 0));
  return nodes.map(({ node }) => node);
}

/**
 * The THREAD response data (RFC 5256 §5 thread-list): `(3 6 (4 23)(44 7 96))`. A message with one
 * reply continues its line; two or more replies are nested lists; a dummy shows no number.
 */
export function formatThreads(threads: readonly ThreadNode[]): string {
  return threads.map((thread) => `(${members(thread)})`).join('');
}

function members(node: ThreadNode): string {
  const head = node.message ? String(node.message.id) : '';
  if (node.children.length === 0) return head;
  if (node.children.length === 1 && node.message) return `${head} ${members(node.children[0])}`;
  const nested = node.children.map((child) => `(${members(child)})`).join('');
  return head ? `${head} ${nested}` : nested;
}
