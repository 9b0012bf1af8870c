import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUILTIN_CLIENT_TYPES,
  BUILTIN_LOGS,
  ENTITIES,
  customAttribute,
  findBuiltinAttribute,
  lookupAttribute,
  mayChangeAttribute,
  mayOpenChange,
  mayOpenShow,
  mayReadAttribute,
  normaliseValue,
  visibleBuiltinAttributes,
  type AttributeSpec,
  type EntityKind,
  type Privilege,
  type Requester,
} from '../../../plugins/altavista-admin/protocol/index.js';

const names = (specs: readonly AttributeSpec[]): string[] => specs.map((spec) => spec.name);
const attribute = (kind: EntityKind, name: string): AttributeSpec => {
  const spec = lookupAttribute(kind, name);
  assert.ok(spec, `${kind} ${name}`);
  return spec;
};

describe('entity catalogue (§2.6)', () => {
  it('lists each entity with its builtin attributes in §2.6 order', () => {
    assert.deepEqual(names(ENTITIES.Environment.attributes), [
      'Hostname',
      'Domain',
      'FullyQualifiedHostname',
      'IPAddresses',
      'DNSServers',
      'Attributes',
    ]);
    assert.deepEqual(names(visibleBuiltinAttributes('Mailbox', { version: 2, root: false })), [
      'Password',
      'ReportTarget',
      'Privileges',
      'Usernames',
      'DefaultRedirection',
      'Members',
      'ClientType',
      'FinalDestination',
      'POP3Lockout',
      'IMAPLockout',
      'AdministrationLockout',
      'Messages',
      'Mailboxes',
      'Attributes',
    ]);
    assert.deepEqual(names(visibleBuiltinAttributes('Domain', { version: 2, root: false })), [
      'RetryTime',
      'RetryInterval',
      'Messages',
      'Domains',
      'Attributes',
    ]);
    assert.deepEqual(names(visibleBuiltinAttributes('Message', { version: 1, root: false })), [
      'Time',
      'Text',
      'ReversePath',
      'Recipients',
      'Hops',
      'Location',
      'Attributes',
    ]);
    assert.equal(ENTITIES.Server.attributes.length, 23);
    assert.equal(names(ENTITIES.Server.attributes).at(-1), 'Attributes');
  });

  it('hides IMAPLockout from version 1, Logs from named logs, and the HTTP-only attributes from the native view', () => {
    assert.ok(
      !names(visibleBuiltinAttributes('Mailbox', { version: 1, root: false })).includes('IMAPLockout'),
    );
    assert.deepEqual(names(visibleBuiltinAttributes('Log', { version: 2, root: true })), [
      'Logs',
      'Attributes',
    ]);
    assert.deepEqual(names(visibleBuiltinAttributes('Log', { version: 2, root: false })), ['Attributes']);
    assert.deepEqual(names(visibleBuiltinAttributes('Log', { version: 2, root: true, http: true })), [
      'Logs',
      'Attributes',
      'Events',
    ]);
    assert.ok(
      names(visibleBuiltinAttributes('Mailbox', { version: 2, root: false, http: true })).includes(
        'Superior',
      ),
    );
  });

  it('gives the Server defaults of §2.6.2 as valid values', () => {
    const defaults = Object.fromEntries(
      ENTITIES.Server.attributes
        .filter((spec) => spec.defaultValues)
        .map((spec) => [spec.name, spec.defaultValues]),
    );
    assert.deepEqual(defaults.MaximumHops, ['25']);
    assert.deepEqual(defaults.MessageExpiryInterval, ['432000']);
    assert.deepEqual(defaults.EventExpiryInterval, ['604800']);
    assert.deepEqual(defaults.LockoutThreshold, ['5']);
    assert.deepEqual(defaults.LockoutInterval, ['900']);
    assert.deepEqual(defaults.SenderDataTerminationTimeout, ['600']);
    assert.deepEqual(defaults.ClientTypes, [
      'POP3 POP3 mail user agent',
      'IMAP IMAP mail user agent',
      'MailingList AltaVista Mail mailing list',
    ]);
    for (const spec of ENTITIES.Server.attributes) {
      for (const value of spec.defaultValues ?? [])
        assert.equal(normaliseValue(spec.syntax, value), value, spec.name);
    }
    assert.equal(BUILTIN_CLIENT_TYPES.find((type) => type.name === 'IMAP')?.sinceVersion, 2);
    assert.deepEqual(BUILTIN_LOGS, ['Activity', 'Errors', 'Security']);
  });

  it('marks syntax, multiplicity and writability', () => {
    const password = attribute('Mailbox', 'password');
    assert.equal(password.name, 'Password');
    assert.equal(password.multiValued, false);
    assert.equal(password.writable, true);
    assert.equal(attribute('Mailbox', 'Usernames').syntax, 'username-record');
    assert.equal(attribute('Mailbox', 'Usernames').multiValued, true);
    assert.equal(attribute('Mailbox', 'FinalDestination').syntax, 'boolean');
    assert.equal(attribute('Mailbox', 'POP3Lockout').writable, false);
    assert.equal(attribute('Server', 'ClientTypes').syntax, 'client-type');
    assert.equal(attribute('Server', 'aliases').name, 'Aliases');
    for (const kind of Object.keys(ENTITIES) as EntityKind[]) {
      for (const spec of ENTITIES[kind].attributes) {
        if (spec.alwaysPresent) assert.ok(spec.multiValued && !spec.writable, `${kind} ${spec.name}`);
      }
    }
    for (const kind of ['Environment', 'Domain', 'Log', 'Message', 'Event'] as const) {
      assert.ok(
        ENTITIES[kind].attributes.every((spec) => !spec.writable),
        `${kind} has no writable builtin attribute`,
      );
    }
  });

  it('knows which entities take Add / Remove / Set and custom attributes', () => {
    const modifiable = (Object.keys(ENTITIES) as EntityKind[]).filter((kind) => ENTITIES[kind].modifiable);
    assert.deepEqual(modifiable, ['Server', 'Mailbox', 'Domain', 'Log']);
    assert.deepEqual(customAttribute('Mailbox', 'Shoe'), {
      name: 'Shoe',
      syntax: 'text',
      multiValued: true,
      writable: true,
      owner: { read: true, write: 'yes' },
    });
    assert.equal(customAttribute('Environment', 'Shoe'), undefined);
    assert.equal(customAttribute('Message', 'Shoe'), undefined);
    assert.equal(lookupAttribute('Domain', 'Shoe')?.writable, true);
    assert.equal(lookupAttribute('Environment', 'Shoe'), undefined);
    assert.equal(lookupAttribute('Mailbox', 'Sh-oe'), undefined);
    assert.equal(findBuiltinAttribute('Mailbox', 'Shoe'), undefined);
  });
});

