#!/usr/bin/env node
/**
 * bench/imap: IMAP throughput under a realistic command mix (load.js) from 20 concurrent sessions,
 * with per-command latencies and a protocol checker, and the memory each idle connection costs
 * (logged in, INBOX selected, in IDLE; over plain TCP and over TLS). Mailwright and Dovecot are each
 * started here on loopback in the same run, on the same mailboxes, and compared as ratios. Exits
 * non-zero when any protocol error was seen. See bench/README.md.
 *
 *   npm run build && node bench/imap/run.js
 *
 * Environment:
 *   MW_BENCH_QUICK=1        200 messages per mailbox, 200 operations per session, 1 timed run
 *   MW_BENCH_USERS=N        mailboxes, one load session each (default 20)
 *   MW_BENCH_MESSAGES=N     messages per mailbox (default 500)
 *   MW_BENCH_SIZE=N         octets per stored message (default 10240)
 *   MW_BENCH_OPS=N          operations per session and timed run (default 500)
 *   MW_BENCH_SECONDS=N      instead: each session runs for N seconds
 *   MW_BENCH_RUNS=N         timed runs per server (default 3, quick 1)
 *   MW_BENCH_IDLE=N         idle connections per test (default 2000; 10000 for the full test)
 *   MW_BENCH_PHASES=a,b     idle-plain, idle-tls, load (default all three)
 *   MW_BENCH_ONLY=a,b       only these servers (mailwright, dovecot)
 *   MW_BENCH_BUILD=dir      run Mailwright from another tsc output dir than dist/
 *   MW_BENCH_CPU_PROF=1     a CPU profile of Mailwright during the load, summarised after the tables
 *   MW_BENCH_SCRYPT_N=N     scrypt cost of the Mailwright bench accounts (default 1024)
 *   MW_BENCH_SEARCH=0       leave SEARCH out of the mix (it is left out anyway if Mailwright lacks it)
 */
import { chmod, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupAll, cleanupOnSignals } from '../lib/cleanup.js';
import { busyWarning, machineInfo } from '../lib/load.js';
import { freePort } from '../lib/ports.js';
import { processTree, runCommand } from '../lib/processes.js';
import { rollupBytes, sampleTreeRss, statusBytes } from '../lib/rss.js';
import { log, selectedServers, writeResults } from '../lib/run.js';
import { median, percentile, round } from '../lib/stats.js';
import { formatProfile } from '../lib/profile-table.js';
import { formatTable } from '../lib/table.js';
import { tempDir } from '../lib/tempdir.js';
import { newestProfile, summarizeCpuProfile } from '../pop3/cpu-profile.js';
import { ErrorLog } from './checker.js';
import { closeAll, openIdleConnections, stillIdle } from './idle.js';
import { COMMAND_KINDS, MIX, probeSearch, runImapLoad } from './load.js';
import { APPEND_SIZE, buildMailboxes, PASSWORD } from './messages.js';
import { dovecotVersion, installDovecot } from './servers/dovecot.js';
import { SERVERS } from './servers/index.js';

const env = process.env;
const QUICK = env.MW_BENCH_QUICK === '1';
const LOAD = {
  users: Number(env.MW_BENCH_USERS ?? 20),
  perUser: Number(env.MW_BENCH_MESSAGES ?? (QUICK ? 200 : 500)),
  size: Number(env.MW_BENCH_SIZE ?? 10240),
  ops: Number(env.MW_BENCH_OPS ?? (QUICK ? 200 : 500)),
  seconds: env.MW_BENCH_SECONDS ? Number(env.MW_BENCH_SECONDS) : undefined,
  runs: Number(env.MW_BENCH_RUNS ?? (QUICK ? 1 : 3)),
};
const WARMUP_OPS = QUICK ? 50 : 100;
const IDLE = Number(env.MW_BENCH_IDLE ?? 2000);
const PHASES = (env.MW_BENCH_PHASES ?? 'idle-plain,idle-tls,load').split(',').map((phase) => phase.trim());

