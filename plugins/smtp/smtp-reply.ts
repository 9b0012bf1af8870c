import type { HookOutcome } from '../../core/index.js';

/** An error smtp-server answers with `code text`. Start `text` with an enhanced status code. */
export function smtpError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/**
 * The SMTP reply for a hook's decision, or null when it lets the command through. A handler that
 * answers outside its class (a reject with 4xx, say) gets the class's generic code instead.
 */
export function hookReply(outcome: HookOutcome): Error | null {
  if (outcome.action === 'reject') {
    return smtpError(outcome.code >= 500 && outcome.code < 600 ? outcome.code : 550, outcome.text);
  }
  if (outcome.action === 'defer') {
    return smtpError(outcome.code >= 400 && outcome.code < 500 ? outcome.code : 451, outcome.text);
  }
  return null;
}
