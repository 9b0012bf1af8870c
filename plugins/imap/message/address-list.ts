/**
 * Address lists of the ENVELOPE (RFC 3501 §7.4.2): an RFC 5322 address-list header value parsed
 * into `(name adl mailbox host)` entries, groups as a start entry `(NIL NIL group-name NIL)` and an
 * end entry `(NIL NIL NIL NIL)`.
 *
 * Real headers are often broken, and what a client sees for them should be what it sees from
 * Dovecot, which most clients are tested against. So this is a small recursive-descent parser that
 * follows Dovecot 2.3's message-address parser (with its fill-missing mode, the one IMAP uses):
 * - a missing local part is `MISSING_MAILBOX`, a missing domain `MISSING_DOMAIN`;
 * - `Name <broken` keeps what it read and gets the domain `SYNTAX_ERROR`;
 * - an addr-spec followed by a comment takes the comment as its name (`a@b (Joe)` → "Joe");
 * - words without `@` or `<>` are a display name with neither mailbox nor domain;
 * - a bad route in `<@a,@b:x@y>` is `INVALID_ROUTE`;
 * - encoded words are left as they are (no RFC 2047 decoding), as Dovecot does.
 * nodemailer's addressparser and libmime were tried first: they agree on well-formed lists but not
 * on the broken ones above (they guess an address out of bare words, drop comments, split groups
 * differently), so they are not used here.
 *
 * Input is the unfolded header value as core/mime stores it. Parsing is linear in its length.
 */
import type { ImapValue } from './values.js';

export interface ParsedAddress {
  /** Display name (or the comment after an addr-spec); undefined when there is none. */
  name?: string;
  /** Obsolete source route (`@a,@b`). */
  route?: string;
  /** Local part; for a group start, the group's name; undefined in a group end. */
  mailbox?: string;
  /** Domain; undefined in group start and end entries. */
  domain?: string;
}

const MISSING_MAILBOX = 'MISSING_MAILBOX';
const MISSING_DOMAIN = 'MISSING_DOMAIN';
const SYNTAX_ERROR = 'SYNTAX_ERROR';
const INVALID_ROUTE = 'INVALID_ROUTE';

/** RFC 5322 atext, and every 8-bit octet (UTF-8 headers, RFC 6532). */
function isAtext(c: number): boolean {
  if (c >= 0x80) return true;
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  return "!#$%&'*+-/=?^_`{|}~".includes(String.fromCharCode(c));
}

/**
 * The tokenizer state. Like Dovecot's rfc822 parser, each step returns 1 when more input follows,
 * 0 at the end of the input, -1 on a syntax error; white space and comments after a token are
 * skipped, and the text of the last comment skipped is kept.
 */
class Tokens {
  pos = 0;
  lastComment = '';
  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** The current character code, NaN at the end. */
  get c(): number {
    return this.text.charCodeAt(this.pos);
  }

  ch(): string {
    return this.text.charAt(this.pos);
  }

  status(): number {
    return this.atEnd ? 0 : 1;
  }

  skipComment(): number {
    this.lastComment = '';
    let level = 1;
    let start = ++this.pos;
    for (; !this.atEnd; this.pos++) {
      const ch = this.ch();
      if (ch === '(') level++;
      else if (ch === ')') {
        if (--level === 0) {
          this.lastComment += this.text.slice(start, this.pos);
          this.pos++;
          return this.status();
        }
      } else if (ch === '\\') {
        this.lastComment += this.text.slice(start, this.pos);
        start = this.pos + 1;
        this.pos++;
        if (this.atEnd) return -1;
      }
    }
    return -1; // missing ')'
  }

