import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, describeIssues } from './errors.js';
import { mailwrightConfigSchema, type MailwrightConfig } from './schema.js';

export interface LoadedConfig {
  config: MailwrightConfig;
  /** The file it came from, for error messages and relative paths; `(embedded default)` otherwise. */
  source: string;
  baseDir: string;
}

/** Reads a YAML or JSON file (JSON is YAML) and checks the top level. Plugin sections are checked by the kernel. */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const source = path.resolve(file);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (err) {
    throw new ConfigError(source, [`cannot read the file: ${(err as Error).message}`]);
  }
  const document = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((e) => `syntax: ${e.message}`),
    );
  }
  return { ...checkConfig(document.toJS() ?? {}, source), baseDir: path.dirname(source) };
}

export function checkConfig(raw: unknown, source: string): { config: MailwrightConfig; source: string } {
  const result = mailwrightConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, describeIssues([], result.error.issues));
  return { config: result.data, source };
}
