/**
 * POP3 links: remote mailboxes fetched into a local account. The remote password is sealed (it
 * must be replayed to the remote server) and shown in clear to administrators.
 */
import type { AccountKey, Pop3Link } from '../../model/directory.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { Pop3LinkStore } from '../../ports/pop3-link-store.js';
import type { SecretBox } from '../../runtime/secrets.js';
import { DirectoryAdminError, sameKey, sameText, translate, validDomain, validLocalPart } from './errors.js';

export interface Pop3LinkView {
  link: Pop3Link;
  /** The remote password in clear (admins need it to see what is fetched). */
  password: string;
  /** Enabled and its local account exists. */
  active: boolean;
}

export interface NewPop3Link {
  local: AccountKey;
  remoteDomain: string;
  remoteUser: string;
  password: string;
  auth: Pop3Link['auth'];
}

export class Pop3LinkAdmin {
  constructor(
    private readonly links: Pop3LinkStore,
    private readonly accounts: Pick<AccountStore, 'getAccount'>,
    /** Seals POP3 link passwords (they must be replayed to the remote server). */
    private readonly secrets: SecretBox,
  ) {}

  /** The local account need not exist yet (XMail checks nothing); the password is sealed. */
  async addPop3Link(link: NewPop3Link): Promise<void> {
    // XMail's duplicate check ignores case in all four names; the stores compare exactly.
    if ((await this.findLinks(link.local, link.remoteDomain, link.remoteUser)).length > 0) {
      throw new DirectoryAdminError('link-exists', `${link.remoteUser}@${link.remoteDomain}`);
    }
    try {
      await this.links.addLink({
        local: { domain: validDomain(link.local.domain), name: validLocalPart(link.local.name) },
        remoteDomain: validDomain(link.remoteDomain),
        remoteUser: validLocalPart(link.remoteUser),
        remoteSecret: this.secrets.seal(link.password),
        auth: link.auth,
        tls: false,
        enabled: true,
      });
    } catch (err) {
      throw translate(err, 'link-exists');
    }
  }

  /** Also when the local account no longer exists. */
  async deletePop3Link(local: AccountKey, remoteDomain: string, remoteUser: string): Promise<void> {
    const link = (await this.findLinks(local, remoteDomain, remoteUser))[0];
    if (!link) throw new DirectoryAdminError('link-not-found', `${remoteUser}@${remoteDomain}`);
    try {
      await this.links.deleteLink(link.local, link.remoteDomain, link.remoteUser);
    } catch (err) {
      throw translate(err, 'link-not-found', 'link-not-found');
    }
  }

  /** Enables or disables the local account's links (only those of `remoteDomain`/`remoteUser` when given). */
  async setPop3LinksEnabled(
    enabled: boolean,
    local: AccountKey,
    remoteDomain?: string,
    remoteUser?: string,
  ): Promise<void> {
    const links = await this.findLinks(local, remoteDomain, remoteUser);
    if (links.length === 0) throw new DirectoryAdminError('link-not-found', `${local.name}@${local.domain}`);
    for (const link of links) {
      await this.links.setLinkEnabled(link.local, link.remoteDomain, link.remoteUser, enabled);
    }
  }

  /** Links whose local domain (and user) equal the given ones, case-insensitively; all when absent. */
  async listPop3Links(localDomain?: string, localUser?: string): Promise<Pop3LinkView[]> {
    const views: Pop3LinkView[] = [];
    for (const link of await this.links.listLinks()) {
      if (localDomain !== undefined && !sameText(link.local.domain, localDomain)) continue;
      if (localUser !== undefined && !sameText(link.local.name, localUser)) continue;
      const owner = await this.accounts.getAccount(link.local);
      views.push({
        link,
        password: this.secrets.open(link.remoteSecret),
        active: link.enabled && owner !== null,
      });
    }
    return views;
  }

  private async findLinks(
    local: AccountKey,
    remoteDomain?: string,
    remoteUser?: string,
  ): Promise<Pop3Link[]> {
    return (await this.links.listLinks()).filter(
      (link) =>
        sameKey(link.local, local) &&
        (remoteDomain === undefined || sameText(link.remoteDomain, remoteDomain)) &&
        (remoteUser === undefined || sameText(link.remoteUser, remoteUser)),
    );
  }
}
