/**
 * The entities and their attributes (spec §2.6) with the access rules of §2.7, as data: command
 * handlers look an attribute up here and never spell a name, syntax or privilege rule themselves.
 * Each entity's attributes are listed in the order its `Attributes` value shows them (§2.6).
 */
import { ATTRIBUTE_NAME, type ClientType, type Privilege, type ValueSyntax } from './syntaxes.js';
import { asciiLowerCase } from '../../../core/index.js';

export type EntityKind = 'Environment' | 'Server' | 'Mailbox' | 'Domain' | 'Log' | 'Message' | 'Event';

/** What the session's own mailbox may do with an attribute without Administration / Monitor (§2.7). */
export interface OwnerAccess {
  readonly read: boolean;
  /** `set`: only through Set (the Password). */
  readonly write: 'no' | 'set' | 'yes';
}

export interface AttributeSpec {
  /** The canonical spelling, which the server always outputs (§2.1). */
  readonly name: string;
  readonly syntax: ValueSyntax;
  /** A list (ordered, no duplicates, §2.2) rather than a single value. */
  readonly multiValued: boolean;
  /** False: computed or builtin, `523 Attribute is read-only` on any change. */
  readonly writable: boolean;
  /** The always-present list attributes (§2.5.5), shown even with zero values. */
  readonly alwaysPresent?: true;
  /** Only on the root entity (the root log's `Logs`). */
  readonly rootOnly?: true;
  /** Shown only to sessions using this protocol version or later (IMAP came with version 2). */
  readonly sinceVersion?: 2;
  /** Defined by the HTTP/HTML layer (§3.3), not by the native protocol's entity tables. */
  readonly httpOnly?: true;
  /** Readable by nobody through the protocol (`530`): the Password. */
  readonly neverReadable?: true;
  /** A privilege needed on top of the entity's view right to read it (a Message's `Text`). */
  readonly readPrivilege?: Privilege;
  /** Mailbox attributes only: the owner's rights (§2.6.3 "owner may", §2.7). */
  readonly owner?: OwnerAccess;
  /** Server attributes: the value(s) when nothing was set (§2.6.2 defaults). */
  readonly defaultValues?: readonly string[];
}

export interface EntitySpec {
  readonly kind: EntityKind;
  readonly attributes: readonly AttributeSpec[];
  /** Add / Remove / Set may be opened on it at all (Environment, Message, Event: `523`, §2.5.4). */
  readonly modifiable: boolean;
  /** Attributes with other names (letters and digits) may be created: text lists (§2.6.3). */
  readonly customAttributes: boolean;
  /** Privileges of which any one opens `Show` on it (§2.7). */
  readonly viewPrivileges: readonly Privilege[];
}

const VIEWERS: readonly Privilege[] = ['Monitor', 'Administration'];
const NO_OWNER: OwnerAccess = { read: false, write: 'no' };

type Options = Omit<AttributeSpec, 'name' | 'syntax' | 'multiValued' | 'writable'>;

const single = (name: string, syntax: ValueSyntax, options: Options = {}): AttributeSpec => ({
  name,
  syntax,
  multiValued: false,
  writable: true,
  ...options,
});
const list = (name: string, syntax: ValueSyntax, options: Options = {}): AttributeSpec => ({
  name,
  syntax,
  multiValued: true,
  writable: true,
  ...options,
});
const readOnly = (spec: AttributeSpec): AttributeSpec => ({ ...spec, writable: false });
/** A computed name list that is always present and may be empty. */
const computedList = (name: string, syntax: ValueSyntax, options: Options = {}): AttributeSpec =>
  readOnly(list(name, syntax, { alwaysPresent: true, ...options }));

const interval = (name: string, seconds: number): AttributeSpec =>
  single(name, 'interval', { defaultValues: [String(seconds)] });

/**
 * The builtin client types (§2.6.2): they cannot be removed (`523`), and IMAP is shown only to
 * version 2 sessions.
 */
export const BUILTIN_CLIENT_TYPES: readonly (ClientType & { readonly sinceVersion?: 2 })[] = [
  { name: 'POP3', description: 'POP3 mail user agent' },
  { name: 'IMAP', description: 'IMAP mail user agent', sinceVersion: 2 },
  { name: 'MailingList', description: 'AltaVista Mail mailing list' },
];

/** The builtin logs (§2.6.5); other logs come into being with their first Write Log. */
export const BUILTIN_LOGS = ['Activity', 'Errors', 'Security'] as const;

const ENVIRONMENT: EntitySpec = {
  kind: 'Environment',
  modifiable: false,
  customAttributes: false,
  viewPrivileges: VIEWERS,
  attributes: [
    readOnly(single('Hostname', 'text')),
    readOnly(single('Domain', 'host')),
    readOnly(single('FullyQualifiedHostname', 'host')),
    readOnly(list('IPAddresses', 'ip-address')),
    readOnly(list('DNSServers', 'ip-address')),
    computedList('Attributes', 'attribute-name'),
  ],
};

