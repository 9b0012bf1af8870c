#!/usr/bin/env node
// The `mailwright` command: runs the compiled CLI (npm run build produces dist/).
import { existsSync } from 'node:fs';

const main = new URL('../dist/core/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('mailwright: dist/ is missing; run "npm run build" first\n');
  process.exit(1);
}
await import(main.href);