async function main() {
  cleanupOnSignals();
  const servers = selectedServers(SERVERS);
  if (servers.some((server) => server.id === 'dovecot')) {
    if (process.getuid?.() !== 0)
      throw new Error('the Dovecot instance needs root (its master drops privileges)');
    await installDovecot();
  }
  if (IDLE > 0 && PHASES.some((phase) => phase.startsWith('idle'))) await checkFileLimit(IDLE);
  const mailboxes = buildMailboxes(LOAD);
  log(
    `mail: ${LOAD.users} mailboxes x ${LOAD.perUser} messages of ${LOAD.size} octets; ` +
      `load: ${LOAD.users} sessions x ${LOAD.seconds ? `${LOAD.seconds} s` : `${LOAD.ops} operations`}, ` +
      `${LOAD.runs} timed run(s) after a warm-up of ${WARMUP_OPS}; idle: ${IDLE} connections; ` +
      `phases: ${PHASES.join(', ')}`,
  );

  const loadBefore = os.loadavg()[0];
  const context = { search: env.MW_BENCH_SEARCH !== '0', searchNote: null };
  const results = [];
  for (const server of servers) {
    log(`\n== ${server.label}`);
    const errors = new ErrorLog();
    const result = { id: server.id, label: server.label, idle: {} };
    try {
      const dir = await tempDir(`mw-bench-imap-${server.id}-`);
      const tls = await makeCertificate(dir);
      log(`   storing ${LOAD.users * LOAD.perUser} messages...`);
      const prepared = await server.prepare({
        dir,
        mailboxes,
        password: PASSWORD,
        tls,
        maxConnections: IDLE + LOAD.users + 10,
      });
      for (const transport of ['plain', 'tls']) {
        if (IDLE > 0 && PHASES.includes(`idle-${transport}`))
          result.idle[transport] = await idleTest(server, prepared, transport, mailboxes, errors);
      }
      if (PHASES.includes('load')) result.load = await loadTest(server, prepared, mailboxes, errors, context);
    } catch (err) {
      log(`   FAILED: ${err.stack ?? err.message}`);
      result.error = err.message;
    }
    result.protocolErrors = errors.count;
    result.protocolErrorSamples = errors.samples;
    if (errors.count > 0)
      log(`   ${errors.count} protocol error(s), first: ${errors.samples.join('\n     ')}`);
    results.push(result);
    await cleanupAll(); // this server's processes and temp dir, before the next one starts
  }

  const text = buildReport(results, loadBefore, context);
  process.stdout.write(`\n${text}\n`);
  const profile = results.find((result) => result.load?.cpuProfile)?.load.cpuProfile;
  if (profile) process.stdout.write(`\n${formatProfile(profile, 15)}\n`);
  const file = await saveResults(results, context);
  process.stdout.write(`\nresults: ${path.relative(process.cwd(), file)}\n`);
  if (results.some((result) => result.protocolErrors > 0 || result.error)) process.exitCode = 1;
}

/**
 * A fresh server process; after a warm-up (one connection per mailbox through LOGIN, SELECT and
 * IDLE, then closed) `IDLE` connections are opened and put in IDLE, a quarter at a time, and the
 * server's memory is measured before and after each quarter, once it has settled for a second. RSS
 * is the summed VmRSS of the process tree (Mailwright: node + redis-server; Dovecot: master,
 * helpers, and its imap and imap-login processes), PSS the same with shared pages divided among
 * the processes sharing them. The cost per connection is the slope of memory over connections from
 * the first quarter to the last (least squares over the four points): a garbage collection of what
 * start-up and warm-up left behind, which moves a Node process by 10-20 MB either way, then shifts
 * the baseline without skewing the slope; (after - before) / connections is kept in the JSON.
 */
