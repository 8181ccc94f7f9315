/**
 * Rows of uint32 columns looked up by the first: the index a listing or a
 * check keeps for a million sockets or fds. A Map of a million entries
 * costs about 40 bytes each, and more while it grows; these columns cost 4
 * bytes a cell.
 */
export class IdTable {
  private cols: Uint32Array[];
  private n = 0;
  private sorted = true;
  private sealed = false;

  constructor(readonly width: number) {
    this.cols = Array.from({ length: width }, () => new Uint32Array(1024));
  }

  get size(): number {
    return this.n;
  }

  /** Adds a row: its key, then the other columns. */
  add(...row: number[]): void {
    if (this.sealed) throw new Error("IdTable: add after lookup");
    if (this.n === (this.cols[0] as Uint32Array).length) {
      this.cols = this.cols.map((c) => {
        const bigger = new Uint32Array(c.length * 2);
        bigger.set(c);
        return bigger;
      });
    }
    const keys = this.cols[0] as Uint32Array;
    if (this.n > 0 && (row[0] as number) >>> 0 < (keys[this.n - 1] as number)) this.sorted = false;
    for (let i = 0; i < this.width; i++) (this.cols[i] as Uint32Array)[this.n] = (row[i] as number) >>> 0;
    this.n++;
  }

  /** Sorts by key once, keeping the order of rows with equal keys. */
  private seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    this.cols = this.cols.map((c) => c.subarray(0, this.n));
    if (this.sorted) return;
    const keys = this.cols[0] as Uint32Array;
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    order.sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
    this.cols = this.cols.map((c) => order.map((i) => c[i] as number));
  }

  /** The first row whose key is not below `k`. */
  private lowerBound(k: number): number {
    this.seal();
    const keys = this.cols[0] as Uint32Array;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as number) < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The rows whose key is `key`, in the order they were added, as their columns after the key. */
  lookup(key: number): number[][] {
    const k = key >>> 0;
    const start = this.lowerBound(k);
    const keys = this.cols[0] as Uint32Array;
    const rows: number[][] = [];
    for (let r = start; r < this.n && keys[r] === k; r++) rows.push(this.cols.slice(1).map((c) => c[r] as number));
    return rows;
  }

  /** Every row, in key order. */
  *rows(): Generator<number[]> {
    this.seal();
    for (let r = 0; r < this.n; r++) yield this.cols.map((c) => c[r] as number);
  }
}
