import cliProgress from 'cli-progress';
import { loadStorageFactory } from '../kernel/plugin-loader.js';
import { fileRootOf } from '../kernel/storage-open.js';
import { refuseHomeAsMailRoot } from '../runtime/home.js';
import type { Storage } from '../ports/storage.js';
import { copyStorage, type CopyKind, type CopyProgress, type CopySummary } from '../runtime/storage-copy.js';

async function openStorage(url: string): Promise<Storage> {
  const fileRoot = fileRootOf(url);
  if (fileRoot !== null) await refuseHomeAsMailRoot(fileRoot);
  const storage = (await loadStorageFactory(url, undefined, process.cwd()))(url);
  await storage.open();
  return storage;
}

/** One progress bar per phase, on stderr; silent when stderr is not a terminal. */
function progressBars(): CopyProgress & { stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format: '{kind} [{bar}] {value}/{total}',
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  let done = 0;
  return {
    begin(kind: CopyKind, total: number) {
      if (running) bar.stop();
      done = 0;
      bar.start(total, 0, { kind: kind.padEnd(15) });
      running = true;
    },
    step() {
      done++;
      // Phases whose size is not known up front (events) grow their total as they go.
      if (done > bar.getTotal()) bar.setTotal(done);
      bar.update(done);
    },
    stop() {
      if (running) bar.stop();
    },
  };
}

export function formatSummary(summary: CopySummary): string {
  const rows = Object.entries(summary).map(
    ([kind, { copied, skipped }]) =>
      `  ${kind.padEnd(16)} ${String(copied).padStart(8)} copied ${String(skipped).padStart(8)} already there`,
  );
  return `storage copy finished\n${rows.join('\n')}\n`;
}

/** `mailwright storage copy --from URL --to URL` */
export async function storageCopyCommand(opts: { from: string; to: string }): Promise<void> {
  if (opts.from === opts.to) throw new Error('--from and --to name the same storage');
  const from = await openStorage(opts.from);
  const to = await openStorage(opts.to).catch(async (err: unknown) => {
    await from.close();
    throw err;
  });
  const progress = progressBars();
  try {
    const summary = await copyStorage(from, to, progress);
    progress.stop();
    process.stdout.write(formatSummary(summary));
  } finally {
    progress.stop();
    await Promise.all([from.close(), to.close()]);
  }
}
