/**
 * Case-insensitive substring matching (RFC 3501 §6.4.4: "a case-insensitive substring match"),
 * over whole strings and over text that arrives in pieces (a body streamed from the blob store).
 */

/**
 * The form both sides are compared in: lower case, final sigma as sigma (toLowerCase picks ς or
 * σ from the letters around it, which differ when text is cut into pieces).
 */
export function foldText(text: string): string {
  return text.toLowerCase().replace(/ς/g, 'σ');
}

/** Whether `folded` (a folded needle) is in `text`. */
export function containsFolded(text: string, folded: string): boolean {
  return foldText(text).includes(folded);
}

/**
 * Looks for several folded needles in text pushed piece by piece, keeping only the last
 * (longest needle - 1) characters between pieces, so a match across two pieces is found and
 * memory does not grow with the text.
 */
export class StreamMatcher {
  private readonly pending: Set<string>;
  readonly found = new Set<string>();
  private tail = '';
  private readonly keep: number;

  constructor(needles: Iterable<string>) {
    this.pending = new Set(needles);
    for (const needle of this.pending) {
      if (needle === '') this.found.add(needle);
    }
    for (const needle of this.found) this.pending.delete(needle);
    this.keep = Math.max(0, ...[...this.pending].map((needle) => needle.length - 1));
  }

  /** Every needle has been found: the rest of the text need not be read. */
  get done(): boolean {
    return this.pending.size === 0;
  }

  push(text: string): void {
    if (this.done || text === '') return;
    const window = this.tail + foldText(text);
    for (const needle of this.pending) {
      if (window.includes(needle)) {
        this.found.add(needle);
        this.pending.delete(needle);
      }
    }
    this.tail = this.keep === 0 ? '' : window.slice(-this.keep);
  }

  /** A new part starts: no match spans two parts. */
  reset(): void {
    this.tail = '';
  }
}
