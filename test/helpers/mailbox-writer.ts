/**
 * Drives test/helpers/mailbox-writer-process.ts, a process of its own changing mail (as a delivery
 * worker or another front does): one JSON command, one JSON answer.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WRITER = fileURLToPath(new URL('./mailbox-writer-process.js', import.meta.url));

/** The writer process (mailbox-writer-process.ts): one command, one answer. */
export class WriterProcess {
  private readonly answers: ((line: string) => void)[] = [];
  private readonly exited: Promise<number | null>;
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    createInterface({ input: child.stdout! }).on('line', (line) => this.answers.shift()?.(line));
  }

  static async start(storage: string, redisUrl: string, home: string): Promise<WriterProcess> {
    const child = spawn(process.execPath, [WRITER, storage, redisUrl, home], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const writer = new WriterProcess(child);
    const ready = await writer.answer();
    assert.deepEqual(ready, { ready: true });
    return writer;
  }

  send<T>(command: Record<string, unknown>): Promise<T & { committedAt: number }> {
    const answered = this.answer<T & { committedAt: number; error?: string }>();
    this.child.stdin!.write(JSON.stringify(command) + '\n');
    return answered.then((answer) => {
      if (answer.error) throw new Error(`writer process: ${answer.error}`);
      return answer;
    });
  }

  async stop(): Promise<void> {
    this.child.stdin!.end();
    const code = await this.exited;
    assert.equal(code, 0, this.stderr);
  }

  private answer<T>(): Promise<T> {
    return new Promise((resolve, reject) => {
      this.answers.push((line) => resolve(JSON.parse(line) as T));
      void this.exited.then((code) =>
        reject(new Error(`writer process exited with ${code}\n${this.stderr}`)),
      );
    });
  }
}
