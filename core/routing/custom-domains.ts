import type { FileTree } from '../ports/file-tree.js';
import { parseTabFile } from '../model/tab-lines.js';

export interface CustomDomainFile {
  path: string;
  rows: string[][];
}

/**
 * XMail custom domain processing (spec §3.7): the commands for mail to a non-local domain live in
 * `custdomains/<domain>.tab`, else in the first parent file `.b.c.tab`, `.c.tab`, else the
 * catch-all `.tab`. A domain with such a file is handled here (SMTP accepts it without relay
 * permission); its commands run at delivery.
 */
export async function findCustomDomainFile(
  files: FileTree,
  domain: string,
): Promise<CustomDomainFile | null> {
  const candidates: string[] = [domain];
  for (let dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1))
    candidates.push(domain.slice(dot));
  candidates.push('');
  for (const name of candidates) {
    const path = `custdomains/${name}.tab`;
    const content = await files.readFile(path);
    if (content !== null) return { path, rows: parseTabFile(content.toString('latin1')) };
  }
  return null;
}