async function idleTest(server, prepared, transport, mailboxes, errors) {
  const port = await freePort();
  const tlsPort = await freePort();
  log(`   idle ${transport}: starting the server...`);
  const handle = await prepared.start({ port, tlsPort });
  const secure = transport === 'tls';
  const target = { port: secure ? tlsPort : port, secure, mailboxes, password: PASSWORD, errors };
  const connections = [];
  try {
    await sleep(1000); // Dovecot forks its helpers after it listens
    const warm = await openIdleConnections({ ...target, count: mailboxes.length });
    closeAll(warm.connections);
    await sleep(1500);
    const points = [{ connections: 0, ...(await memory(handle)) }];
    log(`   idle ${transport}: opening ${IDLE} connections (RSS before ${mb(points[0].rss)} MB)...`);
    let seconds = 0;
    for (let quarter = 1; quarter <= 4; quarter += 1) {
      const offset = Math.round(((quarter - 1) * IDLE) / 4);
      const count = Math.round((quarter * IDLE) / 4) - offset;
      const opened = await openIdleConnections({ ...target, count, offset });
      connections.push(...opened.connections);
      seconds += opened.seconds;
      await sleep(1000);
      points.push({ connections: connections.length, ...(await memory(handle)) });
      log(
        `     ${connections.length} idle: RSS ${mb(points.at(-1).rss)} MB, PSS ${mb(points.at(-1).pss)} MB`,
      );
    }
    const { idle: alive, reasons } = stillIdle(connections);
    if (alive < IDLE)
      errors.add(
        `idle ${transport}`,
        `${IDLE - alive} of ${IDLE} connections not idle at the end: ${reasons.join(', ')}`,
      );
    const problems = (await handle.problems?.()) ?? [];
    for (const line of problems) log(`   server log: ${line}`);
    const before = points[0];
    const after = points.at(-1);
    const slope = (key) => slopeOf(points.slice(1).map((point) => [point.connections, point[key]]));
    const result = {
      connections: IDLE,
      idle: alive,
      setupSeconds: seconds,
      points,
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
      processesAfter: after.processes,
      serverLog: problems,
      rssPerConnectionBytes: slope('rss'),
      pssPerConnectionBytes: slope('pss'),
      rssGrowthPerConnectionBytes: (after.rss - before.rss) / Math.max(1, connections.length),
      pssGrowthPerConnectionBytes: (after.pss - before.pss) / Math.max(1, connections.length),
    };
    log(
      `   idle ${transport}: ${alive}/${IDLE} idle after ${seconds.toFixed(1)} s of setup; ` +
        `${kb(result.rssPerConnectionBytes)} KB RSS, ${kb(result.pssPerConnectionBytes)} KB PSS per connection ` +
        `(growth/connections: ${kb(result.rssGrowthPerConnectionBytes)} KB RSS; ${after.processes} processes)`,
    );
    return result;
  } finally {
    closeAll(connections);
    await handle.stop();
  }
}