  skipLwsp(): number {
    while (!this.atEnd) {
      const ch = this.ch();
      if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
        this.pos++;
        continue;
      }
      if (ch !== '(') break;
      if (this.skipComment() < 0) return -1;
    }
    return this.status();
  }

  /** dot-atom, with white space allowed around the dots (RFC 822). */
  dotAtom(out: string[]): number {
    if (this.atEnd || !isAtext(this.c)) return -1;
    let start = this.pos++;
    for (;;) {
      while (!this.atEnd && isAtext(this.c)) this.pos++;
      out.push(this.text.slice(start, this.pos));
      if (this.atEnd) return 0;
      const r = this.skipLwsp();
      if (r <= 0) return r;
      if (this.ch() !== '.') return 1;
      this.pos++;
      out.push('.');
      const r2 = this.skipLwsp();
      if (r2 <= 0) return r2;
      start = this.pos;
    }
  }

  /** A word of a phrase: atext and dots, white space not skipped inside. */
  atomOrDot(out: string[]): number {
    const start = this.pos;
    while (!this.atEnd && (isAtext(this.c) || this.ch() === '.')) this.pos++;
    out.push(this.text.slice(start, this.pos));
    return this.atEnd ? 0 : this.skipLwsp();
  }

  quotedString(out: string[]): number {
    let start = ++this.pos;
    for (; !this.atEnd; this.pos++) {
      const ch = this.ch();
      if (ch === '"') {
        out.push(this.text.slice(start, this.pos));
        this.pos++;
        return this.skipLwsp();
      }
      if (ch === '\n') {
        // folding inside the quotes: the line break goes
        let end = this.pos;
        if (end > start && this.text[end - 1] === '\r') end--;
        out.push(this.text.slice(start, end));
        start = this.pos + 1;
      } else if (ch === '\\') {
        this.pos++;
        if (this.atEnd) return -1;
        out.push(this.text.slice(start, this.pos - 1));
        start = this.pos;
      }
    }
    return -1; // missing '"'
  }

  /** phrase = 1*word / obs-phrase; words are joined with one space. */
  phrase(out: string[]): number {
    if (this.atEnd) return 0;
    if (this.ch() === '.') return -1;
    for (;;) {
      const r = this.ch() === '"' ? this.quotedString(out) : this.atomOrDot(out);
      if (r <= 0) return r;
      if (!isAtext(this.c) && this.ch() !== '"' && this.ch() !== '.') break;
      out.push(' ');
    }
    return this.skipLwsp();
  }

  domainLiteral(out: string[]): number {
    const start = this.pos;
    for (; !this.atEnd; this.pos++) {
      if (this.ch() === '\\') {
        this.pos++;
        if (this.atEnd) break;
      } else if (this.ch() === ']') {
        this.pos++;
        out.push(this.text.slice(start, this.pos));
        return this.skipLwsp();
      }
    }
    return -1; // missing ']'
  }

  /** "@" domain, the "@" being the current character. */
  domain(out: string[]): number {
    this.pos++;
    if (this.skipLwsp() <= 0) return -1;
    return this.ch() === '[' ? this.domainLiteral(out) : this.dotAtom(out);
  }
}

interface Draft {
  name?: string;
  route?: string;
  mailbox?: string;
  domain?: string;
  invalid: boolean;
}

class AddressParser {
  readonly addresses: ParsedAddress[] = [];
  private draft: Draft = { invalid: false };
  private readonly t: Tokens;

  constructor(text: string) {
    this.t = new Tokens(text);
  }

  parse(): ParsedAddress[] {
    if (this.t.skipLwsp() > 0) this.addressList();
    return this.addresses;
  }

  private push(): void {
    const { name, route, mailbox, domain } = this.draft;
    const address: ParsedAddress = {};
    if (name !== undefined) address.name = name;
    if (route !== undefined) address.route = route;
    if (mailbox !== undefined) address.mailbox = mailbox;
    if (domain !== undefined) address.domain = domain;
    this.addresses.push(address);
    this.draft = { invalid: false };
  }

  private pushFixed(): void {
    if (this.draft.mailbox === undefined) this.draft.mailbox = MISSING_MAILBOX;
    if (this.draft.domain === undefined || this.draft.domain === '') this.draft.domain = MISSING_DOMAIN;
    this.push();
  }

  private localPart(): number {
    const out: string[] = [];
    const r = this.t.ch() === '"' ? this.t.quotedString(out) : this.t.dotAtom(out);
    if (r < 0) return -1;
    this.draft.mailbox = out.join('');
    return r;
  }

  private domain(): number {
    const out: string[] = [];
    const r = this.t.domain(out);
    if (r < 0) return -1;
    this.draft.domain = out.join('');
    return r;
  }

  /** obs-domain-list = "@" domain *(*(CFWS / ",") [CFWS] "@" domain) */
  private domainList(): number {
    const route: string[] = [];
    for (;;) {
      if (this.t.atEnd) return 0;
      if (this.t.ch() !== '@') break;
      if (route.length > 0) route.push(',');
      route.push('@');
      const r = this.t.domain(route);
      if (r <= 0) return r;
      while (this.t.skipLwsp() > 0 && this.t.ch() === ',') this.t.pos++;
    }
    this.draft.route = route.join('');
    return 1;
  }

