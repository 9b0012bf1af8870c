import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, type LineEvent } from '../../../core/index.js';
import {
  CTRL_MAX_LINE_BYTES,
  CTRL_MAX_LOGIN_LINE_BYTES,
  classifyCommandLine,
  lineContent,
} from '../../../plugins/xmail-ctrl/protocol/index.js';

function drain(splitter: LineSplitter, max = CTRL_MAX_LINE_BYTES): (string | 'TOO-LONG')[] {
  const out: (string | 'TOO-LONG')[] = [];
  for (let event: LineEvent | undefined = splitter.next(max); event; event = splitter.next(max)) {
    out.push(event.kind === 'line' ? event.raw.toString('latin1') : 'TOO-LONG');
  }
  return out;
}

describe('LineSplitter limits (decisions 6 and 11)', () => {
  it('has the observed XMail limits', () => {
    assert.equal(CTRL_MAX_LINE_BYTES, 4094);
    assert.equal(CTRL_MAX_LOGIN_LINE_BYTES, 254);
  });

  it('accepts 4092 chars + CRLF and 4093 chars + LF, rejects 4093 + CRLF and 4094 + LF', () => {
    const cases: [string, boolean][] = [
      ['x'.repeat(4092) + '\r\n', true],
      ['x'.repeat(4093) + '\n', true],
      ['x'.repeat(4093) + '\r\n', false],
      ['x'.repeat(4094) + '\n', false],
      ['x'.repeat(4100) + '\r\n', false],
    ];
    for (const [line, accepted] of cases) {
      const splitter = new LineSplitter();
      splitter.feed(Buffer.from(line, 'latin1'));
      assert.deepEqual(drain(splitter), [accepted ? line : 'TOO-LONG'], `${line.length} bytes`);
    }
  });

  it('reports an over-long line before its LF arrives, then skips the rest of it', () => {
    const splitter = new LineSplitter();
    splitter.feed(Buffer.alloc(4093, 'x'));
    assert.deepEqual(drain(splitter), []);
    splitter.feed(Buffer.from('x'));
    assert.deepEqual(drain(splitter), ['TOO-LONG']);
    splitter.feed(Buffer.alloc(10_000, 'y'));
    assert.deepEqual(drain(splitter), []);
    splitter.feed(Buffer.from('yy\r\n"noop"\r\n'));
    assert.deepEqual(drain(splitter), ['"noop"\r\n']);
  });

  it('applies the limit given per call (login line: 254 bytes)', () => {
    const splitter = new LineSplitter();
    splitter.feed(Buffer.from('a'.repeat(252) + '\r\n' + 'b'.repeat(253) + '\r\n'));
    assert.deepEqual(drain(splitter, CTRL_MAX_LOGIN_LINE_BYTES), ['a'.repeat(252) + '\r\n', 'TOO-LONG']);
  });

  it('reassembles lines split across chunks and hands back what it has not returned', () => {
    const splitter = new LineSplitter();
    const wire = '"userlist"\t"example.org"\r\n"noop"\n"quit"\r\n';
    const lines: string[] = [];
    for (const byte of Buffer.from(wire)) {
      splitter.feed(Buffer.from([byte]));
      for (
        let event = splitter.next(CTRL_MAX_LINE_BYTES);
        event;
        event = splitter.next(CTRL_MAX_LINE_BYTES)
      ) {
        assert.equal(event.kind, 'line');
        if (event.kind === 'line') lines.push(event.raw.toString());
        if (lines.length === 2) break;
      }
      if (lines.length === 2) break;
    }
    assert.deepEqual(lines, ['"userlist"\t"example.org"\r\n', '"noop"\n']);
    splitter.feed(Buffer.from('"quit"\r\nrest'));
    assert.equal(splitter.takeBuffered().toString(), '"quit"\r\nrest');
    assert.equal(splitter.next(CTRL_MAX_LINE_BYTES), undefined);
  });
});

describe('lineContent and classifyCommandLine (§1, decision 6)', () => {
  it('strips LF and every trailing CR', () => {
    assert.equal(lineContent(Buffer.from('"noop"\r\n')).toString(), '"noop"');
    assert.equal(lineContent(Buffer.from('"noop"\n')).toString(), '"noop"');
    assert.equal(lineContent(Buffer.from('"noop"\r\r\r\n')).toString(), '"noop"');
    assert.equal(lineContent(Buffer.from('a\rb\n')).toString(), 'a\rb');
    assert.equal(lineContent(Buffer.from('\r\n')).toString(), '');
  });

  it('cuts at a NUL byte, as the C string does', () => {
    assert.equal(lineContent(Buffer.from('"noop"\0garbage\r\n', 'latin1')).toString(), '"noop"');
  });

  it('closes on any byte > 127 ("noop"\\t"<0xE9>")', () => {
    assert.deepEqual(classifyCommandLine(Buffer.from('"noop"\t"\xE9"\r\n', 'latin1')), {
      kind: 'close',
      reason: 'non-ascii',
    });
    assert.deepEqual(classifyCommandLine(Buffer.from('"x"\t"é"\n', 'utf8')), {
      kind: 'close',
      reason: 'non-ascii',
    });
  });

  it('does not look past a NUL for high bytes (MscCmdStringCheck stops there)', () => {
    assert.deepEqual(classifyCommandLine(Buffer.from('"noop"\0\xE9\r\n', 'latin1')), {
      kind: 'line',
      text: '"noop"',
    });
  });

  it('returns the text of a clean line', () => {
    assert.deepEqual(classifyCommandLine(Buffer.from('"domainadd"\t"example.org"\r\n')), {
      kind: 'line',
      text: '"domainadd"\t"example.org"',
    });
    assert.deepEqual(classifyCommandLine(Buffer.from('\r\n')), { kind: 'line', text: '' });
  });
});
