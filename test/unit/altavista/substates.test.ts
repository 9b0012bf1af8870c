import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AvProtocolError,
  formatDataBlock,
  parseAttributeLine,
  stuffDataLine,
  unstuffDataLine,
  type AttributeLine,
  type AttributeVerb,
} from '../../../plugins/altavista-admin/protocol/index.js';

function syntaxFailure(verb: AttributeVerb, line: string): void {
  assert.throws(
    () => parseAttributeLine(verb, line),
    (error) => error instanceof AvProtocolError && error.response === '501 Syntax error',
    `${verb}: ${JSON.stringify(line)}`,
  );
}

const attr = (name: string, value?: string): AttributeLine =>
  value === undefined ? { kind: 'attribute', name } : { kind: 'attribute', name, value };

describe('attribute lines (§2.5.5)', () => {
  it('`.` ends the substate for every verb', () => {
    for (const verb of ['Add', 'Remove', 'Set', 'Show'] as const) {
      assert.deepEqual(parseAttributeLine(verb, '.'), { kind: 'end' });
    }
  });

  it('the value is everything after the first space, verbatim', () => {
    assert.deepEqual(parseAttributeLine('Set', 'Password fredpw'), attr('Password', 'fredpw'));
    assert.deepEqual(
      parseAttributeLine('Add', 'Usernames *-list *@lists.example.org'),
      attr('Usernames', '*-list *@lists.example.org'),
    );
    assert.deepEqual(parseAttributeLine('Set', 'Password  two  spaces '), attr('Password', ' two  spaces '));
    assert.deepEqual(parseAttributeLine('Add', 'Members x y'), attr('Members', 'x y'));
  });

  it('a trailing space is an empty value, not none', () => {
    assert.deepEqual(parseAttributeLine('Set', 'Password '), attr('Password', ''));
    assert.deepEqual(parseAttributeLine('Set', 'Password'), attr('Password'));
    assert.deepEqual(parseAttributeLine('Remove', 'Members '), attr('Members', ''));
    assert.deepEqual(parseAttributeLine('Remove', 'Members'), attr('Members'));
    assert.deepEqual(parseAttributeLine('Add', 'Members '), attr('Members', ''));
  });

  it('keeps the name as spelled (canonicalised later through the catalogue)', () => {
    assert.deepEqual(parseAttributeLine('Show', 'usernames'), attr('usernames'));
    assert.deepEqual(parseAttributeLine('Show', 'MyCustom2'), attr('MyCustom2'));
  });

  it('Add needs a value; Show takes none', () => {
    syntaxFailure('Add', 'Members');
    syntaxFailure('Show', 'Usernames fred');
    syntaxFailure('Show', 'Usernames ');
  });

  it('refuses blank lines and names other than letters and digits', () => {
    for (const verb of ['Add', 'Remove', 'Set', 'Show'] as const) {
      for (const line of [
        '',
        ' ',
        ' Members x',
        'Members\tx',
        '..',
        '.x',
        'Mem-bers x',
        'Mémbers',
        '"Members"',
      ]) {
        syntaxFailure(verb, line);
      }
    }
  });
});

describe('data substate dot-stuffing (§2.4)', () => {
  it('stuffs lines that start with a dot and nothing else', () => {
    assert.equal(stuffDataLine('.'), '..');
    assert.equal(stuffDataLine('..x'), '...x');
    assert.equal(stuffDataLine('.hidden'), '..hidden');
    assert.equal(stuffDataLine('fred'), 'fred');
    assert.equal(stuffDataLine(''), '');
    assert.equal(stuffDataLine('a.'), 'a.');
  });

  it('ends a block with a lone `.`', () => {
    assert.deepEqual(formatDataBlock(['fred', 'frederick']), ['fred', 'frederick', '.']);
    assert.deepEqual(formatDataBlock([]), ['.']);
    assert.deepEqual(formatDataBlock(['.', '', '.x']), ['..', '', '..x', '.']);
  });

  it('unstuffs on receipt, the lone `.` being the end', () => {
    assert.equal(unstuffDataLine('.'), null);
    assert.equal(unstuffDataLine('..'), '.');
    assert.equal(unstuffDataLine('..x'), '.x');
    assert.equal(unstuffDataLine('x'), 'x');
    assert.equal(unstuffDataLine(''), '');
  });

  it('round-trips any block of lines', () => {
    const blocks = [
      [],
      [''],
      ['.'],
      ['..', '...', '. ', ' .'],
      ['Received: from x', '', '.', 'body', '.end'],
    ];
    for (const block of blocks) {
      const wire = formatDataBlock(block);
      const received: string[] = [];
      let ended = false;
      for (const line of wire) {
        assert.equal(ended, false, 'nothing after the end line');
        const data = unstuffDataLine(line);
        if (data === null) ended = true;
        else received.push(data);
      }
      assert.equal(ended, true);
      assert.deepEqual(received, block);
    }
  });
});
