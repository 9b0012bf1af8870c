import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  asciiLowerCase,
  wildMatch,
  wildMatchAnyIgnoreCase,
  wildMatchIgnoreCase,
} from '../../core/routing/wildmatch.js';
import { compileWildPattern, wildPatternRegExpSource } from '../../core/model/wild-pattern.js';

/**
 * Oracle: a line-by-line port of XMail's recursive StrWildMatch (StrUtils.cpp) over NUL-terminated
 * strings. Exponential, so only for small inputs. Where XMail reads past the subject's end (a
 * `[^...]` set at the end) the port answers "no match", the documented Mailwright choice.
 */
function xmailStrWildMatch(subject: string, pattern: string): boolean {
  const s = subject + '\0';
  const m = pattern + '\0';
  const at = (text: string, i: number): string => (i < text.length ? text[i] : '\0');
  function run(si: number, mi: number): boolean {
    for (; at(m, mi) !== '\0'; si++, mi++) {
      const c = at(m, mi);
      if (c === '\\') {
        mi++;
        if (at(m, mi) === '\0') return false;
        if (at(s, si) !== at(m, mi)) return false;
        continue;
      }
      if (c === '?') {
        if (at(s, si) === '\0') return false;
        continue;
      }
      if (c === '*') {
        while (at(m, ++mi) === '*');
        if (at(m, mi) === '\0') return true;
        while (at(s, si) !== '\0') if (run(si++, mi)) return true;
        return false;
      }
      if (c === '[') {
        if (at(s, si) === '\0') return false;
        const sc = at(s, si).charCodeAt(0);
        let escape = false;
        const reverse = at(m, mi + 1) === '^';
        if (reverse) mi++;
        let prev = 256;
        let matched = false;
        for (
          ;
          at(m, ++mi) !== '\0' && (escape || at(m, mi) !== ']');
          prev = escape ? prev : at(m, mi).charCodeAt(0)
        ) {
          if (!escape && (escape = at(m, mi) === '\\')) continue;
          if (!escape && at(m, mi) === '-') {
            if (at(m, ++mi) === '\0') return false;
            if (at(m, mi) === '\\') if (at(m, ++mi) === '\0') return false;
            matched = matched || (sc <= at(m, mi).charCodeAt(0) && sc >= prev);
          } else matched = matched || sc === at(m, mi).charCodeAt(0);
          escape = false;
        }
        if (prev === 256 || escape || at(m, mi) !== ']' || matched === reverse) return false;
        continue;
      }
      if (at(s, si) !== c) return false;
    }
    return at(s, si) === '\0';
  }
  return run(0, 0);
}

describe('wildMatch basics (spec §3.4)', () => {
  it('matches *, ? and literals', () => {
    assert.equal(wildMatch('', '*'), true);
    assert.equal(wildMatch('abc', '*'), true);
    assert.equal(wildMatch('abc', 'a*'), true);
    assert.equal(wildMatch('a', 'a*'), true);
    assert.equal(wildMatch('', '*a'), false);
    assert.equal(wildMatch('xa', '**a**'), true);
    assert.equal(wildMatch('abc', 'a?c'), true);
    assert.equal(wildMatch('ac', 'a?c'), false);
    assert.equal(wildMatch('abc', 'abc'), true);
    assert.equal(wildMatch('abcd', 'abc'), false);
    assert.equal(wildMatch('', ''), true);
    assert.equal(wildMatch('a', ''), false);
    assert.equal(wildMatch('mail.example.org', '*.example.*'), true);
  });

  it('is case-sensitive; the I variant lower-cases both sides (ASCII only)', () => {
    assert.equal(wildMatch('Example.ORG', 'example.org'), false);
    assert.equal(wildMatchIgnoreCase('Example.ORG', 'example.org'), true);
    assert.equal(wildMatchIgnoreCase('example.org', 'EXAMPLE.org'), true);
    assert.equal(wildMatch('b', '[A-C]'), false);
    assert.equal(wildMatchIgnoreCase('b', '[A-C]'), true);
    assert.equal(wildMatchIgnoreCase('Ä', 'ä'), false);
    assert.equal(asciiLowerCase('ÄBc-Z'), 'Äbc-z');
  });

  it('answers the §6 aliaslist / exaliaslist / etrn filters', () => {
    // "aliaslist" "EXAMPLE.org" "a?" lists only "al".
    assert.equal(wildMatchIgnoreCase('example.org', 'EXAMPLE.org') && wildMatchIgnoreCase('al', 'a?'), true);
    assert.equal(wildMatchIgnoreCase('alice', 'a?'), false);
    // "exaliaslist" "*@example.org" is matched part-wise: "*" and "example.org".
    assert.equal(
      wildMatchIgnoreCase('alice', '*') && wildMatchIgnoreCase('example.org', 'example.org'),
      true,
    );
    assert.equal(wildMatchIgnoreCase('bob@mx.example.org', '*@*.example.org'), true);
  });

  it('ORs a pattern list (domainlist)', () => {
    assert.equal(wildMatchAnyIgnoreCase('example.org', ['*.net', 'EXAMPLE.*']), true);
    assert.equal(wildMatchAnyIgnoreCase('example.org', ['*.net', 'x*']), false);
    assert.equal(wildMatchAnyIgnoreCase('example.org', []), false);
  });
});

