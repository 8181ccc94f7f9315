/**
 * One line of progress on stderr for work that takes more than about a
 * second: what is done, of what total when it is known. Only on a
 * terminal: never in pipes, logs or CI, and never with --quiet.
 */

/** Where progress goes: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** The total, when known (bytes or entries). */
  total?: number;
  unit?: "bytes" | "entries";
  stream?: ProgressStream;
  /** Milliseconds; Date.now by default. */
  now?: () => number;
  /** Nothing is shown before this much time has passed (default 1000 ms). */
  delayMs?: number;
}

let quiet = false;

/** --quiet: no progress at all. */
export function setQuiet(q: boolean): void {
  quiet = q;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

function amount(n: number, entries: boolean): string {
  if (entries) return n.toLocaleString("en-US");
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${UNITS[i]}`;
}

export class Progress {
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly start: number;
  private readonly delay: number;
  private readonly enabled: boolean;
  private readonly entries: boolean;
  /** 0 while unknown. */
  private total: number;
  private last = -Infinity;
  private shown = false;

  constructor(
    private readonly label: string,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? Date.now;
    this.start = this.now();
    this.delay = options.delayMs ?? 1000;
    this.total = options.total ?? 0;
    this.entries = options.unit === "entries";
    this.enabled = !quiet && this.stream.isTTY === true;
  }

  /** `done` so far (and the total, when it became known). Cheap enough to call per chunk. */
  update(done: number, total?: number): void {
    if (!this.enabled) return;
    if (total !== undefined) this.total = total;
    const t = this.now();
    if (t - this.start < this.delay || t - this.last < 100) return;
    this.last = t;
    this.shown = true;
    const of =
      this.total > 0
        ? ` of ${amount(this.total, this.entries)} (${Math.min(100, Math.floor((100 * done) / this.total))}%)`
        : "";
    this.stream.write(`\r\x1b[K${this.label}: ${amount(done, this.entries)}${of}`);
  }

  /** Clears the line, if anything was shown. */
  done(): void {
    if (this.shown) this.stream.write("\r\x1b[K");
    this.shown = false;
  }
}
