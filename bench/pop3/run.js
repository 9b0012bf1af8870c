#!/usr/bin/env node
/**
 * bench/pop3: RETR throughput (messages/s and MB/s) for 1,000 messages of 10 KB over 20
 * concurrent sessions, Mailwright and Dovecot's POP3 each started here on loopback in the same
 * run, with the ratios. See bench/README.md.
 *
 *   npm run build && node bench/pop3/run.js
 *
 * Environment:
 *   MW_BENCH_QUICK=1        1 timed run per server (instead of the median of 3)
 *   MW_BENCH_MESSAGES=N     messages in all, spread over the 20 mailboxes (default 1,000)
 *   MW_BENCH_RUNS=N         timed runs per server
 *   MW_BENCH_ONLY=a,b       only these servers (mailwright, dovecot)
 *   MW_BENCH_BUILD=dir      run Mailwright from another tsc output dir than dist/
 *   MW_BENCH_CPU_PROF=1     write a CPU profile of the Mailwright server into bench/results/ and
 *                           print where its time went
 */
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupAll, cleanupOnSignals } from '../lib/cleanup.js';
import { freePort } from '../lib/ports.js';
import { sampleTreeRss, treeRss } from '../lib/rss.js';
import { median, percentile, round } from '../lib/stats.js';
import { formatProfile } from '../lib/profile-table.js';
import { formatTable } from '../lib/table.js';
import { tempDir } from '../lib/tempdir.js';
import { runPop3Load, verifyResponses } from './client.js';
import { newestProfile, summarizeCpuProfile } from './cpu-profile.js';
import { buildMailboxes, PASSWORD } from './messages.js';
import { dovecotVersion, installDovecot } from './servers/dovecot.js';
import { SERVERS } from './servers/index.js';
import { busyWarning, machineInfo } from '../lib/load.js';
import { log, selectedServers, writeResults } from '../lib/run.js';

const env = process.env;
const QUICK = env.MW_BENCH_QUICK === '1';
const SESSIONS = 20;
const MESSAGES = Number(env.MW_BENCH_MESSAGES ?? 1000);
const LOAD = {
  users: SESSIONS,
  perUser: Math.max(1, Math.round(MESSAGES / SESSIONS)),
  size: 10240,
};
const RUNS = Number(env.MW_BENCH_RUNS ?? (QUICK ? 1 : 3));

async function main() {
  cleanupOnSignals();
  const servers = selectedServers(SERVERS);
  if (servers.some((server) => server.id === 'dovecot')) {
    if (process.getuid?.() !== 0)
      throw new Error('the Dovecot instance needs root (its master drops privileges)');
    await installDovecot();
  }
  const mailboxes = buildMailboxes(LOAD);
  const total = LOAD.users * LOAD.perUser;
  log(
    `load: ${LOAD.users} concurrent sessions, one mailbox each with ${LOAD.perUser} x ${LOAD.size} octets ` +
      `(${total} messages); per session LIST, RETR of every message, QUIT; ` +
      `1 warm-up pass and ${RUNS} timed run(s) per server`,
  );

  const loadBefore = os.loadavg()[0];
  const results = [];
  for (const server of servers) {
    log(`\n== ${server.label}`);
    try {
      results.push({ id: server.id, label: server.label, ...(await benchServer(server, mailboxes)) });
    } catch (err) {
      log(`   FAILED: ${err.message}`);
      results.push({ id: server.id, label: server.label, error: err.message });
    }
    await cleanupAll(); // this server's processes and temp dir, before the next one starts
  }

  const text = buildReport(results, loadBefore, total);
  process.stdout.write(`\n${text}\n`);
  const profile = results.find((result) => result.cpuProfile)?.cpuProfile;
  if (profile) process.stdout.write(`\n${formatProfile(profile)}\n`);
  const file = await saveResults(results);
  process.stdout.write(`\nresults: ${path.relative(process.cwd(), file)}\n`);
}

/** One server: store the mail, start, warm up, timed runs, stop. */
async function benchServer(server, mailboxes) {
  const dir = await tempDir(`mw-bench-pop3-${server.id}-`);
  const port = await freePort();
  log(`   storing ${mailboxes.length * LOAD.perUser} messages and starting the server...`);
  const handle = await server.start({ dir, port, mailboxes, password: PASSWORD });
  const rootRss = async () => {
    let total = 0;
    for (const pid of await handle.rootPids()) total += await treeRss(pid);
    return total;
  };
  // Dovecot's master listens before it has forked its helpers (log, config, auth, anvil, stats).
  await sleep(1000);
  const startRssBytes = await rootRss();
  const rss = sampleTreeRss(handle.rootPids);
  // Dovecot's per-session processes can live shorter than the sampling interval; with all
  // sessions logged in, every session's memory exists at once, so that moment is sampled too.
  let loggedInRssBytes = 0;
  const whenLoggedIn = async () => {
    loggedInRssBytes = Math.max(loggedInRssBytes, await rootRss());
  };
  const pass = async () => {
    const load = await runPop3Load({ port, mailboxes, password: PASSWORD, whenLoggedIn });
    verifyResponses(load.responses, mailboxes);
    return load;
  };
  try {
    // Untimed: JIT warm-up, Mailwright's size cache, Dovecot's index files and its move of the
    // files from new/ to cur/ (a first POP3 session does that once).
    await pass();

    const runs = [];
    const latencies = [];
    const windows = [];
    const logins = [];
    for (let run = 1; run <= RUNS; run += 1) {
      const load = await pass();
      latencies.push(...load.retrLatenciesMs);
      windows.push(load.window);
      logins.push(...load.loginMs);
      runs.push({
        seconds: load.seconds,
        messages: load.messages,
        octets: load.octets,
        messagesPerSecond: load.messages / load.seconds,
        megabytesPerSecond: load.octets / load.seconds / 1e6,
      });
      log(
        `   run ${run}: ${runs.at(-1).messagesPerSecond.toFixed(0)} msg/s, ` +
          `${runs.at(-1).megabytesPerSecond.toFixed(1)} MB/s (${load.seconds.toFixed(3)} s)`,
      );
    }
    const { peakBytes } = await rss.stop();
    return {
      runs,
      messagesPerSecond: median(runs.map((run) => run.messagesPerSecond)),
      megabytesPerSecond: median(runs.map((run) => run.megabytesPerSecond)),
      retrLatency: {
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: percentile(latencies, 100),
        samples: latencies.length,
      },
      loginMs: { p50: percentile(logins, 50), max: percentile(logins, 100) },
      peakRssBytes: Math.max(peakBytes, loggedInRssBytes),
      startRssBytes,
      ...(await stopAndProfile(server, handle, windows)),
    };
  } finally {
    await rss.stop();
    await handle.stop();
  }
}

