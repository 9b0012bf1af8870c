import type { AccountKey, Pop3Link } from '../../core/model/directory.js';
import { NotFoundError } from '../../core/ports/errors.js';
import type { Pop3LinkStore } from '../../core/ports/pop3-link-store.js';
import type { RedisContext } from './context.js';
import { accountId, linkId, ordered, owned } from './keys.js';

export class RedisPop3LinkStore implements Pop3LinkStore {
  constructor(private readonly ctx: RedisContext) {}

  async addLink(link: Pop3Link): Promise<void> {
    const id = linkId(link.local, link.remoteDomain, link.remoteUser);
    // No account check: like XMail's poplnkadd, a link may name a local account that does not exist.
    await this.ctx.scripts.run(
      'orderedAdd',
      '',
      '',
      'link',
      id,
      `POP3 link ${describe(link.local, link.remoteDomain, link.remoteUser)}`,
      JSON.stringify(link),
      ordered('link:order'),
      ordered(`link:a:${accountId(link.local)}`),
      owned(`link:uidls:${id}`),
    );
  }

  async deleteLink(local: AccountKey, remoteDomain: string, remoteUser: string): Promise<void> {
    await this.ctx.scripts.run(
      'orderedDelete',
      'link',
      linkId(local, remoteDomain, remoteUser),
      `POP3 link ${describe(local, remoteDomain, remoteUser)}`,
    );
  }

  async setLinkEnabled(
    local: AccountKey,
    remoteDomain: string,
    remoteUser: string,
    enabled: boolean,
  ): Promise<void> {
    const id = linkId(local, remoteDomain, remoteUser);
    const json = await this.ctx.redis.hget(this.ctx.key('link'), id);
    const what = `POP3 link ${describe(local, remoteDomain, remoteUser)}`;
    if (json === null) throw new NotFoundError(what);
    const link = { ...(JSON.parse(json) as Pop3Link), enabled };
    // orderedReplace fails with NotFoundError if the link went away since the read above.
    await this.ctx.scripts.run('orderedReplace', 'link', id, what, JSON.stringify(link));
  }

  listLinks(local?: AccountKey): Promise<Pop3Link[]> {
    return this.ctx.readOrdered<Pop3Link>('link', local ? `link:a:${accountId(local)}` : 'link:order');
  }

  async seenUidls(link: Pop3Link): Promise<Set<string>> {
    return new Set(await this.ctx.redis.smembers(this.uidlKey(link)));
  }

  async setSeenUidls(link: Pop3Link, uidls: Iterable<string>): Promise<void> {
    const values = [...uidls];
    const multi = this.ctx.redis.multi().del(this.uidlKey(link));
    if (values.length > 0) multi.sadd(this.uidlKey(link), ...values);
    await multi.exec();
  }

  private uidlKey(link: Pop3Link): string {
    return this.ctx.key(`link:uidls:${linkId(link.local, link.remoteDomain, link.remoteUser)}`);
  }
}

function describe(local: AccountKey, remoteDomain: string, remoteUser: string): string {
  return `${remoteUser}@${remoteDomain} -> ${local.name}@${local.domain}`;
}