  /** "<" [route ":"] local-part ["@" domain] ">" */
  private angleAddr(): number {
    this.t.pos++;
    if (this.t.skipLwsp() <= 0) return -1;
    if (this.t.ch() === '@') {
      if (this.domainList() > 0 && this.t.ch() === ':') this.t.pos++;
      else {
        this.draft.route = INVALID_ROUTE;
        if (this.t.atEnd) return -1;
      }
      if (this.t.skipLwsp() <= 0) return -1;
    }
    if (this.t.ch() !== '>') {
      if (this.localPart() <= 0) return -1;
      if (this.t.ch() === '@' && this.domain() <= 0) return -1;
    }
    if (this.t.ch() !== '>') return -1;
    this.t.pos++;
    return this.t.skipLwsp();
  }

  private nameAddr(): number {
    const out: string[] = [];
    if (this.t.phrase(out) <= 0 || this.t.ch() !== '<') return -1;
    const name = out.join('');
    if (name !== '') this.draft.name = name;
    if (this.angleAddr() < 0) {
      this.draft.domain = SYNTAX_ERROR;
      this.draft.invalid = true;
    }
    return this.t.status();
  }

  private addrSpec(): number {
    let domainResult = -2;
    this.t.lastComment = '';
    const quoted = this.t.ch() === '"';
    let r = this.localPart();
    if (r <= 0) this.draft.invalid = true;
    if (r !== 0 && !this.t.atEnd && this.t.ch() === '@') {
      domainResult = this.domain();
      if (domainResult <= 0) r = domainResult;
    }
    if (this.t.lastComment.length > 0) this.draft.name = this.t.lastComment;
    else if (domainResult === -2) {
      // A lone word is a mailbox without a domain; more words make it a display name.
      const out = [this.draft.mailbox ?? '', ' '];
      const before = out.join('').length;
      this.t.phrase(out);
      const text = out.join('');
      if (text.length !== before) {
        delete this.draft.mailbox;
        this.draft.name = text;
      } else if (!quoted) this.draft.domain = '';
      this.draft.invalid = true;
      r = -1;
    }
    return r;
  }

  private mailbox(): number {
    const start = this.t.pos;
    let r = this.nameAddr();
    if (r < 0) {
      this.draft = { invalid: false };
      this.t.pos = start;
      r = this.addrSpec();
      const d = this.draft;
      if (d.invalid && d.name === undefined && d.mailbox !== undefined && d.domain === undefined) {
        d.name = d.mailbox;
        delete d.mailbox;
      }
    }
    this.pushFixed();
    return r;
  }

  private group(): number {
    const out: string[] = [];
    if (this.t.phrase(out) <= 0 || this.t.ch() !== ':') return -1;
    // From here on it is a group, whatever follows.
    this.t.pos++;
    let r = this.t.skipLwsp();
    this.draft.mailbox = out.join('');
    this.push();
    if (r > 0 && this.t.ch() !== ';') {
      for (;;) {
        this.mailbox();
        if (this.t.atEnd || this.t.ch() !== ',') break;
        this.t.pos++;
        if (this.t.skipLwsp() <= 0) {
          r = -1;
          break;
        }
      }
    }
    if (r >= 0) {
      if (this.t.atEnd || this.t.ch() !== ';') r = -1;
      else {
        this.t.pos++;
        r = this.t.skipLwsp();
      }
    }
    this.draft = { invalid: false };
    this.push(); // the group's end
    return r === 0 ? 0 : 1;
  }

  private address(): number {
    const start = this.t.pos;
    this.draft = { invalid: false };
    const r = this.group();
    if (r >= 0) return r;
    this.draft = { invalid: false };
    this.t.pos = start;
    return this.mailbox();
  }

  private addressList(): void {
    for (;;) {
      if (this.address() === 0) return;
      if (this.t.atEnd || this.t.ch() !== ',') return;
      this.t.pos++;
      const r = this.t.skipLwsp();
      if (r <= 0) {
        if (r < 0) this.pushFixed(); // ends with garbage
        return;
      }
    }
  }
}

/** The addresses of an address-list header value, Dovecot's way (see the module comment). */
export function parseAddressList(value: string): ParsedAddress[] {
  return new AddressParser(value).parse();
}

/**
 * The ENVELOPE form of an address-list header: NIL for an absent field or one without addresses,
 * else a list of `(name adl mailbox host)`.
 */
export function renderAddressList(value: string | undefined): ImapValue {
  if (value === undefined) return null;
  const addresses = parseAddressList(value);
  if (addresses.length === 0) return null;
  return [
    { run: addresses.map((a) => [a.name ?? null, a.route ?? null, a.mailbox ?? null, a.domain ?? null]) },
  ];
}
