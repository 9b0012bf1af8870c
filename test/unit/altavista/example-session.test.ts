/**
 * The §2.13 example session, line by line: every client line lexes into the expected command or
 * attribute line, and every server line is one this layer formats, read back as a client would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDataBlock,
  formatGreeting,
  formatResponse,
  lexCommand,
  loggedInLine,
  lookupFoundLine,
  okLine,
  parseAttributeLine,
  parseGreeting,
  parseResponseLine,
  precheck,
  unstuffDataLine,
  versionAcceptedLine,
  type AttributeLine,
  type AttributeVerb,
  type AvCommand,
} from '../../../plugins/altavista-admin/protocol/index.js';

const TRANSCRIPT = `
S: 201 mail.example.com AltaVista Mail administration server ready <1234.842630400@mail.example.com>
C: Version 2
S: 202 Version 2
C: Login Password admin secret
S: 210 admin
C: Create Mailbox staff
S: 200 OK
C: Create Mailbox fred@staff
S: 200 OK
C: Set Mailbox fred@staff
S: 220 Send attribute lines; end with "."
C: Password fredpw
S: 200 OK
C: Usernames fred
S: 200 OK
C: Usernames frederick
S: 200 OK
C: ClientType POP3
S: 200 OK
C: FinalDestination 1
S: 200 OK
C: .
S: 200 OK
C: Show Mailbox fred@staff
S: 220 Send attribute lines; end with "."
C: Usernames
S: 230 Data follows
S: fred
S: frederick
S: .
S: 200 OK
C: ClientType
S: 230 Data follows
S: POP3 POP3 mail user agent
S: .
S: 200 OK
C: .
S: 200 OK
C: Show Mailbox staff
S: 220 Send attribute lines; end with "."
C: Mailboxes
S: 230 Data follows
S: fred@staff
S: .
S: 200 OK
C: .
S: 200 OK
C: Lookup frederick
S: 211 fred@staff
C: Logout
S: 200 OK
C: Quit
S: 250 Goodbye
`;

type Parsed = AvCommand | AttributeLine;

/** What each client line must lex into, in order. */
const EXPECTED_CLIENT: Parsed[] = [
  { kind: 'Version', version: 2 },
  { kind: 'Login', method: 'Password', username: 'admin', password: 'secret' },
  { kind: 'CreateMailbox', mailbox: 'staff' },
  { kind: 'CreateMailbox', mailbox: 'fred@staff' },
  { kind: 'Set', entity: { kind: 'Mailbox', name: 'fred@staff' } },
  { kind: 'attribute', name: 'Password', value: 'fredpw' },
  { kind: 'attribute', name: 'Usernames', value: 'fred' },
  { kind: 'attribute', name: 'Usernames', value: 'frederick' },
  { kind: 'attribute', name: 'ClientType', value: 'POP3' },
  { kind: 'attribute', name: 'FinalDestination', value: '1' },
  { kind: 'end' },
  { kind: 'Show', entity: { kind: 'Mailbox', name: 'fred@staff' } },
  { kind: 'attribute', name: 'Usernames' },
  { kind: 'attribute', name: 'ClientType' },
  { kind: 'end' },
  { kind: 'Show', entity: { kind: 'Mailbox', name: 'staff' } },
  { kind: 'attribute', name: 'Mailboxes' },
  { kind: 'end' },
  { kind: 'Lookup', username: 'frederick' },
  { kind: 'Logout' },
  { kind: 'Quit' },
];

/** The server's lines as this layer writes them. */
const EXPECTED_SERVER: string[] = [
  formatGreeting('mail.example.com', '<1234.842630400@mail.example.com>'),
  versionAcceptedLine(2),
  loggedInLine('admin'),
  okLine(),
  okLine(),
  formatResponse('SEND_ATTRIBUTE_LINES'),
  ...Array<string>(5).fill(okLine()),
  formatResponse('OK'),
  formatResponse('SEND_ATTRIBUTE_LINES'),
  formatResponse('DATA_FOLLOWS'),
  ...formatDataBlock(['fred', 'frederick']),
  okLine(),
  formatResponse('DATA_FOLLOWS'),
  ...formatDataBlock(['POP3 POP3 mail user agent']),
  okLine(),
  okLine(),
  formatResponse('SEND_ATTRIBUTE_LINES'),
  formatResponse('DATA_FOLLOWS'),
  ...formatDataBlock(['fred@staff']),
  okLine(),
  okLine(),
  lookupFoundLine('fred@staff'),
  okLine(),
  formatResponse('GOODBYE'),
];

const lines = TRANSCRIPT.trim()
  .split('\n')
  .map((line) => ({ from: line.slice(0, 1), text: line.slice(3) }));

describe('§2.13 example session', () => {
  it('every client line lexes into the expected command or attribute line, in its substate', () => {
    const parsed: Parsed[] = [];
    let verb: AttributeVerb | undefined;
    let loggedIn = false;
    for (const { text } of lines.filter((line) => line.from === 'C')) {
      if (verb !== undefined) {
        const line = parseAttributeLine(verb, text);
        if (line.kind === 'end') verb = undefined;
        parsed.push(line);
        continue;
      }
      const command = lexCommand(text);
      // Every command of the session is allowed in its state, from the local host.
      assert.equal(
        precheck(command, { loggedIn, peerIsLocal: true, effectiveIsLocal: true }),
        undefined,
        text,
      );
      if (command.kind === 'Login') loggedIn = true;
      if (command.kind === 'Logout') loggedIn = false;
      if (command.kind === 'Set' || command.kind === 'Show') verb = command.kind;
      parsed.push(command);
    }
    assert.deepEqual(parsed, EXPECTED_CLIENT);
  });

  it('every server line is exactly what the formatters write', () => {
    assert.deepEqual(
      lines.filter((line) => line.from === 'S').map((line) => line.text),
      EXPECTED_SERVER,
    );
  });

  it('a client reads the server side: the greeting, verdicts and the data blocks', () => {
    const server = lines.filter((line) => line.from === 'S').map((line) => line.text);
    assert.deepEqual(parseGreeting(server[0]), {
      fqdn: 'mail.example.com',
      challenge: '<1234.842630400@mail.example.com>',
    });
    const blocks: string[][] = [];
    for (let at = 1; at < server.length; at++) {
      const response = parseResponseLine(server[at]);
      assert.ok(response, server[at]);
      assert.equal(response.verdict, 'success');
      if (response.code !== 230) continue;
      const block: string[] = [];
      for (let data = unstuffDataLine(server[++at]); data !== null; data = unstuffDataLine(server[++at])) {
        block.push(data);
      }
      blocks.push(block);
    }
    assert.deepEqual(blocks, [['fred', 'frederick'], ['POP3 POP3 mail user agent'], ['fred@staff']]);
  });
});