/** The least-squares slope of y over x. */
function slopeOf(points) {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/**
 * RSS and PSS of the server's process trees, the median of three samples 300 ms apart (the tree is
 * walked once per sample: Dovecot has thousands of processes here).
 */
async function memory(handle) {
  const samples = [];
  for (let i = 0; i < 3; i += 1) {
    if (i > 0) await sleep(300);
    const sample = { rss: 0, pss: 0, processes: 0 };
    for (const root of await handle.rootPids()) {
      for (const pid of await processTree(root)) {
        sample.rss += await statusBytes(pid, 'VmRSS');
        sample.pss += await rollupBytes(pid, 'Pss');
        sample.processes += 1;
      }
    }
    samples.push(sample);
  }
  return {
    rss: median(samples.map((sample) => sample.rss)),
    pss: median(samples.map((sample) => sample.pss)),
    processes: Math.max(...samples.map((sample) => sample.processes)),
  };
}

/** A fresh server process: a SEARCH probe, an untimed warm-up pass, the timed runs. */
async function loadTest(server, prepared, mailboxes, errors, context) {
  const port = await freePort();
  const tlsPort = await freePort();
  const cpuProfile = server.id === 'mailwright' && env.MW_BENCH_CPU_PROF === '1';
  log('   load: starting the server...');
  const handle = await prepared.start({ port, tlsPort, cpuProfile });
  const rss = sampleTreeRss(handle.rootPids);
  const windows = [];
  try {
    await sleep(1000);
    if (context.search) {
      const supported = await probeSearch({ port, mailbox: mailboxes[0], password: PASSWORD, errors });
      if (!supported) {
        context.search = false;
        context.searchNote = `${server.label} answered SEARCH UNSEEN with BAD: SEARCH left out of the mix for every server`;
        log(`   ${context.searchNote}`);
      }
    }
    const pass = async (number, ops) =>
      runImapLoad({
        port,
        mailboxes,
        password: PASSWORD,
        ops,
        seconds: number === 0 ? undefined : LOAD.seconds,
        pass: number,
        search: context.search,
        errors,
      });
    log(`   load: warm-up (${WARMUP_OPS} operations per session)...`);
    await pass(0, WARMUP_OPS);
    const runs = [];
    const latencies = {};
    for (let run = 1; run <= LOAD.runs; run += 1) {
      const result = await pass(run, LOAD.ops);
      windows.push(result.window);
      for (const [kind, samples] of Object.entries(result.latencies))
        (latencies[kind] ??= []).push(...samples);
      runs.push({
        seconds: result.seconds,
        commands: result.commands,
        operations: result.operations,
        commandsPerSecond: result.commands / result.seconds,
      });
      log(
        `   run ${run}: ${runs.at(-1).commandsPerSecond.toFixed(0)} commands/s ` +
          `(${result.commands} commands in ${result.seconds.toFixed(2)} s), ${errors.count} protocol errors so far`,
      );
    }
    const { peakBytes } = await rss.stop();
    const perKind = {};
    for (const kind of COMMAND_KINDS) {
      const samples = latencies[kind] ?? [];
      if (samples.length === 0) continue;
      perKind[kind] = {
        count: samples.length,
        p50Ms: percentile(samples, 50),
        p99Ms: percentile(samples, 99),
      };
    }
    await handle.stop();
    let profile;
    if (cpuProfile && handle.profileDir) {
      const file = await newestProfile(handle.profileDir, 'CPU.');
      if (file) {
        log(`   CPU profile: ${path.relative(process.cwd(), file)}`);
        profile = await summarizeCpuProfile(file, windows, 25);
      }
    }
    return {
      runs,
      commandsPerSecond: median(runs.map((run) => run.commandsPerSecond)),
      latency: perKind,
      peakRssBytes: peakBytes,
      cpuProfile: profile,
    };
  } finally {
    await rss.stop();
    await handle.stop();
  }
}

/** One certificate for both servers (EC P-256, self-signed for localhost), so TLS costs the same. */
async function makeCertificate(dir) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const result = await runCommand('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '7',
    '-subj',
    '/CN=localhost',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  if (result.code !== 0) throw new Error(`openssl could not make the bench certificate:\n${result.stderr}`);
  await chmod(key, 0o644); // read by Dovecot's config process; a throwaway key in a temp dir
  return { key, cert };
}

/**
 * The bench and each server need a descriptor per connection: the soft limit (`ulimit -n`) must
 * exceed the idle connections, or the test fails half-way with EMFILE.
 */
async function checkFileLimit(connections) {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Infinity);
  const needed = connections + 1000;
  log(`open files limit (ulimit -n): ${soft}; ${connections} idle connections need about ${needed}`);
  if (soft < needed) {
    throw new Error(
      `ulimit -n is ${soft}, too low for ${connections} connections: run "ulimit -n ${needed}" ` +
        '(raise the hard limit in /etc/security/limits.conf if that fails) or set MW_BENCH_IDLE lower',
    );
  }
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const kb = (bytes) => (Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : '-');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : null);

