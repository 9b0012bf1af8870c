import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { QueueConfig } from './config.js';
import { DeliveryError } from './delivery-error.js';

/** One host to try: its name (for TLS SNI and reports) and an address to connect to. */
export interface SmtpTarget {
  host: string;
  address: string;
  port: number;
}

interface MxRecord {
  exchange: string;
  priority: number;
}

/**
 * Where mail for a domain goes (RFC 5321 §5.1): its MX hosts by preference, each host's A and AAAA
 * addresses; no MX record means the domain's own address; a null MX (RFC 7505) means the domain
 * takes no mail. Static `dns.mx` / `dns.a` answers in the config come first, then the resolvers
 * (`dns.servers`, or the system's). Every lookup gives up after `timeoutMs` (config
 * `timeouts.dns`): nodemailer is only ever handed addresses, so this is all the DNS of delivery.
 */
export class MxResolver {
  private readonly resolver: Resolver;

  constructor(
    private readonly dns: QueueConfig['dns'],
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {
    // One round of queries, each allowed the whole budget: c-ares then stops soon after we give
    // up (below), instead of retrying in the background (its default is 4 rounds, doubling).
    this.resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
    if (dns.servers) this.resolver.setServers(dns.servers);
  }

  /** @throws DeliveryError permanent for a domain that does not exist or takes no mail */
  async targets(domain: string): Promise<SmtpTarget[]> {
    const records = await this.mx(domain);
    if (records.length === 1 && (records[0].exchange === '' || records[0].exchange === '.')) {
      throw new DeliveryError(
        `556 5.1.10 ${domain} accepts no mail (null MX)`,
        true,
        'Domain accepts no mail',
      );
    }
    const hosts =
      records.length > 0
        ? [...records].sort((a, b) => a.priority - b.priority).map((record) => record.exchange)
        : [domain];
    const targets: SmtpTarget[] = [];
    for (const host of hosts) {
      for (const address of await this.addresses(host)) targets.push({ host, address, port: this.port });
    }
    if (targets.length === 0) {
      throw new DeliveryError(`451 4.4.4 no address found for the mail hosts of ${domain}`, false);
    }
    return targets;
  }

  /** One host given by name or address (smarthost, firewall, a relay), `host:port` allowed. */
  async host(spec: string): Promise<SmtpTarget[]> {
    const match = /^(.*?)(?::(\d+))?$/.exec(spec.replace(/^\[(.*)\]$/, '$1'))!;
    const host = match[1];
    const port = match[2] ? Number(match[2]) : this.port;
    return (await this.addresses(host)).map((address) => ({ host, address, port }));
  }

  private async mx(domain: string): Promise<MxRecord[]> {
    const configured = this.dns.mx[domain.toLowerCase()];
    if (configured) return configured;
    try {
      return await this.withDeadline(domain, this.resolver.resolveMx(domain));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENODATA') return [];
      if (code === 'ENOTFOUND') {
        throw new DeliveryError(`550 5.1.2 domain ${domain} does not exist`, true, 'Unknown domain');
      }
      throw new DeliveryError(`451 4.4.3 DNS lookup for ${domain} failed (${code ?? String(err)})`, false);
    }
  }

  private async addresses(host: string): Promise<string[]> {
    if (isIP(host)) return [host];
    const configured = this.dns.a[host.toLowerCase()];
    if (configured) return configured;
    const [v4, v6] = await Promise.allSettled([
      this.withDeadline(host, this.resolver.resolve4(host)),
      this.withDeadline(host, this.resolver.resolve6(host)),
    ]);
    return [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  }

  /**
   * The answer, or an ETIMEOUT error once `timeoutMs` has passed: with several servers c-ares
   * would try each in turn, each with the full per-query timeout.
   */
  private async withDeadline<T>(name: string, query: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error(`DNS lookup for ${name} timed out`), { code: 'ETIMEOUT' })),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([query, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
