import type { Logger } from 'pino';

/**
 * The hook bus. A handler returns a result object; there is no callback to forget (Haraka's `next()`
 * is the anti-example). Handlers run in registration order; the first one that does not `pass`
 * decides. A handler that throws or overruns its timeout is logged and counts as a temporary
 * failure, never as acceptance.
 */
export type HookResult =
  | { action: 'pass' }
  | { action: 'accept' }
  | { action: 'reject'; code: number; text: string }
  | { action: 'defer'; code: number; text: string };

export const pass = (): HookResult => ({ action: 'pass' });
export const accept = (): HookResult => ({ action: 'accept' });
export const reject = (code: number, text: string): HookResult => ({ action: 'reject', code, text });
export const defer = (code: number, text: string): HookResult => ({ action: 'defer', code, text });

export interface SmtpEnvelope {
  mailFrom: string;
  rcptTo: string[];
}

/**
 * Payloads of the built-in hooks. Plugins add their own by declaration merging:
 * `declare module 'mailwright' { interface HookPayloads { 'acme:scanned': { score: number } } }`.
 */
export interface HookPayloads {
  connect: { protocol: string; remoteAddress: string; localAddress: string; sessionId: string };
  helo: { sessionId: string; hostname: string };
  auth: { protocol: string; sessionId: string; username: string; remoteAddress: string; success: boolean };
  mail: { sessionId: string; remoteAddress: string; user?: string; address: string };
  rcpt: { sessionId: string; remoteAddress: string; user?: string; mailFrom: string; address: string };
  data: { sessionId: string; envelope: SmtpEnvelope; size: number; messageId?: string };
  queued: { queueId: string; envelope: SmtpEnvelope; size: number };
  delivered: { queueId: string; recipient: string; destination: string; response?: string };
  deferred: { queueId: string; recipient: string; error: string; retryAt: Date };
  bounced: { queueId: string; recipient: string; error: string };
}

export type HookName = keyof HookPayloads;
export type HookHandler<K extends HookName> = (payload: HookPayloads[K]) => HookResult | Promise<HookResult>;

interface Registration {
  owner: string;
  handler: (payload: never) => HookResult | Promise<HookResult>;
  timeoutMs: number;
}

/** What `run` decided; `by` names the plugin that decided (absent when every handler passed). */
export type HookOutcome = HookResult & { by?: string };

export const HOOK_FAILURE_CODE = 451;

export class HookBus {
  private readonly handlers = new Map<string, Registration[]>();

  constructor(
    private readonly logger: Logger,
    private readonly defaultTimeoutMs: number,
  ) {}

  on<K extends HookName>(
    hook: K,
    owner: string,
    handler: HookHandler<K>,
    opts: { timeoutMs?: number } = {},
  ): void {
    const list = this.handlers.get(hook) ?? [];
    list.push({
      owner,
      handler: handler as Registration['handler'],
      timeoutMs: opts.timeoutMs ?? this.defaultTimeoutMs,
    });
    this.handlers.set(hook, list);
  }

  /** Runs handlers in order until one does not pass. */
  async run<K extends HookName>(hook: K, payload: HookPayloads[K]): Promise<HookOutcome> {
    for (const registration of this.handlers.get(hook) ?? []) {
      const result = await this.invoke(hook, registration, payload);
      if (result.action !== 'pass') return { ...result, by: registration.owner };
    }
    return pass();
  }

  /** For notification hooks (queued, delivered ...): runs every handler; results other than failures are ignored. */
  async emit<K extends HookName>(hook: K, payload: HookPayloads[K]): Promise<void> {
    for (const registration of this.handlers.get(hook) ?? []) await this.invoke(hook, registration, payload);
  }

  has(hook: HookName): boolean {
    return (this.handlers.get(hook)?.length ?? 0) > 0;
  }

  private async invoke(hook: string, registration: Registration, payload: unknown): Promise<HookResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rejectTimeout) => {
      timer = setTimeout(
        () => rejectTimeout(new Error(`timed out after ${registration.timeoutMs} ms`)),
        registration.timeoutMs,
      );
    });
    try {
      const result = await Promise.race([
        Promise.resolve().then(() => registration.handler(payload as never)),
        timeout,
      ]);
      if (!isHookResult(result)) throw new Error(`returned ${JSON.stringify(result)}, not a hook result`);
      return result;
    } catch (err) {
      this.logger.error(
        { hook, plugin: registration.owner, err },
        'hook handler failed; answering with a temporary failure',
      );
      return defer(HOOK_FAILURE_CODE, '4.3.0 Temporary local problem, try again later');
    } finally {
      clearTimeout(timer);
    }
  }
}

function isHookResult(value: unknown): value is HookResult {
  if (typeof value !== 'object' || value === null) return false;
  const { action, code, text } = value as Record<string, unknown>;
  if (action === 'pass' || action === 'accept') return true;
  return (action === 'reject' || action === 'defer') && typeof code === 'number' && typeof text === 'string';
}