function buildReport(results, loadBefore, context) {
  const mw = results.find((result) => result.id === 'mailwright');
  const lines = [
    `IMAP: ${LOAD.users} mailboxes x ${LOAD.perUser} messages of ${LOAD.size} octets; ` +
      `${os.cpus().length} CPUs, node ${process.version}`,
    '',
  ];
  const mix = MIX.filter(({ op }) => context.search || op !== 'search')
    .map(({ op, weight }) => `${op} ${weight}`)
    .join(', ');

  if (results.some((result) => result.load)) {
    lines.push(
      `Load: ${LOAD.users} concurrent sessions, ${LOAD.seconds ? `${LOAD.seconds} s` : `${LOAD.ops} operations`} ` +
        `each, ${LOAD.runs === 1 ? '1 timed run' : `median of ${LOAD.runs} runs`}; mix (weights): ${mix}`,
    );
    if (context.searchNote) lines.push(`NOTE: ${context.searchNote}`);
    lines.push('');
    const rows = results.map((result) => ({
      server: result.label,
      cps: result.load ? result.load.commandsPerSecond.toFixed(0) : 'error',
      runs: result.load?.runs.map((run) => run.commandsPerSecond.toFixed(0)).join(' '),
      errors: result.protocolErrors,
      rss: result.load ? mb(result.load.peakRssBytes) : null,
      ratio: ratio(mw?.load?.commandsPerSecond, result.load?.commandsPerSecond),
    }));
    lines.push(
      formatTable(
        [
          { key: 'server', title: 'server' },
          { key: 'cps', title: 'ops/s' },
          { key: 'runs', title: 'ops/s per run', align: 'right' },
          { key: 'errors', title: 'protocol errors' },
          { key: 'rss', title: 'peak RSS MB' },
          { key: 'ratio', title: 'MW/this' },
        ],
        rows,
      ),
      '',
    );
    const withLoad = results.filter((result) => result.load);
    const latencyRows = COMMAND_KINDS.filter((kind) =>
      withLoad.some((result) => result.load.latency[kind]),
    ).map((kind) => {
      const row = { kind };
      for (const result of withLoad) {
        const entry = result.load.latency[kind];
        row[`${result.id}-n`] = entry?.count;
        row[`${result.id}-p50`] = entry?.p50Ms.toFixed(2);
        row[`${result.id}-p99`] = entry?.p99Ms.toFixed(2);
      }
      return row;
    });
    lines.push(
      formatTable(
        [
          { key: 'kind', title: 'command (ms)' },
          ...withLoad.flatMap((result) => [
            { key: `${result.id}-n`, title: `${result.id} n` },
            { key: `${result.id}-p50`, title: `${result.id} p50` },
            { key: `${result.id}-p99`, title: `${result.id} p99` },
          ]),
        ],
        latencyRows,
      ),
      '',
    );
  }

  const idleRows = [];
  for (const transport of ['plain', 'tls']) {
    for (const result of results) {
      const idle = result.idle[transport];
      if (!idle) continue;
      const mine = mw?.idle[transport];
      idleRows.push({
        server: result.label,
        transport,
        idle: `${idle.idle}/${idle.connections}`,
        setup: idle.setupSeconds.toFixed(1),
        before: mb(idle.rssBeforeBytes),
        after: mb(idle.rssAfterBytes),
        rss: kb(idle.rssPerConnectionBytes),
        pss: kb(idle.pssPerConnectionBytes),
        processes: idle.processesAfter,
        ratio: ratio(mine?.rssPerConnectionBytes, idle.rssPerConnectionBytes),
        pssRatio: ratio(mine?.pssPerConnectionBytes, idle.pssPerConnectionBytes),
      });
    }
  }
  if (idleRows.length > 0) {
    lines.push(
      `Idle connections: ${IDLE} per test, each logged in with INBOX selected and in IDLE; a fresh server per test.`,
      '',
      formatTable(
        [
          { key: 'server', title: 'server' },
          { key: 'transport', title: 'transport' },
          { key: 'idle', title: 'idle at end' },
          { key: 'setup', title: 'setup s' },
          { key: 'before', title: 'RSS MB before' },
          { key: 'after', title: 'RSS MB after' },
          { key: 'rss', title: 'RSS KB/conn' },
          { key: 'pss', title: 'PSS KB/conn' },
          { key: 'processes', title: 'processes' },
          { key: 'ratio', title: 'MW/this RSS' },
          { key: 'pssRatio', title: 'MW/this PSS' },
        ],
        idleRows,
      ),
      '',
    );
  }

  const targets = [];
  const dovecot = results.find((result) => result.id === 'dovecot');
  if (mw?.load && dovecot?.load) {
    const value = mw.load.commandsPerSecond / dovecot.load.commandsPerSecond;
    targets.push(
      `${value >= 1 ? 'PASS' : 'FAIL'}  throughput Mailwright/Dovecot ${value.toFixed(2)}x (target >= 1.00x): ` +
        `${mw.load.commandsPerSecond.toFixed(0)} vs ${dovecot.load.commandsPerSecond.toFixed(0)} ops/s`,
    );
  }
  if (mw?.idle.plain) {
    const perConnection = mw.idle.plain.rssPerConnectionBytes / 1024;
    targets.push(
      `${perConnection < 30 ? 'PASS' : 'FAIL'}  Mailwright idle plain connection ${perConnection.toFixed(1)} KB RSS (target < 30 KB)`,
    );
  }
  const errorTotal = results.reduce((sum, result) => sum + result.protocolErrors, 0);
  targets.push(
    `${errorTotal === 0 ? 'PASS' : 'FAIL'}  protocol errors: ${results.map((result) => `${result.id} ${result.protocolErrors}`).join(', ')}`,
  );
  lines.push(...targets, '');
  for (const result of results) {
    if (result.error) lines.push(`${result.label} failed: ${result.error}`);
    for (const sample of result.protocolErrorSamples) lines.push(`  ${result.id} protocol error: ${sample}`);
  }
  lines.push(
    ...busyWarning(loadBefore),
    'ops/s: IMAP commands (every command one operation; see bench/imap/load.js) / time from all sessions',
    'selected to the last LOGOUT answered. MW/this: Mailwright divided by this server (above 1.00x: Mailwright faster).',
    'Latency: from writing the command to reading its tagged response, no pipelining, over all timed runs.',
    "Idle: memory per connection, the slope from 1/4 to all connections open, of the server's process tree",
    '(Mailwright: node + redis-server; Dovecot: master, helpers, one imap process per connection and, over TLS,',
    'its imap-login proxy). RSS counts shared pages once per process, which overstates multi-process',
    'Dovecot; PSS divides them among the sharers. MW/this for memory: below 1.00x Mailwright uses less.',
  );
  return lines.join('\n');
}

async function saveResults(results, context) {
  return writeResults('imap', {
    machine: machineInfo({ mailwrightBuild: env.MW_BENCH_BUILD ?? 'dist', dovecot: await dovecotVersion() }),
    load: {
      ...LOAD,
      appendSize: APPEND_SIZE,
      warmupOps: WARMUP_OPS,
      idleConnections: IDLE,
      phases: PHASES,
      mix: MIX.filter(({ op }) => context.search || op !== 'search'),
      searchNote: context.searchNote,
    },
    results: results.map((result) => ({
      ...result,
      load: result.load && {
        ...result.load,
        commandsPerSecond: round(result.load.commandsPerSecond),
      },
    })),
  });
}

main()
  .catch((err) => {
    log(`bench/imap: ${err.stack ?? err}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanupAll();
    await sleep(0);
  });
