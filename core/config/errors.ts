import type { StandardIssue } from './standard-schema.js';

/** A config problem, phrased as: where (file and key path), what was wrong, what was expected. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function issuePath(prefix: readonly string[], issue: StandardIssue): string {
  const keys = (issue.path ?? []).map((segment) =>
    String(typeof segment === 'object' && segment !== null ? segment.key : segment),
  );
  return [...prefix, ...keys].join('.') || '(top level)';
}

export function describeIssues(prefix: readonly string[], issues: readonly StandardIssue[]): string[] {
  return issues.map((issue) => `${issuePath(prefix, issue)}: ${issue.message}`);
}
