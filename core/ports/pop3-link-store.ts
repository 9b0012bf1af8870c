import type { AccountKey, Pop3Link } from '../model/directory.js';

/** XMail POP3 links, plus the UIDLs already fetched (leave-on-server mode). */
export interface Pop3LinkStore {
  /**
   * The local account need not exist (XMail's poplnkadd checks nothing).
   * @throws AlreadyExistsError for the same (local, remoteDomain, remoteUser)
   */
  addLink(link: Pop3Link): Promise<void>;
  /** @throws NotFoundError */
  deleteLink(local: AccountKey, remoteDomain: string, remoteUser: string): Promise<void>;
  /** @throws NotFoundError */
  setLinkEnabled(
    local: AccountKey,
    remoteDomain: string,
    remoteUser: string,
    enabled: boolean,
  ): Promise<void>;
  /** Links of one account, or all links, in insertion order. */
  listLinks(local?: AccountKey): Promise<Pop3Link[]>;

  /** The remote UIDLs fetched through a link, so nothing is fetched twice. */
  seenUidls(link: Pop3Link): Promise<Set<string>>;
  /** Replaces the remembered set (the remote set minus what vanished remotely). */
  setSeenUidls(link: Pop3Link, uidls: Iterable<string>): Promise<void>;
}
