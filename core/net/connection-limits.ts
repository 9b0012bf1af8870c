import { unmapIPv4 } from './client-address.js';
import { NetworkList } from './network-list.js';

export interface ConnectionLimitSettings {
  /** Connections open at once, whoever the clients are. */
  maxConnections: number;
  /** Connections open at once from one client address. */
  maxConnectionsPerAddress: number;
  /**
   * Clients not held to `maxConnectionsPerAddress` (as Postfix exempts $mynetworks): a proxy, a
   * cluster's other front or a local program may stand for many clients. They still count toward
   * `maxConnections`, which protects the process itself.
   */
  trusted: NetworkList;
}

/** Why a connection was refused: the process is full, or its client address is. */
export type LimitRefusal = 'total' | 'per-address';

export type Admission = { admitted: true; release(): void } | { admitted: false; refusal: LimitRefusal };

/**
 * The connection caps of one plugin in this process, shared by its listeners. Every admitted
 * connection holds a slot until its release, which the listener calls when the socket closes.
 */
export class ConnectionLimits {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly settings: ConnectionLimitSettings) {}

  /** Connections holding a slot now. */
  get open(): number {
    return this.total;
  }

  admit(remoteAddress: string): Admission {
    const { maxConnections, maxConnectionsPerAddress, trusted } = this.settings;
    if (this.total >= maxConnections) return { admitted: false, refusal: 'total' };
    const address = unmapIPv4(remoteAddress);
    const counted = !trusted.has(address);
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (counted && fromAddress >= maxConnectionsPerAddress)
      return { admitted: false, refusal: 'per-address' };
    this.total += 1;
    if (counted) this.perAddress.set(address, fromAddress + 1);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        if (counted) this.releaseAddress(address);
      },
    };
  }

  private releaseAddress(address: string): void {
    const count = (this.perAddress.get(address) ?? 0) - 1;
    if (count > 0) this.perAddress.set(address, count);
    else this.perAddress.delete(address);
  }
}
