import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A V8 .cpuprofile (node --cpu-prof) reduced to where the time went within `windows`
 * ([{ startUs, endUs }] on CLOCK_MONOTONIC, which V8's sample timestamps use): self time per
 * function and per area (a project file, a package in node_modules, node's internals, GC). Enough
 * to name the hot spots in a report; open the file in Chrome DevTools for the call trees.
 */
export async function summarizeCpuProfile(file, windows, top = 15) {
  const profile = JSON.parse(await readFile(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map();
  const inWindow = (us) => windows.some((window) => us >= window.startUs && us <= window.endUs);
  let at = profile.startTime;
  for (const [i, id] of profile.samples.entries()) {
    const deltaUs = profile.timeDeltas[i] ?? 0;
    at += deltaUs;
    if (inWindow(at)) selfMs.set(id, (selfMs.get(id) ?? 0) + deltaUs / 1000);
  }
  const functions = new Map();
  const areas = new Map();
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    const { callFrame } = byId.get(id);
    const area = areaOf(callFrame);
    const name = `${callFrame.functionName || '(anonymous)'} ${area}:${callFrame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    totalMs += ms;
  }
  const idleMs = areas.get('(idle)') ?? 0;
  // Idle is time waiting, not work: left out of the rankings, reported as totalMs - busyMs.
  functions.delete('(idle) (idle):0');
  areas.delete('(idle)');
  const ranked = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({
        name,
        ms: Math.round(ms),
        percentOfBusy: round1((100 * ms) / (totalMs - idleMs)),
      }));
  return {
    file,
    totalMs: Math.round(totalMs),
    busyMs: Math.round(totalMs - idleMs),
    functions: ranked(functions),
    areas: ranked(areas),
  };
}

/** The newest .cpuprofile in `dir` whose name starts with `prefix`, or null. */
export async function newestProfile(dir, prefix) {
  const names = (await readdir(dir)).filter(
    (name) => name.startsWith(prefix) && name.endsWith('.cpuprofile'),
  );
  return names.length === 0 ? null : path.join(dir, names.sort().at(-1));
}

/** Where a frame's code lives, short: "plugins/pop3/session.js", "ioredis", "node:net", "(garbage collector)". */
function areaOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return url;
  const dist = /\/(?:dist|\.build[^/]*)\/(.+)$/.exec(url);
  return dist ? dist[1] : url.replace(/^file:\/\//, '');
}

function round1(value) {
  return Math.round(value * 10) / 10;
}
