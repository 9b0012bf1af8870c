/**
 * Writes that survive a crash: temp file + fsync + rename + directory fsync for replacements, and
 * fsynced appends of whole lines for journals. A reader sees the old file or the new one, never a mix.
 */
import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FileModes } from './modes.js';

/** Where temp files go, and the modes new files and directories get (a Layout is one). */
export interface WritePlace {
  readonly tmp: string;
  readonly modes: FileModes;
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temp names carry the writer's PID so that `open()` can sweep those of dead processes. */
export function tempName(tmpDir: string): string {
  return path.join(tmpDir, `${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
}

const WRITE_BATCH = 64 * 1024;

/** Writes `content` to a new temp file in `place.tmp` and fsyncs it; resolves its path and size. */
export async function writeTemp(
  place: WritePlace,
  content: Buffer | string | Readable,
  mode = place.modes.file,
): Promise<{ temp: string; size: number }> {
  const temp = tempName(place.tmp);
  const handle = await fs.open(temp, 'wx', mode);
  let size = 0;
  try {
    if (typeof content === 'string' || Buffer.isBuffer(content)) {
      const buf = Buffer.from(content);
      await handle.writeFile(buf);
      size = buf.length;
    } else {
      // Small chunks are gathered into one write of up to WRITE_BATCH bytes: a 50 MB body is
      // never held whole, and a 10 KB one that arrives in pieces costs one write.
      let batch: Buffer[] = [];
      let batched = 0;
      for await (const chunk of content) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        batch.push(buf);
        batched += buf.length;
        size += buf.length;
        if (batched >= WRITE_BATCH) {
          await handle.writev(batch);
          batch = [];
          batched = 0;
        }
      }
      if (batched > 0) await handle.writev(batch);
    }
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  return { temp, size };
}

/** Atomically replaces `target` with `content`; parent directories are created as needed. */
export async function writeAtomic(
  place: WritePlace,
  target: string,
  content: Buffer | string | Readable,
  mode = place.modes.file,
): Promise<number> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true, mode: place.modes.dir });
  const { temp, size } = await writeTemp(place, content, mode);
  try {
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
  return size;
}

/** Where an append landed: the file's identity (inode and birth time) and the offset it starts at. */
export interface AppendedRange {
  id: string;
  from: number;
}

/**
 * Appends whole lines to a journal and fsyncs. Caller holds the journal's lock. A tail left without
 * its newline by a crash is cut off first, so the new lines never join a torn one.
 */
export async function appendLines(file: string, text: string, modes: FileModes): Promise<AppendedRange> {
  let created = false;
  let handle;
  try {
    handle = await fs.open(file, constants.O_RDWR | constants.O_APPEND);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await fs.mkdir(path.dirname(file), { recursive: true, mode: modes.dir });
    handle = await fs.open(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, modes.file);
    created = true;
  }
  let range: AppendedRange;
  try {
    const stat = await handle.stat();
    let from = stat.size;
    if (from > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, from - 1);
      if (last[0] !== 0x0a) {
        from = await lastNewlineEnd(handle, from);
        await handle.truncate(from);
      }
    }
    await handle.write(text);
    await handle.datasync();
    range = { id: fileIdentity(stat), from };
  } finally {
    await handle.close();
  }
  if (created) await fsyncDir(path.dirname(file));
  return range;
}

/** Inode and birth time together tell a replaced (compacted, re-created) file from a grown one. */
export function fileIdentity(stat: { ino: number; birthtimeMs: number }): string {
  return `${stat.ino}:${stat.birthtimeMs}`;
}

async function lastNewlineEnd(handle: fs.FileHandle, size: number): Promise<number> {
  const window = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - window.length);
    const { bytesRead } = await handle.read(window, 0, end - start, start);
    const at = window.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

export async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Makes many freshly written files and directories durable at once: one syncfs(2) of the file
 * system (`sync -f`) instead of an fsync per path, which is what makes bulk account creation fast.
 * Falls back to fsyncing each path where `sync -f` is unavailable.
 */
export async function syncPaths(root: string, paths: { files: string[]; dirs: string[] }): Promise<void> {
  const synced = await new Promise<boolean>((resolve) =>
    execFile('sync', ['-f', root], (err) => resolve(!err)),
  );
  if (synced) return;
  await Promise.all(paths.files.map(fsyncFile));
  await Promise.all(paths.dirs.map(fsyncDir));
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
