import type { AccountKey } from '../../core/model/directory.js';

/**
 * Every key the adapter uses, relative to the storage prefix (`mw:` by default). The Lua scripts
 * in lua/ build the same names; this list is the one place to read the layout.
 *
 *   seq:account | seq:folder | seq:order | seq:event | seq:uidvalidity   counters
 *   domains                    zset, score 0: domain names (lexical order)
 *   domain:<d>                 hash {name, createdAt}
 *   accts                      zset "<d>:<lcname>" by account seq (insertion order)
 *   accts:<d>                  zset "<lcname>" by account seq
 *   acct:<d>:<lcname>          hash {domain, name, seq, kind, credential, vars, attributes, createdAt, login}
 *   folders:<d>:<lcname>       hash path -> folder id
 *   f:<fid>                    hash {path, uidValidity, uidNext, highestModseq, subscribed, specialUse,
 *                                    messages, unseen, bytes}
 *   f:<fid>:uids               zset uid by uid
 *   f:<fid>:modseq             zset uid by modseq
 *   f:<fid>:meta               hash uid -> JSON {blobId, size, internalDate} (older messages: also
 *                                    mime, envelope)
 *   f:<fid>:flags              hash uid -> flags joined by spaces
 *   f:<fid>:body               hash uid -> "<size> <blobId>" (what expunge/delete need to release)
 *   f:<fid>:dkeys              hash "k:<delivery key>" -> uid and "u:<uid>" -> delivery key (append's
 *                                    idempotence; an expunged message's pair goes with it)
 *   blob:<id>                  hash {size, chunks, refs}
 *   blob:<id>:<n>              string, chunk n of the body (CHUNK_SIZE bytes except the last)
 *   blob:<id>:mime             string, JSON {mime, envelope}: the body's structure, once for every
 *                                    message stored from it
 *   <tbl> / idx:<tbl>          ordered tables: hash id -> JSON, and the index keys each row is in:
 *     member:<d>:<lc>            list members (order: member:order:<d>:<lc>)
 *     route                      routes (order: route:order, route:d:<domain>; set route:to:<d>:<lc>)
 *     extalias                   external aliases (order: extalias:order; set extalias:to:<local domain>)
 *     aliasdom                   alias domains (order: aliasdom:order; set aliasdom:to:<domain>)
 *     link                       POP3 links (order: link:order, link:a:<d>:<lc>; owns link:uidls:<id>)
 *   admin                      hash lcname -> JSON
 *   file                       hash path -> content;  file:paths  zset, score 0: every path (lexical)
 *   ev:logs                    set of log names
 *   ev:seq:<log> / ev:time:<log> / ev:data:<log>   event ids by sequence / by time; id -> JSON
 *
 * Names arrive validated by core/model/names.ts: domains and local parts never contain `:`, so
 * `<d>:<lcname>` is unambiguous. Variable parts that may contain `:` come last in a key.
 */
export function accountId(key: AccountKey): string {
  return `${key.domain.toLowerCase()}:${key.name.toLowerCase()}`;
}

export function routeId(domain: string, local: string): string {
  return `${domain.toLowerCase()}:${local.toLowerCase()}`;
}

export function linkId(local: AccountKey, remoteDomain: string, remoteUser: string): string {
  // remoteDomain may carry `:port` and remoteUser anything: JSON keeps the triple unambiguous.
  return JSON.stringify([accountId(local), remoteDomain.toLowerCase(), remoteUser]);
}

/** Index spec for an ordered-table row: `z:` sorted by insertion, `s:` set, `k:` key owned by the row. */
export const ordered = (key: string): string => `z:${key}`;
export const member = (key: string): string => `s:${key}`;
export const owned = (key: string): string => `k:${key}`;
