/**
 * A fuzz campaign against one running server: generates the cases of a seed, drives them over a
 * few concurrent connections, and collects findings: a case the server did not answer or close in
 * time, the process gone, an unexpected error counted in `mailwright_connection_errors_total`.
 * Memory is sampled throughout. Each case is rebuilt from (seed, index) alone, so a finding
 * prints what is needed to replay it.
 */
import { drive, planDelivery, type Bounds, type DeliveryPlan, type FuzzCase } from './driver.js';
import type { FuzzServer } from './fuzz-server.js';
import { Rng } from './prng.js';

export interface FuzzSettings {
  seed: number;
  /** Cases to run (a run also stops at its deadline). */
  cases: number;
  /** Deadline of the whole run, in seconds. */
  seconds: number;
  /** Connections at once. */
  concurrency: number;
  /** Only this case (replaying a finding). */
  only?: number;
}

/**
 * The fixed defaults, overridden by MW_FUZZ_SEED, MW_FUZZ_CASES, MW_FUZZ_SECONDS (a time budget:
 * cases run until it is spent), MW_FUZZ_CONCURRENCY and MW_FUZZ_ONLY.
 */
export function fuzzSettings(defaults: { seed: number; cases: number }): FuzzSettings {
  const env = (name: string): number | undefined => {
    const text = process.env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${text}: expected a whole number`);
    return value;
  };
  const seconds = env('MW_FUZZ_SECONDS');
  return {
    seed: env('MW_FUZZ_SEED') ?? defaults.seed,
    cases: env('MW_FUZZ_CASES') ?? (seconds === undefined ? defaults.cases : Number.MAX_SAFE_INTEGER),
    // Without a time budget the case count decides; the deadline only stops a run gone wrong.
    seconds: seconds ?? 300,
    concurrency: env('MW_FUZZ_CONCURRENCY') ?? 12,
    only: env('MW_FUZZ_ONLY'),
  };
}

export interface Campaign {
  /** Names the test file in the replay command (`pop3` for test/fuzz/pop3.fuzz.test.ts). */
  target: string;
  server: FuzzServer;
  generate(rng: Rng): FuzzCase;
  bounds: Bounds;
}

export interface CampaignReport {
  /** Cases run. */
  cases: number;
  /** One readable paragraph per finding; empty when the server held. */
  findings: string[];
  /** Connection errors counted during the run, by protocol. */
  connectionErrors: Map<string, number>;
  /** The server's resident memory (KiB) at the start, after the warm-up cases, at its peak, at the end. */
  rss: { startKiB: number; warmKiB: number; peakKiB: number; endKiB: number };
  ms: number;
}

export async function runCampaign(campaign: Campaign, settings: FuzzSettings): Promise<CampaignReport> {
  const { server } = campaign;
  const started = Date.now();
  const deadline = started + settings.seconds * 1000;
  const findings: string[] = [];
  const errorsBefore = await server.connectionErrors();
  let errorsSeen = total(errorsBefore);
  let errorLinesSeen = server.errorLog().length;
  const indexes =
    settings.only === undefined
      ? { next: 0, end: settings.cases }
      : { next: settings.only, end: settings.only + 1 };
  // Growth is measured from the end of a warm-up: the first cases fill caches, code and the
  // allocator arenas of libuv's threads (scrypt takes 16 MiB a login) for good.
  const warmup = Math.min(50, Math.floor((indexes.end - indexes.next) / 10));
  const rss = { startKiB: server.rssKiB(), warmKiB: 0, peakKiB: 0, endKiB: 0 };
  rss.warmKiB = rss.startKiB;
  let ran = 0;
  /** Cases started since the last look at the error counter: the suspects of a new error. */
  let suspects: number[] = [];
  const inFlight = new Set<number>();

  const replay = (index: number): string =>
    `MW_FUZZ_SEED=${settings.seed} MW_FUZZ_ONLY=${index} node scripts/run-tests.js ${campaign.target}.fuzz`;

  const runOne = async (index: number): Promise<void> => {
    const rng = Rng.forCase(settings.seed, index);
    const fuzzCase = campaign.generate(rng);
    const plan = planDelivery(rng, fuzzCase.input.length, campaign.bounds);
    const outcome = await drive(server.port(fuzzCase.listener), fuzzCase, plan, campaign.bounds);
    if (outcome.problem)
      findings.push(
        describeCase(
          index,
          fuzzCase,
          plan,
          `${outcome.problem}; the server sent ${outcome.received} octets, starting ${JSON.stringify(outcome.head)}`,
          replay(index),
        ),
      );
  };

  /** After each case: is the process up, did it count an error, how big is it. */
  const check = async (): Promise<boolean> => {
    if (!server.alive()) {
      findings.push(
        `the server process ${server.exitStatus()} while cases ${[...inFlight, ...suspects].join(', ')} ran (seed ${settings.seed}); replay each with ${replay(suspects[0] ?? 0)}`,
      );
      return false;
    }
    const rssKiB = server.rssKiB();
    if (ran === warmup) rss.warmKiB = rssKiB;
    rss.peakKiB = Math.max(rss.peakKiB, rssKiB);
    const looked = suspects;
    suspects = [...inFlight];
    const errors = total(await server.connectionErrors());
    if (errors > errorsSeen) {
      const log = server.errorLog();
      findings.push(
        `${errors - errorsSeen} unexpected connection error(s) counted while cases ${looked.join(', ')} ran ` +
          `(seed ${settings.seed}; replay each with MW_FUZZ_ONLY). The server logged:\n` +
          log
            .slice(errorLinesSeen)
            .map((line) => `  ${line.slice(0, 600)}`)
            .join('\n'),
      );
      errorsSeen = errors;
      errorLinesSeen = log.length;
    }
    return true;
  };

  const worker = async (): Promise<void> => {
    while (indexes.next < indexes.end && Date.now() < deadline) {
      const index = indexes.next++;
      inFlight.add(index);
      suspects.push(index);
      try {
        await runOne(index);
      } finally {
        inFlight.delete(index);
      }
      ran += 1;
      if (!(await check())) {
        indexes.end = indexes.next; // the process is gone: stop every worker
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, worker));

  const errorsAfter = server.alive() ? await server.connectionErrors() : errorsBefore;
  if (server.alive()) rss.endKiB = server.rssKiB();
  return {
    cases: ran,
    findings,
    connectionErrors: new Map(
      [...errorsAfter].map(([protocol, count]) => [protocol, count - (errorsBefore.get(protocol) ?? 0)]),
    ),
    rss,
    ms: Date.now() - started,
  };
}

function total(counts: Map<string, number>): number {
  return [...counts.values()].reduce((sum, count) => sum + count, 0);
}

/** Octets of input printed in full; a longer input is rebuilt from the seed. */
const PRINTED_OCTETS = 4096;

function describeCase(
  index: number,
  fuzzCase: FuzzCase,
  plan: DeliveryPlan,
  problem: string,
  replay: string,
): string {
  const input = Buffer.from(fuzzCase.input, 'latin1');
  const shown = input.subarray(0, PRINTED_OCTETS);
  return [
    `case ${index} (${fuzzCase.label}) on ${fuzzCase.listener}: ${problem}`,
    `  delivery: ${plan.writes.length} write(s), then ${plan.ending}${fuzzCase.awaitGreeting ? ', after the greeting' : ', without waiting for the greeting'}`,
    `  input: ${input.length} octets${input.length > PRINTED_OCTETS ? ` (first ${PRINTED_OCTETS} shown)` : ''}, base64 ${shown.toString('base64')}`,
    `  as text: ${JSON.stringify(shown.toString('latin1'))}`,
    `  replay: ${replay}`,
  ].join('\n');
}
