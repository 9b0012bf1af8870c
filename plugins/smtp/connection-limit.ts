/** Open sessions per client address in this process, for `maxConnectionsPerIp`. */
export class PerAddressLimit {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more session for `address`; false (and not counted) when it is at the limit. */
  acquire(address: string): boolean {
    const count = this.open.get(address) ?? 0;
    if (count >= this.max) return false;
    this.open.set(address, count + 1);
    return true;
  }

  release(address: string): void {
    const count = (this.open.get(address) ?? 0) - 1;
    if (count > 0) this.open.set(address, count);
    else this.open.delete(address);
  }
}
