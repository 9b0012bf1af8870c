import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  filterVerdict,
  MessageFiles,
  parseMailprocCommand,
  macroEnvironment,
  parseTabFile,
  programEnvironment,
  runProgram,
  safeArgumentValue,
  substituteMacros,
  type MacroSource,
} from '../../core/index.js';

const VALUES: MacroSource['values'] = {
  FROM: 'a@b.test',
  RCPT: 'c@d.test',
  RRCPT: 'c@d.test',
  MSGID: 'Q1',
  MSGREF: 'm1@b.test',
  USERAUTH: '-',
};
const noFiles = { messageFile: () => Promise.resolve('/f'), tempCopy: () => Promise.resolve('/t') };
const NO_ENV = programEnvironment(tmpdir(), {});

describe('mailproc commands', () => {
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('reads .tab files with XMail tokenizing: comments, blank lines, collapsed TABs, quotes', () => {
    const text =
      '# comment\r\n\r\n"redirect"\t\t"a@b.test"\t"c\\"d"\r\n"mailbox"\n\t\n"external"\t"0"\t"10"\t"/bin/x"\t""\n';
    assert.deepEqual(parseTabFile(text), [
      ['redirect', 'a@b.test', 'c"d'],
      ['mailbox'],
      ['external', '0', '10', '/bin/x', ''],
    ]);
  });

  it('parses every command, case-insensitively, and flags malformed ones', () => {
    assert.deepEqual(parseMailprocCommand(['External', '-1', '7', '/bin/prog', 'a']), {
      kind: 'external',
      priority: -1,
      timeoutMs: 7000,
      argv: ['/bin/prog', 'a'],
    });
    assert.deepEqual(parseMailprocCommand(['filter', '0', '0', '/bin/f']), {
      kind: 'filter',
      priority: 0,
      timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
      argv: ['/bin/f'],
    });
    assert.deepEqual(parseMailprocCommand(['smtprelay', 'h1:25;h2']), {
      kind: 'smtprelay',
      relays: ['h1:25', 'h2'],
    });
    const random = parseMailprocCommand(['smtprelay', '#h1;h2;h3']);
    assert.equal(random.kind === 'smtprelay' && [...random.relays].sort().join(), 'h1,h2,h3');
    assert.deepEqual(parseMailprocCommand(['LREDIRECT', 'x.test']), {
      kind: 'lredirect',
      targets: ['x.test'],
    });
    assert.deepEqual(parseMailprocCommand(['smtp']), { kind: 'smtp' });
    assert.equal(parseMailprocCommand(['mailbox', 'extra']).kind, 'invalid');
    assert.equal(parseMailprocCommand(['filter', '0', '5']).kind, 'invalid');
    assert.equal(parseMailprocCommand(['redirect']).kind, 'invalid');
    assert.equal(parseMailprocCommand(['rm', '-rf']).kind, 'invalid');
  });

  it('maps filter exit codes as XMail does', () => {
    assert.deepEqual(filterVerdict(0), { outcome: 'continue', stop: false });
    assert.deepEqual(filterVerdict(4), { outcome: 'drop', stop: true });
    assert.deepEqual(filterVerdict(5), { outcome: 'drop', stop: true });
    assert.deepEqual(filterVerdict(6 | 16), { outcome: 'reject', stop: true });
    assert.deepEqual(filterVerdict(7), { outcome: 'modified', stop: false });
    assert.deepEqual(filterVerdict(16), { outcome: 'continue', stop: true });
    assert.deepEqual(filterVerdict(1), { outcome: 'continue', stop: false });
  });

  it('substitutes macros inside tokens, writing @@FILE once and removing every file at cleanup', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'mw-mproc-'));
    dirs.push(parent);
    let opened = 0;
    const files = new MessageFiles(() => {
      opened++;
      return Promise.resolve(Readable.from([Buffer.from('body bytes\r\n')]));
    }, parent);
    const { tokens } = await substituteMacros(
      ['--from=@@FROM', '@@FILE', '@@FILE', '@@TMPFILE', '@@UNKNOWN.x', '@@lower'],
      { values: VALUES, messageFile: () => files.messageFile(), tempCopy: () => files.tempCopy() },
    );
    assert.equal(tokens[0], '--from=a@b.test');
    assert.equal(tokens[1], tokens[2]);
    assert.equal(opened, 1);
    assert.notEqual(tokens[3], tokens[1]);
    assert.deepEqual(tokens.slice(4), ['.x', '@@lower']);
    assert.equal(await readFile(tokens[1], 'utf8'), 'body bytes\r\n');
    assert.equal(await readFile(tokens[3], 'utf8'), 'body bytes\r\n');
    await files.cleanup();
    assert.deepEqual(await readdir(parent), []);
    await assert.rejects(access(tokens[1]));
  });

  it('keeps ordinary values and defuses shell metacharacters and leading dashes in program lines only', async () => {
    for (const ordinary of [
      'john.doe+tag@example.org',
      'a_b=c%d@x.test',
      'user%relay@gw.test',
      'Jos\u00e9@b\u00fccher.de',
      '-',
      '',
    ])
      assert.equal(safeArgumentValue(ordinary), ordinary);
    assert.equal(safeArgumentValue('x`touch${IFS}/tmp/p`@e.test'), 'x_touch__IFS__tmp_p_@e.test');
    assert.equal(
      safeArgumentValue('a\'b"c;d&e|f<g>h(i)j{k}l\\m*n?o[p]q~r!s#t u\nv\tw'),
      'a_b_c_d_e_f_g_h_i_j_k_l_m_n_o_p_q_r_s_t_u_v_w',
    );
    assert.equal(safeArgumentValue('-o/etc/x@e.test'), '_o_etc_x@e.test');
    assert.equal(safeArgumentValue('--help'), '_-help');

    const hostile = { ...VALUES, FROM: '$(id)@e.test', USERAUTH: '-x' };
    const line = ['@@FROM', 'from=@@FROM', '@@RCPT', '@@USERAUTH', '@@FILE'];
    assert.deepEqual(
      await substituteMacros(['External', '0', '5', '/bin/p', ...line], { values: hostile, ...noFiles }),
      {
        tokens: ['External', '0', '5', '/bin/p', '__id_@e.test', 'from=__id_@e.test', 'c@d.test', '_x', '/f'],
        neutralised: ['FROM', 'USERAUTH'],
      },
    );
    assert.deepEqual(await substituteMacros(['redirect', '@@FROM'], { values: hostile, ...noFiles }), {
      tokens: ['redirect', '$(id)@e.test'],
      neutralised: [],
    });
  });

  it('puts every macro, exact, in MAILWRIGHT_* variables beside a fixed PATH, HOME, TMPDIR and LANG', () => {
    const env = programEnvironment('/w', macroEnvironment({ ...VALUES, FROM: 'a`b`\0c' }, '/w/message.eml'));
    assert.deepEqual(env, {
      MAILWRIGHT_FILE: '/w/message.eml',
      MAILWRIGHT_FROM: 'a`b`c',
      MAILWRIGHT_RCPT: 'c@d.test',
      MAILWRIGHT_RRCPT: 'c@d.test',
      MAILWRIGHT_MSGID: 'Q1',
      MAILWRIGHT_MSGREF: 'm1@b.test',
      MAILWRIGHT_USERAUTH: '-',
      PATH: '/usr/bin:/bin',
      HOME: '/w',
      TMPDIR: '/w',
      LANG: 'C',
    });
  });

  it('runs programs without a shell, reports exit codes, spawn failures and timeouts', async () => {
    assert.deepEqual(await runProgram(['/bin/sh', '-c', 'exit 3'], 5000, NO_ENV), {
      status: 'exited',
      code: 3,
    });
    assert.deepEqual(await runProgram(['/bin/echo', '$(touch /tmp/never)', ';', 'exit 9'], 5000, NO_ENV), {
      status: 'exited',
      code: 0,
    });
    const missing = await runProgram(['/nonexistent/program'], 5000, NO_ENV);
    assert.equal(missing.status, 'failed');
    assert.equal((await runProgram(['/bin/echo', 'a\0b'], 5000, NO_ENV)).status, 'failed');
    const started = Date.now();
    assert.deepEqual(await runProgram(['/bin/sh', '-c', 'sleep 20; exit 0'], 300, NO_ENV), {
      status: 'timeout',
    });
    assert.ok(Date.now() - started < 3000);
  });
});
