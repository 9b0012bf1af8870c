/**
 * The public entry (`import ... from 'mailwright'`, core/public.ts) is a deliberate list: a name is
 * added or removed on purpose, with this list, never by exporting a whole module by accident.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const PUBLIC_NAMES = [
  'AccountAdminToken',
  'AlreadyExistsError',
  'ConfigError',
  'ConflictError',
  'DEFAULT_UMASK',
  'DeliveryQueueToken',
  'DirectoryAdminError',
  'DirectoryServiceToken',
  'DomainAdminToken',
  'FrozenQueueToken',
  'InvalidNameError',
  'Kernel',
  'KernelError',
  'LineReader',
  'LoginProtocols',
  'LoginServiceToken',
  'MAX_PARAMS',
  'MAX_VALUE_LENGTH',
  'MailboxEventsToken',
  'NotFoundError',
  'PluginStartError',
  'RouterToken',
  'SYSTEM_FLAGS',
  'Tokens',
  'accept',
  'accountAttribute',
  'accountKeyOf',
  'accountNameMatcher',
  'accountNamePatternSource',
  'capEnvelope',
  'capParams',
  'capStructure',
  'capValue',
  'checkAdminFilePath',
  'checkDomain',
  'checkFolderPath',
  'checkLocalPart',
  'checkMailRootPath',
  'clampRange',
  'customDomainPath',
  'defer',
  'definePlugin',
  'isMailingList',
  'isReservedMailRootPath',
  'listenerSettings',
  'loadConfigFile',
  'mailprocPath',
  'openPluginListeners',
  'pass',
  'reject',
  'splitAddress',
  'userDefaultsPaths',
  'z',
];

describe("the public API ('mailwright')", () => {
  it('exports exactly the documented names', async () => {
    // By package name, as a third-party plugin imports it (a variable: the compiler must not need
    // the package's own compiled types while it is compiling them).
    const packageName = 'mailwright';
    const api = (await import(packageName)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(api).sort(), PUBLIC_NAMES);
  });

  it('is not the internal entry the built-in plugins use', async () => {
    const internal = await import('../../core/index.js');
    assert.ok(Object.keys(internal).length > PUBLIC_NAMES.length);
    for (const name of ['AccountAdmin', 'DeliveryExpander', 'spoolMessage', 'SecretBox', 'hashPassword'])
      assert.ok(name in internal && !PUBLIC_NAMES.includes(name), `${name} stays internal`);
  });
});
