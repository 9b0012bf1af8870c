/** Custom-domain and mail-root file commands (spec §2, §3.9 path confinement, decision 5). */
import { wildMatch, XMailCtrlError } from '../protocol/index.js';
import { checkHostLabels, type CtrlHandler } from './context.js';

const custdomget: CtrlHandler = async ([domain], { admin }) => {
  const body = await admin.readCustomDomain(domain);
  if (body === null) throw new XMailCtrlError('NOT_A_CUSTOM_DOMAIN', domain);
  return { kind: 'file', body };
};

const custdomset: CtrlHandler = async ([domain], { admin }) => {
  checkHostLabels(domain);
  const path = admin.customDomainTarget(domain);
  return { kind: 'upload', store: (content) => admin.writeFile(path, content) };
};

const custdomlist: CtrlHandler = async (_args, { admin }) => ({
  kind: 'rows',
  rows: (await admin.listCustomDomains()).map((domain) => [domain]),
});

/** Regular files of a mail-root directory matching a case-sensitive wildcard: `"name" "size"`. */
const filelist: CtrlHandler = async ([dir, pattern], { admin }) => {
  const files = await admin.listFiles(admin.configPath(dir));
  const rows: (string | number)[][] = [];
  for (const file of files) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    if (wildMatch(name, pattern)) rows.push([name, file.size]);
  }
  return { kind: 'rows', rows };
};

const cfgfileget: CtrlHandler = async ([path], { admin }) => {
  const body = await admin.readFile(admin.configPath(path));
  if (body === null) throw new XMailCtrlError('FILE_OPEN', path);
  return { kind: 'file', body };
};

const cfgfileset: CtrlHandler = async ([path], { admin }) => {
  const checked = admin.configPath(path);
  if (checked === '') throw new XMailCtrlError('BAD_RELATIVE_PATH', 'the mail root is not a file');
  return { kind: 'upload', store: (content) => admin.writeFile(checked, content) };
};

export const FILE_COMMANDS: Record<string, CtrlHandler> = {
  custdomget,
  custdomset,
  custdomlist,
  filelist,
  cfgfileget,
  cfgfileset,
};
