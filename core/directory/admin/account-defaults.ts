/**
 * The variables a new account starts with, whichever protocol creates it (XMail `useradd`, an
 * AltaVista `Create Mailbox`): the domain's userdef.tab, else the mail root's, else the built-in
 * set below.
 *
 * Why this is core's and not the XMail plugin's: Mailwright's account variables are XMail's names
 * (core reads MaxMBSize for quotas, ReceiveEnable, PopEnable and SmtpPerms for delivery and logins),
 * and userdef.tab is a file of core's mail-root layout. Were the defaults a protocol's, an account
 * created over AltaVista would differ from one created over CTRL.
 */
import { userDefaultsPaths } from '../../model/mail-root.js';
import { parseTabFile } from '../../model/tab-lines.js';
import type { FileTree } from '../../ports/file-tree.js';

/** The values of XMail's sample userdef.tab (XMail spec §3.5), for a mail root that holds none. */
const BUILT_IN_ACCOUNT_VARS: readonly (readonly [string, string])[] = [
  ['RealName', '??'],
  ['HomePage', '??'],
  ['Address', '??'],
  ['Telephone', '??'],
  ['MaxMBSize', '10000'],
  ['SmtpPerms', 'MR'],
  ['ReceiveEnable', '1'],
  ['PopEnable', '1'],
];

export async function defaultAccountVars(files: FileTree, domain: string): Promise<[string, string][]> {
  const [own, root] = userDefaultsPaths(domain);
  const file = (await files.readFile(own)) ?? (await files.readFile(root));
  if (file === null) return BUILT_IN_ACCOUNT_VARS.map(([name, value]) => [name, value]);
  // `"name"\t"value"` lines, as XMail writes user.tab and userdef.tab.
  return parseTabFile(file.toString('latin1'))
    .filter((fields) => fields.length >= 2)
    .map(([name, value]): [string, string] => [name, value]);
}