describe('wildMatch sets and escapes', () => {
  it('matches members, ranges and inverted sets', () => {
    assert.equal(wildMatch('b', '[abc]'), true);
    assert.equal(wildMatch('d', '[abc]'), false);
    assert.equal(wildMatch('mx', '[a-z]x'), true);
    assert.equal(wildMatch('d', '[^a-c]'), true);
    assert.equal(wildMatch('b', '[^a-c]'), false);
    assert.equal(wildMatch('user7', 'user[0-9]'), true);
  });

  it('ranges from the previous char, also after a range', () => {
    assert.equal(wildMatch('d', '[a-c-e]'), true);
    assert.equal(wildMatch('f', '[a-c-e]'), false);
  });

  it('a leading - is a range that matches nothing', () => {
    assert.equal(wildMatch('-', '[-a]'), false);
    assert.equal(wildMatch('a', '[-a]'), false);
    assert.equal(wildMatch('b', '[^-a]'), true);
  });

  it('-] takes ] as the range end, keeping the set open', () => {
    assert.equal(wildMatch('x', '[a-]x]'), true);
    assert.equal(wildMatch('a', '[a-]x]'), true);
    assert.equal(wildMatch(']', '[a-]x]'), false);
  });

  it('escapes inside and outside sets', () => {
    assert.equal(wildMatch(']', '[\\]]'), true);
    assert.equal(wildMatch('-', '[a\\-z]'), true);
    assert.equal(wildMatch('m', '[a\\-z]'), false);
    assert.equal(wildMatch('*', '\\*'), true);
    assert.equal(wildMatch('x', '\\*'), false);
    assert.equal(wildMatch('a?', 'a\\?'), true);
    assert.equal(wildMatch('ab', 'a\\?'), false);
    assert.equal(wildMatch('a\\b', 'a\\\\b'), true);
  });

  it('never matches with a malformed pattern', () => {
    for (const pattern of ['[]', '[^]', '[abc', '[a-', '[a-\\', '[\\', 'abc\\', '*[]', '*\\']) {
      assert.equal(wildMatch('abc', pattern), false, pattern);
      assert.equal(wildMatch('', pattern), false, pattern);
    }
    assert.equal(wildMatch(']', '[]]'), false);
  });

  it('never lets a set match past the end of the subject', () => {
    assert.equal(wildMatch('', '[^a]'), false);
    assert.equal(wildMatch('a', 'a[^b]'), false);
    assert.equal(wildMatch('a', 'a*[^b]'), false);
  });
});

/** Random strings of up to `max` characters of `alphabet`, the same ones for the same seed (an LCG). */
function seededPicker(seed: number): (alphabet: string, max: number) => string {
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  return (alphabet, max) => {
    let out = '';
    for (let i = random(max + 1); i > 0; i--) out += alphabet[random(alphabet.length)];
    return out;
  };
}

describe("wildMatch against a port of XMail's recursive matcher", () => {
  it('agrees on 20,000 random small patterns and subjects', () => {
    const pick = seededPicker(12345);
    for (let n = 0; n < 20_000; n++) {
      const pattern = pick('ab*?[]^-\\c', 7);
      const subject = pick('abc-]^\\', 6);
      assert.equal(
        wildMatch(subject, pattern),
        xmailStrWildMatch(subject, pattern),
        `${subject} vs ${pattern}`,
      );
    }
  });
});

describe('the regular-expression translation (AccountQuery.namePattern on MongoDB)', () => {
  /** The translation as a store applies it: anchored, no flags; a malformed pattern matches nothing. */
  const viaRegExp = (subject: string, pattern: string): boolean => {
    const steps = compileWildPattern(pattern);
    return steps !== null && new RegExp(`^${wildPatternRegExpSource(steps)}$`).test(subject);
  };

  it('agrees with wildMatch on 20,000 random patterns, regex metacharacters included', () => {
    const pick = seededPicker(54321);
    for (let n = 0; n < 20_000; n++) {
      const pattern = pick('ab*?[]^-\\.+()|{}$/\n', 8);
      const subject = pick('ab-]^\\.+()|{}$/\n', 6);
      assert.equal(viaRegExp(subject, pattern), wildMatch(subject, pattern), `${subject} vs ${pattern}`);
    }
  });

  it('keeps the quirky sets: ranges from the previous char, empty ranges, inverted sets', () => {
    for (const [subject, pattern] of [
      ['d', '[a-c-e]'],
      ['a', '[-a]'],
      ['b', '[^-a]'],
      ['y', '[z-a]'],
      [']', '[a-]]'],
    ]) {
      assert.equal(viaRegExp(subject, pattern), wildMatch(subject, pattern), `${subject} vs ${pattern}`);
    }
  });
});

describe('wildMatch on hostile patterns', () => {
  it('stays polynomial on a*a*a*...b against long subjects', () => {
    const started = process.hrtime.bigint();
    assert.equal(wildMatch('a'.repeat(20_000), 'a*a*a*a*a*a*a*a*a*a*a*a*b'), false);
    assert.equal(wildMatchIgnoreCase('A'.repeat(20_000), '*a*a*a*a*a*a*a*a*a*a*?c'), false);
    assert.equal(wildMatch('ab'.repeat(10_000) + 'c', '*a*b*a*b*a*b*a*b*c'), true);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(elapsedMs < 2000, `took ${elapsedMs} ms`);
  });
});
