import type { AccountKey, Storage } from '../../core/index.js';
import { NotFoundError } from '../../core/index.js';
import type { DeliveryJobData } from './job.js';

export type LocalOutcome = { status: 'delivered'; destination: string } | { status: 'failed'; error: string };

/**
 * Appends the message to the account's INBOX (the body is shared, not copied). Throws when it is
 * worth retrying (storage unavailable and the like).
 */
export async function deliverLocally(
  storage: Storage,
  message: DeliveryJobData,
  recipient: string,
  account: AccountKey,
): Promise<LocalOutcome> {
  try {
    const meta = await storage.mail.append(account, 'INBOX', {
      blobId: message.blobId,
      size: message.size,
      internalDate: new Date(message.queuedAt),
      flags: [],
      mime: message.mime,
      envelope: message.envelope,
    });
    return { status: 'delivered', destination: `${account.name}@${account.domain}/INBOX;UID=${meta.uid}` };
  } catch (err) {
    // The account (or its INBOX) went away since routing: as final as an unknown user.
    if (err instanceof NotFoundError)
      return { status: 'failed', error: `550 5.1.1 <${recipient}>: ${err.message}` };
    throw err;
  }
}
