/** Small statistics for benchmark samples. */

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(samples) {
  return percentile(samples, 50);
}

/** `value` rounded to `digits` significant decimals, or null when it is not a finite number (for JSON). */
export function round(value, digits = 1) {
  if (!Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
