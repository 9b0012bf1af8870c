import type { SMTPServerSession } from 'smtp-server';
import type { FrozenQueue, NetworkList } from '../../core/index.js';

export interface EtrnReply {
  code: number;
  text: string;
}

/** Answers one `ETRN <node>` (RFC 1985) of a session. */
export type EtrnHandler = (node: string, session: SMTPServerSession) => Promise<EtrnReply>;

const DOMAIN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * ETRN: deliveries waiting for their retry time whose recipient is in the node's domain are tried
 * now (the queue's per-destination retry state is reset, as CTRL `etrn` does). `example.org` is
 * that domain, `@example.org` that domain and its subdomains; named queues (`#name`) do not exist
 * here. Only clients that may relay (authenticated, or from a trusted network) may ask, since a
 * flush costs the server work. Replies as RFC 1985 §5: 251 nothing waiting, 253 with the count.
 */
export function etrnHandler(deps: { frozen: FrozenQueue; trusted: NetworkList }): EtrnHandler {
  return async (node, session) => {
    if (!session.user && !deps.trusted.has(session.remoteAddress)) {
      return {
        code: 459,
        text: `4.7.1 Node ${node} not allowed: authenticate or connect from a trusted network`,
      };
    }
    if (node.startsWith('#')) {
      return {
        code: 458,
        text: `4.3.0 Unable to queue messages for node ${node}: there are no named queues`,
      };
    }
    const withSubdomains = node.startsWith('@');
    const domain = withSubdomains ? node.slice(1) : node;
    if (!DOMAIN.test(domain)) return { code: 501, text: '5.5.4 Syntax: ETRN <domain> | @<domain>' };
    let started = await deps.frozen.rescheduleDeferred(`*@${domain}`);
    if (withSubdomains) started += await deps.frozen.rescheduleDeferred(`*@*.${domain}`);
    return started === 0
      ? { code: 251, text: `2.0.0 OK, no messages waiting for node ${node}` }
      : { code: 253, text: `2.0.0 OK, ${started} pending messages for node ${node} started` };
  };
}
