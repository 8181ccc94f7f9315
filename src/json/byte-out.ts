/**
 * A growing byte buffer for JSON text. crit's JSON is pure ASCII (every
 * non-ASCII character is escaped), so text can be written byte by byte with
 * no string building and no UTF-8 encoding afterwards.
 */
const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

export class ByteOut {
  buf: Uint8Array;
  pos = 0;

  constructor(size = 1 << 16) {
    this.buf = new Uint8Array(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    if (n > 32) {
      this.buf.set(b, this.pos);
      this.pos += n;
      return;
    }
    // TypedArray.set costs more than a loop for the short keys and separators.
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = b[i] as number;
    this.pos = p;
  }

  /** Writes a string that is known to be ASCII (such as pyString's output). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A non-negative integer below 2^53, in decimal. */
  uint(v: number): void {
    if (v < 10) {
      this.ensure(1);
      this.buf[this.pos++] = 48 + v;
      return;
    }
    if (v < 0x80000000) {
      // Digits straight into the buffer, for the uint32s that make up most of an image.
      this.ensure(10);
      const buf = this.buf;
      const len =
        v < 100
          ? 2
          : v < 1000
            ? 3
            : v < 10000
              ? 4
              : v < 100000
                ? 5
                : v < 1000000
                  ? 6
                  : v < 10000000
                    ? 7
                    : v < 100000000
                      ? 8
                      : v < 1000000000
                        ? 9
                        : 10;
      let p = this.pos + len;
      this.pos = p;
      let n = v;
      while (n > 0) {
        const q = (n / 10) | 0;
        buf[--p] = 48 + (n - q * 10);
        n = q;
      }
      return;
    }
    this.ascii(String(v));
  }

  /** `"0x…"` of a non-negative integer below 2^53, as Python's "0x%x". */
  hexString(v: number): void {
    this.ensure(20);
    const buf = this.buf;
    let len = 1;
    for (let x = v; x >= 16; x = Math.floor(x / 16)) len++;
    let p = this.pos;
    buf[p++] = 0x22;
    buf[p++] = 48;
    buf[p++] = 0x78;
    let q = p + len;
    this.pos = q + 1;
    buf[q] = 0x22;
    let n = v;
    do {
      const r = n % 16;
      buf[--q] = HEX[r] as number;
      n = (n - r) / 16;
    } while (n > 0);
  }

  /**
   * A JSON string of UTF-8 bytes, escaped as Python's ensure_ascii does.
   * Returns false (writing nothing) when the bytes are not plain ASCII; the
   * caller then decodes them and uses pyString.
   */
  asciiString(b: Uint8Array, start: number, end: number): boolean {
    for (let i = start; i < end; i++) if ((b[i] as number) > 0x7e) return false;
    this.ensure(2 + 6 * (end - start));
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    for (let i = start; i < end; i++) {
      const c = b[i] as number;
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) buf[p++] = c;
      else if (c === 0x22 || c === 0x5c) {
        buf[p++] = 0x5c;
        buf[p++] = c;
      } else if (c === 0x0a) {
        buf[p++] = 0x5c;
        buf[p++] = 0x6e;
      } else if (c === 0x0d) {
        buf[p++] = 0x5c;
        buf[p++] = 0x72;
      } else if (c === 0x09) {
        buf[p++] = 0x5c;
        buf[p++] = 0x74;
      } else if (c === 0x08) {
        buf[p++] = 0x5c;
        buf[p++] = 0x62;
      } else if (c === 0x0c) {
        buf[p++] = 0x5c;
        buf[p++] = 0x66;
      } else {
        buf[p++] = 0x5c;
        buf[p++] = 0x75;
        buf[p++] = 48;
        buf[p++] = 48;
        buf[p++] = HEX[c >> 4] as number;
        buf[p++] = HEX[c & 15] as number;
      }
    }
    buf[p++] = 0x22;
    this.pos = p;
    return true;
  }

  /** Takes what was written so far, as a buffer of its own, and starts over in a new one. */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.buf = new Uint8Array(this.buf.length);
    this.pos = 0;
    return out;
  }

  /** The buffer takeView writes into next. */
  private spare: Uint8Array | undefined;

  /**
   * Takes what was written so far as a view, and starts over in a second
   * buffer; the two take turns. So a view stays whole until the view after
   * next is taken: one chunk can be written out while the next is made, and
   * nothing is allocated after the first two buffers.
   */
  takeView(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    const next = this.spare ?? new Uint8Array(this.buf.length);
    this.spare = this.buf;
    this.buf = next;
    this.pos = 0;
    return out;
  }

  text(): string {
    return latin1.decode(this.buf.subarray(0, this.pos));
  }
}

const latin1 = new TextDecoder("latin1");

const cache = new Map<string, Uint8Array>();
/** ASCII text as bytes, cached (keys, separators, indents). */
export function asciiBytes(s: string): Uint8Array {
  let b = cache.get(s);
  if (!b) {
    b = Uint8Array.from(s, (c) => c.charCodeAt(0));
    cache.set(s, b);
  }
  return b;
}
