/** A CPU profile summary (bench/pop3/cpu-profile.js) as two tables: where the time went by area and by function. */
import { formatTable } from './table.js';

export function formatProfile(profile, areas = 10) {
  const rows = (entries) =>
    entries.map((entry) => ({ name: entry.name, ms: entry.ms, share: `${entry.percentOfBusy}%` }));
  const columns = (title) => [
    { key: 'name', title },
    { key: 'ms', title: 'self ms' },
    { key: 'share', title: 'of busy' },
  ];
  return [
    `Mailwright CPU profile of the timed runs (${profile.busyMs} ms busy of ${profile.totalMs} ms): ${profile.file}`,
    '',
    formatTable(columns('area'), rows(profile.areas.slice(0, areas))),
    '',
    formatTable(columns('function'), rows(profile.functions)),
  ].join('\n');
}
