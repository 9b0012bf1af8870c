import type { Readable } from 'node:stream';
import type { DeliveryAction, DeliveryExpander } from '../../core/index.js';
import type { DeliveryJobData } from './job.js';

/**
 * What delivering to one recipient means, from the routing expansion (aliases, usernames and
 * their redirections, mailing lists, mailproc.tab, custom domains): 0..n actions, each with a key
 * that stays the same on every try, so actions already carried out are not repeated on a retry.
 */
export interface PlannedAction {
  key: string;
  action: DeliveryAction;
}

export async function expandRecipient(
  expander: DeliveryExpander,
  data: DeliveryJobData,
  queueId: string,
  recipient: string,
  openBody: () => Promise<Readable>,
): Promise<PlannedAction[]> {
  const actions = await expander.expand({
    mailFrom: data.mailFrom,
    recipient,
    size: data.size,
    authUser: data.authUser,
    openBody,
    queueId,
    messageId: data.envelope.messageId,
  });
  return actions.map((action, index) => ({ key: `${recipient}#${index}:${actionKey(action)}`, action }));
}

/** The part of a planned action's key that names what it does. */
export function actionKey(action: DeliveryAction): string {
  switch (action.kind) {
    case 'store':
      return `store:${action.account.name}@${action.account.domain}`;
    case 'forward':
      return `forward:${action.mailFrom}>${action.to}`;
    case 'remote':
      return `remote:${action.address}`;
    case 'reject':
      return `reject:${action.code}`;
    case 'discard':
      return 'discard';
  }
}