const SERVER: EntitySpec = {
  kind: 'Server',
  modifiable: true,
  customAttributes: true,
  viewPrivileges: VIEWERS,
  attributes: [
    single('FirewallHost', 'host'),
    single('MailServerHost', 'host'),
    list('Aliases', 'host'),
    single('MaximumHops', 'count', { defaultValues: ['25'] }),
    interval('WorkPollInterval', 10),
    interval('ConfigurationPollInterval', 60),
    interval('CleanupInterval', 3600),
    interval('SenderMinimumRetryInterval', 300),
    interval('SenderMaximumRetryInterval', 14400),
    interval('SenderGreetingTimeout', 300),
    interval('SenderMailTimeout', 300),
    interval('SenderRecipientTimeout', 300),
    interval('SenderDataInitiationTimeout', 120),
    interval('SenderDataBlockTimeout', 180),
    interval('SenderDataTerminationTimeout', 600),
    interval('ReceiverTimeout', 300),
    interval('MessageExpiryInterval', 432000),
    interval('EventExpiryInterval', 604800),
    single('LockoutThreshold', 'count', { defaultValues: ['5'] }),
    interval('LockoutInterval', 900),
    list('ClientTypes', 'client-type', {
      defaultValues: BUILTIN_CLIENT_TYPES.map((type) => `${type.name} ${type.description}`),
    }),
    computedList('Messages', 'message-id'),
    computedList('Attributes', 'attribute-name'),
  ],
};

const MAILBOX: EntitySpec = {
  kind: 'Mailbox',
  modifiable: true,
  customAttributes: true,
  viewPrivileges: VIEWERS,
  attributes: [
    single('Password', 'text', { neverReadable: true, owner: { read: false, write: 'set' } }),
    single('ReportTarget', 'address', { owner: { read: true, write: 'yes' } }),
    list('Privileges', 'privilege', { owner: { read: true, write: 'no' } }),
    list('Usernames', 'username-record', { owner: { read: true, write: 'no' } }),
    single('DefaultRedirection', 'address', { owner: { read: true, write: 'yes' } }),
    list('Members', 'address', { owner: { read: true, write: 'yes' } }),
    single('ClientType', 'client-type', { owner: { read: true, write: 'no' } }),
    single('FinalDestination', 'boolean', { owner: NO_OWNER }),
    readOnly(single('POP3Lockout', 'time', { owner: NO_OWNER })),
    readOnly(single('IMAPLockout', 'time', { owner: NO_OWNER, sinceVersion: 2 })),
    readOnly(single('AdministrationLockout', 'time', { owner: NO_OWNER })),
    computedList('Messages', 'message-id', { owner: NO_OWNER }),
    computedList('Mailboxes', 'mailbox-name', { owner: NO_OWNER }),
    computedList('Attributes', 'attribute-name', { owner: { read: true, write: 'no' } }),
    readOnly(single('Superior', 'mailbox-name', { owner: NO_OWNER, httpOnly: true })),
  ],
};

const DOMAIN: EntitySpec = {
  kind: 'Domain',
  modifiable: true,
  customAttributes: true,
  viewPrivileges: VIEWERS,
  attributes: [
    readOnly(single('RetryTime', 'time')),
    readOnly(single('RetryInterval', 'interval')),
    computedList('Messages', 'message-id'),
    computedList('Domains', 'domain-name'),
    computedList('Attributes', 'attribute-name'),
    readOnly(single('Superior', 'domain-name', { httpOnly: true })),
  ],
};

const LOG: EntitySpec = {
  kind: 'Log',
  modifiable: true,
  customAttributes: true,
  viewPrivileges: VIEWERS,
  attributes: [
    computedList('Logs', 'log-name', { rootOnly: true }),
    computedList('Attributes', 'attribute-name'),
    computedList('Events', 'event-id', { httpOnly: true }),
  ],
};

const MESSAGE: EntitySpec = {
  kind: 'Message',
  modifiable: false,
  customAttributes: false,
  viewPrivileges: ['Monitor', 'Administration', 'ReadAllMail'],
  attributes: [
    readOnly(single('Time', 'time')),
    // One value per line of the RFC 822 text (§2.2).
    readOnly(list('Text', 'text', { readPrivilege: 'ReadAllMail' })),
    readOnly(single('ReversePath', 'reverse-path')),
    readOnly(list('Recipients', 'address')),
    readOnly(single('Hops', 'count')),
    readOnly(single('Location', 'location')),
    computedList('Attributes', 'attribute-name'),
  ],
};

/**
 * An event's attributes are its parameters (§2.9): these always, and by type `Type`, `Mailbox`,
 * `Address`, `Protocol`, `Host`, `Message`, which look up as custom names would. Native access is
 * the optional `Show Event <log> <id>` of §2.5.4.
 */