describe('access rules (§2.7)', () => {
  const as = (privileges: Privilege[], self = false): Requester => ({ privileges, self });
  const nobody = as([]);
  const owner = as([], true);
  const admin = as(['Administration']);
  const monitor = as(['Monitor']);
  const reader = as(['ReadAllMail']);

  it('opens Show for Monitor or Administration, a mailbox for itself, a message for ReadAllMail too', () => {
    for (const kind of ['Environment', 'Server', 'Mailbox', 'Domain', 'Log', 'Event'] as const) {
      assert.ok(mayOpenShow(kind, admin) && mayOpenShow(kind, monitor), kind);
      assert.ok(!mayOpenShow(kind, nobody) && !mayOpenShow(kind, reader), kind);
    }
    assert.ok(mayOpenShow('Mailbox', owner));
    assert.ok(mayOpenShow('Message', reader));
    assert.ok(!mayOpenShow('Message', as(['WriteLog'])));
  });

  it('opens Add / Remove / Set for Administration, and a mailbox for itself', () => {
    for (const kind of ['Server', 'Mailbox', 'Domain', 'Log'] as const) {
      assert.ok(mayOpenChange(kind, admin), kind);
      assert.ok(!mayOpenChange(kind, monitor), kind);
    }
    assert.ok(mayOpenChange('Mailbox', owner));
    assert.ok(!mayOpenChange('Server', as(['Monitor'], true)));
  });

  it('never lets anyone read the Password', () => {
    const password = attribute('Mailbox', 'Password');
    for (const who of [
      admin,
      monitor,
      owner,
      as(['Administration', 'Monitor', 'ReadAllMail', 'WriteLog'], true),
    ]) {
      assert.ok(!mayReadAttribute('Mailbox', password, who));
    }
  });

  it("lets an owner read only its mailbox's owner-readable attributes and custom ones", () => {
    const readable = ENTITIES.Mailbox.attributes
      .filter((spec) => mayReadAttribute('Mailbox', spec, owner))
      .map((spec) => spec.name);
    assert.deepEqual(readable, [
      'ReportTarget',
      'Privileges',
      'Usernames',
      'DefaultRedirection',
      'Members',
      'ClientType',
      'Attributes',
    ]);
    assert.ok(mayReadAttribute('Mailbox', attribute('Mailbox', 'Shoe'), owner));
    assert.ok(!mayReadAttribute('Mailbox', attribute('Mailbox', 'Usernames'), nobody));
    assert.ok(mayReadAttribute('Mailbox', attribute('Mailbox', 'FinalDestination'), monitor));
  });

  it("needs ReadAllMail for a message's Text, even for Administration", () => {
    const text = attribute('Message', 'Text');
    assert.ok(!mayReadAttribute('Message', text, admin));
    assert.ok(!mayReadAttribute('Message', text, monitor));
    assert.ok(mayReadAttribute('Message', text, reader));
    assert.ok(mayReadAttribute('Message', attribute('Message', 'ReversePath'), reader));
    assert.ok(mayReadAttribute('Message', attribute('Message', 'ReversePath'), monitor));
  });

  it('lets an owner change Password (Set only), ReportTarget, DefaultRedirection, Members and custom attributes', () => {
    for (const verb of ['Add', 'Remove', 'Set'] as const) {
      const changeable = ENTITIES.Mailbox.attributes
        .filter((spec) => mayChangeAttribute('Mailbox', verb, spec, owner))
        .map((spec) => spec.name);
      assert.deepEqual(
        changeable,
        verb === 'Set'
          ? ['Password', 'ReportTarget', 'DefaultRedirection', 'Members']
          : ['ReportTarget', 'DefaultRedirection', 'Members'],
        verb,
      );
      assert.ok(mayChangeAttribute('Mailbox', verb, attribute('Mailbox', 'Shoe'), owner));
    }
    assert.ok(!mayChangeAttribute('Mailbox', 'Set', attribute('Mailbox', 'Members'), as(['Monitor'])));
  });

  it('lets Administration change anything (read-only attributes answer 523 afterwards)', () => {
    for (const spec of ENTITIES.Mailbox.attributes)
      assert.ok(mayChangeAttribute('Mailbox', 'Set', spec, admin));
    assert.ok(mayChangeAttribute('Server', 'Add', attribute('Server', 'ClientTypes'), admin));
    assert.ok(
      !mayChangeAttribute('Server', 'Add', attribute('Server', 'ClientTypes'), as(['Monitor', 'WriteLog'])),
    );
  });
});
