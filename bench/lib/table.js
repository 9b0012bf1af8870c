/**
 * Prints rows as a plain-text table: column widths from the content, numbers right-aligned.
 * `columns` is [{ key, title, align? }] (`align: 'right'` forces it); a cell that is null or
 * undefined prints as "-".
 */
export function formatTable(columns, rows) {
  const text = (value) => (value === null || value === undefined ? '-' : String(value));
  const cells = rows.map((row) => columns.map((column) => text(row[column.key])));
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, ...cells.map((line) => line[i].length)),
  );
  const numeric = columns.map(
    (column, i) => column.align === 'right' || cells.every((line) => /^[-\d.,x%<>~ ]*$/.test(line[i])),
  );
  const pad = (value, i) => (numeric[i] ? value.padStart(widths[i]) : value.padEnd(widths[i]));
  const lines = [
    columns.map((column, i) => pad(column.title, i)).join('  '),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map((line) => line.map(pad).join('  ')),
  ];
  return lines.join('\n');
}