/**
 * Stops the server; for Mailwright under MW_BENCH_CPU_PROF=1, summarises the profile it wrote on
 * exit, cut to the timed `windows` (no start-up, store filling or warm-up).
 */
async function stopAndProfile(server, handle, windows) {
  await handle.stop();
  if (server.id !== 'mailwright' || env.MW_BENCH_CPU_PROF !== '1') return {};
  const file = handle.profileDir && (await newestProfile(handle.profileDir, 'CPU.'));
  if (!file) return {};
  log(`   CPU profile: ${path.relative(process.cwd(), file)}`);
  return { cpuProfile: await summarizeCpuProfile(file, windows) };
}

function buildReport(results, loadBefore, total) {
  const mw = results.find((result) => result.id === 'mailwright' && !result.error);
  const rows = results.map((result) =>
    result.error
      ? { server: result.label, msgs: 'error' }
      : {
          server: result.label,
          msgs: result.messagesPerSecond.toFixed(0),
          mbs: result.megabytesPerSecond.toFixed(1),
          p50: result.retrLatency.p50Ms.toFixed(2),
          p99: result.retrLatency.p99Ms.toFixed(2),
          startRss: (result.startRssBytes / 1024 / 1024).toFixed(0),
          rss: (result.peakRssBytes / 1024 / 1024).toFixed(0),
          runs: result.runs.map((run) => run.messagesPerSecond.toFixed(0)).join(' '),
          ratio: mw ? `${(mw.messagesPerSecond / result.messagesPerSecond).toFixed(2)}x` : null,
        },
  );
  const columns = [
    { key: 'server', title: 'server' },
    { key: 'msgs', title: 'msg/s' },
    { key: 'mbs', title: 'MB/s' },
    { key: 'p50', title: 'RETR p50 ms' },
    { key: 'p99', title: 'RETR p99 ms' },
    { key: 'startRss', title: 'RSS MB at start' },
    { key: 'rss', title: 'peak RSS MB' },
    { key: 'runs', title: 'msg/s per run', align: 'right' },
    { key: 'ratio', title: 'MW/this' },
  ];
  const lines = [
    `POP3: ${total} x ${LOAD.size / 1024} KB messages, ${LOAD.users} concurrent sessions (one mailbox each), ` +
      `LIST + RETR all + QUIT, ${RUNS === 1 ? '1 run' : `median of ${RUNS} runs`}; ` +
      `${os.cpus().length} CPUs, node ${process.version}`,
    '',
    formatTable(columns, rows),
    '',
    ...busyWarning(loadBefore),
    'msg/s, MB/s: messages (message octets, 10^6 per MB) / time from all sessions logged in to the last QUIT answered.',
    "MW/this: Mailwright msg/s divided by this server's (above 1.00x: Mailwright is faster; MB/s gives the same ratio).",
    'RETR p50/p99: from writing "RETR n" to reading the final ".", no pipelining, over all timed runs.',
    "RSS: summed VmRSS of the server's process tree (Mailwright: node + redis-server; Dovecot: master and all its",
    'children), once started (nothing served yet) and the peak: sampled every 200 ms and with all 20 sessions logged in.',
  ];
  return lines.join('\n');
}

/** Other work on the machine skews the comparison; say so rather than print confident ratios. */
async function saveResults(results) {
  return writeResults('pop3', {
    machine: machineInfo({ mailwrightBuild: env.MW_BENCH_BUILD ?? 'dist', dovecot: await dovecotVersion() }),
    load: { ...LOAD, sessions: LOAD.users, messages: LOAD.users * LOAD.perUser, runs: RUNS, warmupPasses: 1 },
    results: results.map((result) =>
      result.error
        ? result
        : {
            ...result,
            messagesPerSecond: round(result.messagesPerSecond),
            megabytesPerSecond: round(result.megabytesPerSecond, 2),
          },
    ),
  });
}

main()
  .catch((err) => {
    log(`bench/pop3: ${err.stack ?? err}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanupAll();
    await sleep(0);
  });
