import { BlockList, isIP } from 'node:net';
import { unmapIPv4 } from './client-address.js';

/** Loopback: trusted by default wherever a listener takes a `trustedNetworks` list. */
export const LOOPBACK_NETWORKS = ['127.0.0.0/8', '::1/128'];

/** CIDR networks (`10.0.0.0/8`, `::1/128`, or a bare address) a client address is checked against. */
export class NetworkList {
  private readonly list = new BlockList();

  /** @throws Error naming the entry that is not an address or CIDR network */
  constructor(networks: readonly string[]) {
    for (const entry of networks) {
      const [address, prefixText] = entry.split('/');
      const family = isIP(address);
      const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
        throw new Error(
          `trustedNetworks: "${entry}" is not an IP address or CIDR network such as 10.0.0.0/8`,
        );
      }
      this.list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
  }

  has(address: string): boolean {
    const plain = unmapIPv4(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}
