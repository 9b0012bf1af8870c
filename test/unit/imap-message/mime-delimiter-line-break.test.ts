// core/mime fix: a part whose header ends with the blank line whose line break is the next
// delimiter's (`Content-Type: x CRLF CRLF --b`) had that CRLF in its MIME header, so BODY[n.MIME]
// sent a blank line the part does not have and the part overlapped the delimiter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MimeStructureScanner } from '../../../core/mime/structure-stream.js';

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));

function parts(message: Buffer) {
  const scanner = new MimeStructureScanner();
  scanner.write(message);
  return scanner.finish().mime.children!;
}

describe('core/mime: the line break before a delimiter is never in a part', () => {
  it('a header followed by the delimiter line break has no blank line and no body', () => {
    const message = crlf(
      'Content-Type: multipart/mixed; boundary=e',
      '',
      '--e',
      '',
      '--e',
      'Content-Type: text/html',
      '',
      '--e--',
      '',
    );
    const [empty, html] = parts(message);
    assert.equal(message.subarray(empty!.headerStart, empty!.bodyStart).toString(), '');
    assert.equal(empty!.end, empty!.bodyStart);
    assert.equal(
      message.subarray(html!.headerStart, html!.bodyStart).toString(),
      'Content-Type: text/html\r\n',
    );
    assert.equal(html!.end, html!.bodyStart);
    assert.equal(html!.contentType, 'text/html');
    // the delimiter line break follows the part
    assert.equal(message.subarray(html!.end, html!.end + 5).toString(), '\r\n--e');
  });

  it('keeps the blank line when the part has one of its own', () => {
    const message = crlf('Content-Type: multipart/mixed; boundary=e', '', '--e', 'X-A: 1', '', '', '--e--');
    const [part] = parts(message);
    assert.equal(message.subarray(part!.headerStart, part!.bodyStart).toString(), 'X-A: 1\r\n\r\n');
    assert.equal(part!.end, part!.bodyStart);
  });
});