const EVENT: EntitySpec = {
  kind: 'Event',
  modifiable: false,
  customAttributes: false,
  viewPrivileges: VIEWERS,
  attributes: [
    // The order of the Read Log stream (§2.9): Identifier, Time, the others alphabetically, Text.
    readOnly(single('Identifier', 'event-id')),
    readOnly(single('Time', 'time')),
    readOnly(single('Address', 'text')),
    readOnly(single('Host', 'text')),
    readOnly(single('Mailbox', 'mailbox-name')),
    readOnly(single('Message', 'message-id')),
    computedList('Parameters', 'attribute-name'),
    readOnly(single('Protocol', 'text')),
    readOnly(single('Type', 'text')),
    // A multi-line event text is one value per line (§2.2).
    readOnly(list('Text', 'text')),
  ],
};

export const ENTITIES: Readonly<Record<EntityKind, EntitySpec>> = {
  Environment: ENVIRONMENT,
  Server: SERVER,
  Mailbox: MAILBOX,
  Domain: DOMAIN,
  Log: LOG,
  Message: MESSAGE,
  Event: EVENT,
};

/**
 * The spec of a custom attribute of `kind` (a text list the owner of a mailbox may read and write,
 * §2.6.3), or undefined when the entity has none.
 */
export function customAttribute(kind: EntityKind, name: string): AttributeSpec | undefined {
  if (!ENTITIES[kind].customAttributes) return undefined;
  return list(name, 'text', kind === 'Mailbox' ? { owner: { read: true, write: 'yes' } } : {});
}

/** The builtin attribute of `kind` named `name` (case-insensitively), or undefined. */
export function findBuiltinAttribute(kind: EntityKind, name: string): AttributeSpec | undefined {
  const lower = asciiLowerCase(name);
  return ENTITIES[kind].attributes.find((spec) => asciiLowerCase(spec.name) === lower);
}

/**
 * How a well-formed attribute name reads on `kind`: the builtin spec, else a custom attribute
 * where the entity allows them, else undefined (the name cannot exist there: `522`).
 */
export function lookupAttribute(kind: EntityKind, name: string): AttributeSpec | undefined {
  if (!ATTRIBUTE_NAME.test(name)) return undefined;
  return findBuiltinAttribute(kind, name) ?? customAttribute(kind, name);
}

/** The builtin attributes a session of `version` sees on a root (`root`) or named entity of `kind`. */
export function visibleBuiltinAttributes(
  kind: EntityKind,
  options: { readonly version: number; readonly root: boolean; readonly http?: boolean },
): AttributeSpec[] {
  return ENTITIES[kind].attributes.filter(
    (spec) =>
      (spec.sinceVersion === undefined || options.version >= spec.sinceVersion) &&
      (!spec.rootOnly || options.root) &&
      (!spec.httpOnly || options.http === true),
  );
}

/** Who is asking: the privileges the session logged in with, and whether the entity is its own mailbox. */
export interface Requester {
  readonly privileges: readonly Privilege[];
  /** The entity is the mailbox the session logged in as (§2.7 "self"). */
  readonly self: boolean;
}

const hasAny = (requester: Requester, privileges: readonly Privilege[]): boolean =>
  privileges.some((privilege) => requester.privileges.includes(privilege));

/** Whether `Show <entity>` gets its `220` (§2.7); otherwise `530`. Its own mailbox always does. */
export function mayOpenShow(kind: EntityKind, requester: Requester): boolean {
  return (kind === 'Mailbox' && requester.self) || hasAny(requester, ENTITIES[kind].viewPrivileges);
}

/**
 * Whether `Add` / `Remove` / `Set <entity>` gets its `220` (§2.7): Administration, or the
 * session's own mailbox (whose lines are then checked one by one). An entity that is not
 * modifiable answers `523` before this matters (§2.5.4).
 */
export function mayOpenChange(kind: EntityKind, requester: Requester): boolean {
  return (kind === 'Mailbox' && requester.self) || requester.privileges.includes('Administration');
}

/** Whether a Show line may read `spec` on an entity of `kind` (§2.7); otherwise `530`. */
export function mayReadAttribute(kind: EntityKind, spec: AttributeSpec, requester: Requester): boolean {
  if (spec.neverReadable) return false;
  if (spec.readPrivilege !== undefined && !requester.privileges.includes(spec.readPrivilege)) return false;
  if (hasAny(requester, ENTITIES[kind].viewPrivileges)) return true;
  return kind === 'Mailbox' && requester.self && spec.owner?.read === true;
}

export type ChangeVerb = 'Add' | 'Remove' | 'Set';

/**
 * Whether an Add / Remove / Set line may change `spec` (§2.7); otherwise `530`. Administration
 * may change anything (read-only attributes then answer `523`, which comes after `530`, §2.3);
 * an owner without it only the attributes its mailbox's owner rights allow.
 */
export function mayChangeAttribute(
  kind: EntityKind,
  verb: ChangeVerb,
  spec: AttributeSpec,
  requester: Requester,
): boolean {
  if (requester.privileges.includes('Administration')) return true;
  if (kind !== 'Mailbox' || !requester.self) return false;
  const write = spec.owner?.write ?? 'no';
  return write === 'yes' || (write === 'set' && verb === 'Set');
}
