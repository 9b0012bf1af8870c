/**
 * A raw IMAP client for exact-bytes tests: sends a tagged command (literals written as the test
 * gives them) and returns every line up to and including the tagged completion. Literal data the
 * server sends comes back inside the lines as it arrived (`{5}` then the bytes on the next lines).
 */
import tls from 'node:tls';
import { LineClient, type LineClientOptions } from './line-client.js';

export class ImapTestClient {
  private counter = 0;

  private constructor(readonly lines: LineClient) {}

  /** Connects and reads the greeting. */
  static async connect(
    port: number,
    options: LineClientOptions = {},
  ): Promise<{ client: ImapTestClient; greeting: string }> {
    const lines = await LineClient.connect(port, options);
    return { client: new ImapTestClient(lines), greeting: await lines.requireLine() };
  }

  /** A new tag: A1, A2, ... */
  nextTag(): string {
    return `A${++this.counter}`;
  }

  /** Sends `<tag> <text>` and collects the lines up to `<tag> ...`. */
  async command(text: string): Promise<string[]> {
    const tag = this.nextTag();
    this.lines.send(`${tag} ${text}`);
    return this.until(tag);
  }

  /** Lines up to and including the one that starts with `tag `. */
  async until(tag: string): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const line = await this.lines.requireLine();
      out.push(line);
      if (line.startsWith(`${tag} `)) return out;
    }
  }

  /** The next line (for continuations and IDLE updates). */
  line(): Promise<string> {
    return this.lines.requireLine();
  }

  send(text: string): void {
    this.lines.send(text);
  }

  write(bytes: string | Buffer): void {
    this.lines.socket.write(bytes);
  }

  /** Upgrades the connection after a STARTTLS OK. */
  async startTls(): Promise<ImapTestClient> {
    const secure = tls.connect({ socket: this.lines.socket, rejectUnauthorized: false });
    await new Promise((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    const client = new ImapTestClient(LineClient.wrap(secure));
    client.counter = this.counter;
    return client;
  }

  close(): void {
    this.lines.close();
  }
}
