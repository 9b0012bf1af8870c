import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CTRL_COMMANDS,
  acceptsTokenCount,
  findCommand,
  formatErrorLine,
  resolveCommand,
  tokenizeTabLine,
  type ResolvedCommand,
} from '../../../plugins/xmail-ctrl/protocol/index.js';

/** Accepted token counts in 1..9 (command name included), from the §2 table and CTRLSvr.cpp. */
const EXPECTED_COUNTS: Record<string, number[]> = {
  useradd: [5],
  userdel: [3],
  userpasswd: [4],
  userauth: [4],
  userstat: [3],
  uservars: [3],
  uservarsset: [5, 7, 9],
  userlist: [1, 2, 3, 5],
  usercount: [1, 2],
  usergetmproc: [3, 4, 5, 6, 7, 8, 9],
  usersetmproc: [3, 4, 5, 6, 7, 8, 9],
  aliasadd: [4],
  aliasdel: [3],
  aliaslist: [1, 2, 3, 4],
  exaliasadd: [3],
  exaliasdel: [2],
  exaliaslist: [1, 2, 3],
  mluseradd: [4, 5, 6, 7, 8, 9],
  mluserdel: [4],
  mluserlist: [3],
  domainadd: [2],
  domaindel: [2],
  domainlist: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  aliasdomainadd: [3],
  aliasdomaindel: [2],
  aliasdomainlist: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  custdomget: [2],
  custdomset: [2],
  custdomlist: [1],
  poplnkadd: [7],
  poplnkdel: [5],
  poplnklist: [1, 2, 3],
  poplnkenable: [4, 5, 6, 7, 8, 9],
  filelist: [3],
  cfgfileget: [2],
  cfgfileset: [2],
  frozlist: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  frozsubmit: [4, 5, 6, 7, 8, 9],
  frozdel: [4, 5, 6, 7, 8, 9],
  frozgetlog: [4, 5, 6, 7, 8, 9],
  frozgetmsg: [4, 5, 6, 7, 8, 9],
  etrn: [2, 3, 4, 5, 6, 7, 8, 9],
  noop: [1],
  quit: [1],
};

function answer(line: string): string {
  const resolved: ResolvedCommand = resolveCommand(tokenizeTabLine(line));
  return resolved.kind === 'error' ? formatErrorLine(resolved.error) : `command ${resolved.spec.name}`;
}

describe('command table (spec §2)', () => {
  it('lists exactly the XMail 1.27 commands plus usercount', () => {
    assert.deepEqual(CTRL_COMMANDS.map((spec) => spec.name).sort(), Object.keys(EXPECTED_COUNTS).sort());
  });

  it('accepts exactly the token counts XMail accepts', () => {
    for (const spec of CTRL_COMMANDS) {
      const accepted = [1, 2, 3, 4, 5, 6, 7, 8, 9].filter((count) => acceptsTokenCount(spec.tokens, count));
      assert.deepEqual(accepted, EXPECTED_COUNTS[spec.name], spec.name);
    }
  });

  it('gives the response kind of each command', () => {
    const byKind = (kind: string): string[] =>
      CTRL_COMMANDS.filter((spec) => spec.response === kind)
        .map((spec) => spec.name)
        .sort();
    assert.deepEqual(byKind('file'), [
      'cfgfileget',
      'custdomget',
      'frozgetlog',
      'frozgetmsg',
      'usergetmproc',
    ]);
    assert.deepEqual(byKind('upload'), ['cfgfileset', 'custdomset', 'usersetmproc']);
    assert.deepEqual(byKind('list'), [
      'aliasdomainlist',
      'aliaslist',
      'custdomlist',
      'domainlist',
      'exaliaslist',
      'filelist',
      'frozlist',
      'mluserlist',
      'poplnklist',
      'usercount',
      'userlist',
      'userstat',
      'uservars',
    ]);
    assert.equal(findCommand('quit')?.closesSession, true);
    assert.equal(findCommand('noop')?.closesSession, undefined);
  });

  it('names the columns of every listing (§3.3)', () => {
    for (const spec of CTRL_COMMANDS)
      assert.equal(spec.response === 'list', spec.columns !== undefined, spec.name);
    assert.equal(findCommand('frozlist')?.columns?.length, 9);
    assert.equal(findCommand('poplnklist')?.columns?.length, 7);
    assert.deepEqual(findCommand('userlist')?.columns, ['domain', 'name', 'password', 'type']);
  });

  it('marks the AfterLogic extension (§2.4)', () => {
    assert.deepEqual(
      CTRL_COMMANDS.filter((spec) => spec.afterLogicExtension).map((spec) => spec.name),
      ['usercount'],
    );
  });

  it('finds commands case-insensitively', () => {
    assert.equal(findCommand('NOOP')?.name, 'noop');
    assert.equal(findCommand('UserAdd')?.name, 'useradd');
    assert.equal(findCommand('no op'), undefined);
  });
});

describe('resolveCommand on the §6 lines', () => {
  it('answers unknown commands, bad counts and empty lines with -00103', () => {
    assert.equal(answer('"bogus"'), '-00103 Bad CTRL command syntax');
    assert.equal(answer('"noop"\t"x"'), '-00103 Bad CTRL command syntax');
    assert.equal(answer('""'), '-00103 Bad CTRL command syntax');
    assert.equal(answer(''), '-00103 Bad CTRL command syntax');
    assert.equal(answer(' "noop"'), '-00103 Bad CTRL command syntax');
    assert.equal(answer('"no"op'), '-00103 Bad CTRL command syntax');
    assert.equal(answer('"etrn"'), '-00103 Bad CTRL command syntax');
    assert.equal(answer('"userlist"\t"example.org"\t"*"\t"0"'), '-00103 Bad CTRL command syntax');
    assert.equal(answer('"uservarsset"\t"d"\t"u"\t"RealName"'), '-00103 Bad CTRL command syntax');
    assert.equal(answer('"uservarsset"\t"d"\t"u"\t"a"\t"1"\t"b"'), '-00103 Bad CTRL command syntax');
  });

  it('resolves the accepted §6 lines', () => {
    assert.equal(answer('"NOOP"'), 'command noop');
    assert.equal(answer('"noop"\t\t'), 'command noop');
    assert.equal(answer('\t"noop"'), 'command noop');
    assert.equal(answer('"noop" '), 'command noop');
    assert.equal(answer('"noop"xyz'), 'command noop');
    assert.equal(answer('"userauth"\t"example.org"\t\t"alice"\t"pw1"'), 'command userauth');
    assert.equal(answer('"etrn"\t"*@*.example.org"\t"example.net"'), 'command etrn');
    assert.equal(answer('"frozlist"\t"ignored"'), 'command frozlist');
    assert.equal(answer('"aliasdomainlist"\t"a"\t"b"\t"c"'), 'command aliasdomainlist');
  });

  it('accepts AfterLogic paging and usercount (decision 2)', () => {
    assert.equal(answer('"userlist"\t"example.org"\t"*"\t"0"\t"10"'), 'command userlist');
    assert.equal(answer('"usercount"'), 'command usercount');
    assert.equal(answer('"usercount"\t"*.org"\t"x"'), '-00103 Bad CTRL command syntax');
  });

  it('returns the arguments after the command name', () => {
    assert.deepEqual(resolveCommand(tokenizeTabLine('"useradd"\t"example.org"\t"alice"\t"pw1"\t"U"')), {
      kind: 'command',
      spec: findCommand('useradd'),
      args: ['example.org', 'alice', 'pw1', 'U'],
    });
  });
});
