/**
 * One fuzz test file per target declares what differs (plugins and timeouts, the grammar, a
 * well-formed session to try afterwards); this runs the rest: a fresh server in a child process, the
 * seeded campaign, and the verdict.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzSettings, runCampaign } from './campaign.js';
import type { Bounds, FuzzCase } from './driver.js';
import { createFuzzHome, type FuzzHome, type FuzzHomeOptions } from './fuzz-home.js';
import { FuzzServer } from './fuzz-server.js';
import type { Rng } from './prng.js';

/** Growth of the server's resident memory after the warm-up that counts as unbounded. */
const RSS_GROWTH_LIMIT_KIB = 150 * 1024;

export interface FuzzTarget {
  /** As in the file name: test/fuzz/<name>.fuzz.test.ts. */
  name: string;
  /** The server (admin-http is added for /metrics). */
  home: FuzzHomeOptions;
  /** The fixed seed and case count of `npm test`. */
  defaults: { seed: number; cases: number };
  bounds: Bounds;
  generate(rng: Rng): FuzzCase;
  /** A well-formed session the server must still serve after the run; throws if it does not. */
  probe(server: FuzzServer): Promise<void>;
}

export function describeFuzzTarget(target: FuzzTarget): void {
  describe(`${target.name} fuzz`, () => {
    let home: FuzzHome | undefined;
    let server: FuzzServer | undefined;
    before(async () => {
      home = await createFuzzHome({
        ...target.home,
        plugins: { ...target.home.plugins, 'admin-http': target.home.plugins['admin-http'] ?? {} },
      });
      server = await FuzzServer.start(home);
    });
    after(async () => {
      await server?.stop();
      await home?.remove();
    });

    const settings = fuzzSettings(target.defaults);
    it(`answers or closes every connection in time, stays up, bounded (seed ${settings.seed})`, async (t) => {
      const report = await runCampaign(
        { target: target.name, server: server!, generate: target.generate, bounds: target.bounds },
        settings,
      );
      const { rss } = report;
      const growthKiB = rss.endKiB - rss.warmKiB;
      t.diagnostic(
        `${report.cases} cases in ${(report.ms / 1000).toFixed(1)} s; connection errors ` +
          `${JSON.stringify(Object.fromEntries(report.connectionErrors))}; RSS (MiB) start ` +
          `${mib(rss.startKiB)}, after warm-up ${mib(rss.warmKiB)}, peak ${mib(rss.peakKiB)}, end ${mib(rss.endKiB)}`,
      );
      assert.equal(report.findings.length, 0, `findings:\n\n${report.findings.join('\n\n')}`);
      assert.ok(server!.alive(), `the server ${server!.exitStatus()}`);
      await target.probe(server!);
      assert.ok(
        growthKiB < RSS_GROWTH_LIMIT_KIB,
        `the server's RSS grew by ${mib(growthKiB)} MiB after the warm-up`,
      );
    });
  });
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(0);
}
