/**
 * XXH64 (seed 0), fed in pieces: a zstd frame's content checksum is the low
 * 32 bits of it over everything the frame decodes to. 64-bit words are kept
 * as (high, low) 32-bit halves and multiplied in 16-bit limbs, which stays
 * exact in doubles and is several times faster than BigInt.
 */

// The five primes of XXH64, as [high, low].
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

// The result of the last 64-bit operation (one pair of registers, so nothing is allocated per word).
let rh = 0;
let rl = 0;

/** The high 32 bits of the 64-bit product of two u32 (16-bit limbs: every partial product is exact). */
function mulhi(a: number, b: number): number {
  const a1 = a >>> 16;
  const a0 = a & 0xffff;
  const b1 = b >>> 16;
  const b0 = b & 0xffff;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

/** (ah, al) * (bh, bl) mod 2^64 into rh, rl. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  rh = (mulhi(al, bl) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
  rl = Math.imul(al, bl) >>> 0;
}

/** (ah, al) + (bh, bl) mod 2^64 into rh, rl. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + Math.floor(lo / 0x100000000)) >>> 0;
}

/** (h, l) rotated left by n (0 < n < 32) into rh, rl. */
function rotl(h: number, l: number, n: number): void {
  rh = ((h << n) | (l >>> (32 - n))) >>> 0;
  rl = ((l << n) | (h >>> (32 - n))) >>> 0;
}

/** XXH64's round: acc = rotl(acc + input * P2, 31) * P1, into rh, rl. */
function round(acch: number, accl: number, inh: number, inl: number): void {
  mul(inh, inl, P2H, P2L);
  add(acch, accl, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/** The little-endian u32 at b[p]. */
const le32 = (b: Uint8Array, p: number): number =>
  ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;

/** A running XXH64 of seed 0. */
export class Xxh64 {
  // The four lanes' accumulators, high and low halves.
  private v = new Uint32Array(8);
  private buf = new Uint8Array(32);
  private buffered = 0;
  private total = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    const v = this.v;
    add(P1H, P1L, P2H, P2L);
    v[0] = rh;
    v[1] = rl;
    v[2] = P2H;
    v[3] = P2L;
    v[4] = 0;
    v[5] = 0;
    // 0 - P1
    add(~P1H >>> 0, ~P1L >>> 0, 0, 1);
    v[6] = rh;
    v[7] = rl;
    this.buffered = 0;
    this.total = 0;
  }

  /** Adds b[from, to). */
  update(b: Uint8Array, from = 0, to = b.length): void {
    this.total += to - from;
    // Top up the partial stripe first (when none is buffered, this just moves a first stripe through it).
    const take = Math.min(32 - this.buffered, to - from);
    this.buf.set(b.subarray(from, from + take), this.buffered);
    this.buffered += take;
    if (this.buffered < 32) return;
    this.stripes(this.buf, 0, 32);
    const p = from + take;
    const whole = to - ((to - p) % 32);
    this.stripes(b, p, whole);
    this.buf.set(b.subarray(whole, to), 0);
    this.buffered = to - whole;
  }

  /** Folds the 32-byte stripes of b[p, end) into the lanes (end - p is a multiple of 32). */
  private stripes(b: Uint8Array, p: number, end: number): void {
    const v = this.v;
    for (let lane = 0; lane < 4; lane++) {
      // One lane at a time over the whole run: its accumulator stays in two locals.
      let h = v[2 * lane] as number;
      let l = v[2 * lane + 1] as number;
      for (let q = p + 8 * lane; q < end; q += 32) {
        const lo = le32(b, q);
        const hi = le32(b, q + 4);
        // The round, written out: acc = rotl(acc + input * P2, 31) * P1.
        const th = mulhi(lo, P2L) + Math.imul(hi, P2L) + Math.imul(lo, P2H);
        const al = l + (Math.imul(lo, P2L) >>> 0);
        const ah = (h + th + ((al / 0x100000000) | 0)) >>> 0;
        const sl = al >>> 0;
        const xh = ((ah << 31) | (sl >>> 1)) >>> 0;
        const xl = ((sl << 31) | (ah >>> 1)) >>> 0;
        h = (mulhi(xl, P1L) + Math.imul(xh, P1L) + Math.imul(xl, P1H)) >>> 0;
        l = Math.imul(xl, P1L) >>> 0;
      }
      v[2 * lane] = h;
      v[2 * lane + 1] = l;
    }
  }

  /** The low 32 bits of the digest (what a zstd frame stores). */
  digest32(): number {
    return this.digest()[1];
  }

  /** The digest as [high, low]. */
  digest(): [number, number] {
    const v = this.v;
    let hh: number;
    let hl: number;
    if (this.total >= 32) {
      rotl(v[0] as number, v[1] as number, 1);
      let sh = rh;
      let sl = rl;
      for (const [i, n] of [
        [2, 7],
        [4, 12],
        [6, 18],
      ] as const) {
        rotl(v[i] as number, v[i + 1] as number, n);
        add(sh, sl, rh, rl);
        sh = rh;
        sl = rl;
      }
      for (let i = 0; i < 8; i += 2) {
        round(0, 0, v[i] as number, v[i + 1] as number);
        sh = (sh ^ rh) >>> 0;
        sl = (sl ^ rl) >>> 0;
        mul(sh, sl, P1H, P1L);
        add(rh, rl, P4H, P4L);
        sh = rh;
        sl = rl;
      }
      hh = sh;
      hl = sl;
    } else {
      hh = P5H;
      hl = P5L;
    }
    add(hh, hl, Math.floor(this.total / 0x100000000) >>> 0, this.total >>> 0);
    hh = rh;
    hl = rl;
    const b = this.buf;
    let p = 0;
    const n = this.buffered;
    for (; p + 8 <= n; p += 8) {
      const lo = le32(b, p);
      const hi = le32(b, p + 4);
      round(0, 0, hi, lo);
      hh = (hh ^ rh) >>> 0;
      hl = (hl ^ rl) >>> 0;
      rotl(hh, hl, 27);
      mul(rh, rl, P1H, P1L);
      add(rh, rl, P4H, P4L);
      hh = rh;
      hl = rl;
    }
    if (p + 4 <= n) {
      const w = le32(b, p);
      mul(0, w, P1H, P1L);
      hh = (hh ^ rh) >>> 0;
      hl = (hl ^ rl) >>> 0;
      rotl(hh, hl, 23);
      mul(rh, rl, P2H, P2L);
      add(rh, rl, P3H, P3L);
      hh = rh;
      hl = rl;
      p += 4;
    }
    for (; p < n; p++) {
      mul(0, b[p] as number, P5H, P5L);
      hh = (hh ^ rh) >>> 0;
      hl = (hl ^ rl) >>> 0;
      rotl(hh, hl, 11);
      mul(rh, rl, P1H, P1L);
      hh = rh;
      hl = rl;
    }
    // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
    hl = (hl ^ (hh >>> 1)) >>> 0;
    mul(hh, hl, P2H, P2L);
    hh = (rh ^ (rh >>> 29)) >>> 0;
    hl = (rl ^ ((rl >>> 29) | (rh << 3))) >>> 0;
    mul(hh, hl, P3H, P3L);
    hh = rh;
    hl = (rl ^ rh) >>> 0;
    return [hh, hl];
  }
}
