/** Custom-domain and mail-root file commands (spec §2, §3.9 path confinement, decision 5). */
import { wildMatch, XMailCtrlError } from '../protocol/index.js';
import { checkHostLabels, fileUpload, type CtrlHandler } from './context.js';

const custdomget: CtrlHandler = async ([domain], { files }) => {
  const body = await files.readCustomDomain(domain);
  if (body === null) throw new XMailCtrlError('NOT_A_CUSTOM_DOMAIN', domain);
  return { kind: 'file', body };
};

const custdomset: CtrlHandler = async ([domain], { files }) => {
  checkHostLabels(domain);
  const path = files.customDomainTarget(domain);
  return fileUpload(files, path);
};

const custdomlist: CtrlHandler = async (_args, { files }) => ({
  kind: 'rows',
  rows: (await files.listCustomDomains()).map((domain) => [domain]),
});

/** Regular files of a mail-root directory matching a case-sensitive wildcard: `"name" "size"`. */
const filelist: CtrlHandler = async ([dir, pattern], { files }) => {
  const entries = await files.listFiles(files.configPath(dir));
  const rows: (string | number)[][] = [];
  for (const file of entries) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    if (wildMatch(name, pattern)) rows.push([name, file.size]);
  }
  return { kind: 'rows', rows };
};

const cfgfileget: CtrlHandler = async ([path], { files }) => {
  const body = await files.readFile(files.configPath(path));
  if (body === null) throw new XMailCtrlError('FILE_OPEN', path);
  return { kind: 'file', body };
};

const cfgfileset: CtrlHandler = async ([path], { files }) => {
  const checked = files.configPath(path);
  if (checked === '') throw new XMailCtrlError('BAD_RELATIVE_PATH', 'the mail root is not a file');
  return fileUpload(files, checked);
};

export const FILE_COMMANDS: Record<string, CtrlHandler> = {
  custdomget,
  custdomset,
  custdomlist,
  filelist,
  cfgfileget,
  cfgfileset,
};
