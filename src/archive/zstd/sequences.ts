/**
 * The sequences section of a compressed block (RFC 8878 §3.1.1.3.2): the
 * three FSE tables (literal lengths, offsets, match lengths), and the
 * sequences decoded and executed: copy literals, then copy a match from
 * the history.
 */
import { BackwardBits } from "./bits.js";
import { corrupt } from "./errors.js";
import { type FseTable, fseTable, readFseTable, rleTable } from "./fse.js";

// Predefined distributions (RFC 8878 §3.1.1.3.2.2).
const LL_DEFAULT = fseTable(
  [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1],
  36,
  6,
);
const ML_DEFAULT = fseTable(
  [
    1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
  ],
  53,
  6,
);
const OF_DEFAULT = fseTable(
  [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1],
  29,
  5,
);

// Literal and match length codes: baseline and extra bits (codes past the plain ones).
const LL_BASE = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024,
  2048, 4096, 8192, 16384, 32768, 65536,
];
const LL_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];
const ML_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
  34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
];
const ML_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3,
  3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];

/** One of the three kinds of symbols: its predefined table, largest code and accuracy. */
const KINDS = {
  ll: { predefined: LL_DEFAULT, maxSymbol: 35, maxLog: 9 },
  of: { predefined: OF_DEFAULT, maxSymbol: 31, maxLog: 8 },
  ml: { predefined: ML_DEFAULT, maxSymbol: 52, maxLog: 9 },
} as const;

/** What a frame carries from block to block: the tables of repeat mode and the repeat offsets. */
export interface SequenceState {
  ll?: FseTable;
  of?: FseTable;
  ml?: FseTable;
  rep: [number, number, number];
}

export const newSequenceState = (): SequenceState => ({ rep: [1, 4, 8] });

/** Where a block's output goes: `out`, from `at` on; matches reach back to out[0]. */
export interface Output {
  out: Uint8Array;
  at: number;
}

/** The table of one kind for this block, by its mode; returns the bytes its description took. */
function table(
  kind: keyof typeof KINDS,
  mode: number,
  src: Uint8Array,
  pos: number,
  end: number,
  st: SequenceState,
): number {
  const k = KINDS[kind];
  if (mode === 0) st[kind] = k.predefined;
  else if (mode === 1) {
    if (pos >= end) corrupt("a cut RLE symbol");
    const s = src[pos] as number;
    if (s > k.maxSymbol) corrupt(`an RLE ${kind} code of ${s}`);
    st[kind] = rleTable(s);
    return 1;
  } else if (mode === 2) {
    const r = readFseTable(src, pos, end, k.maxSymbol, k.maxLog);
    st[kind] = r.table;
    return r.size;
  } else if (!st[kind]) corrupt(`a repeated ${kind} table with none before`);
  return 0;
}

/**
 * Decodes the sequences section [pos, end) and executes it with the block's
 * literals: the block's output is written to `o.out` from `o.at` on.
 * Returns where the output ends.
 */
export function executeSequences(
  src: Uint8Array,
  pos: number,
  end: number,
  lit: Uint8Array,
  litStart: number,
  litEnd: number,
  st: SequenceState,
  o: Output,
  blockMax: number,
): number {
  if (pos >= end) corrupt("a missing sequences section");
  let n = src[pos++] as number;
  if (n >= 128) {
    if (n === 255) {
      if (pos + 2 > end) corrupt("a cut sequence count");
      n = (src[pos] as number) + ((src[pos + 1] as number) << 8) + 0x7f00;
      pos += 2;
    } else {
      if (pos + 1 > end) corrupt("a cut sequence count");
      n = ((n - 128) << 8) + (src[pos++] as number);
    }
  }
  const out = o.out;
  let op = o.at;
  const limit = o.at + blockMax;
  let lp = litStart;
  if (n > 0) {
    if (pos >= end) corrupt("missing compression modes");
    const modes = src[pos++] as number;
    if (modes & 3) corrupt("reserved bits set in the compression modes");
    pos += table("ll", modes >> 6, src, pos, end, st);
    pos += table("of", (modes >> 4) & 3, src, pos, end, st);
    pos += table("ml", (modes >> 2) & 3, src, pos, end, st);
    const ll = st.ll as FseTable;
    const of = st.of as FseTable;
    const ml = st.ml as FseTable;
    const rep = st.rep;
    const bits = new BackwardBits(src, pos, end);
    let sl = bits.read(ll.log);
    let so = bits.read(of.log);
    let sm = bits.read(ml.log);
    for (let i = 0; i < n; i++) {
      const ofCode = of.symbol[so] as number;
      const mlCode = ml.symbol[sm] as number;
      const llCode = ll.symbol[sl] as number;
      const ofValue = 2 ** ofCode + bits.read(ofCode);
      const matchLength = (ML_BASE[mlCode] as number) + bits.read(ML_BITS[mlCode] as number);
      const literalLength = (LL_BASE[llCode] as number) + bits.read(LL_BITS[llCode] as number);
      let offset: number;
      if (ofValue > 3) {
        offset = ofValue - 3;
        rep[2] = rep[1];
        rep[1] = rep[0];
        rep[0] = offset;
      } else {
        // A repeat offset; with no literals before the match, the choices shift by one.
        const idx = literalLength === 0 ? ofValue : ofValue - 1;
        if (idx === 0) offset = rep[0];
        else {
          offset = idx === 3 ? rep[0] - 1 : (rep[idx] as number);
          if (idx !== 1) rep[2] = rep[1];
          rep[1] = rep[0];
          rep[0] = offset;
        }
      }
      if (i < n - 1) {
        sl = (ll.base[sl] as number) + bits.read(ll.nbBits[sl] as number);
        sm = (ml.base[sm] as number) + bits.read(ml.nbBits[sm] as number);
        so = (of.base[so] as number) + bits.read(of.nbBits[so] as number);
      }
      if (bits.bits < 0) corrupt("a sequences bitstream read past its start");
      if (literalLength > litEnd - lp) corrupt("a sequence that takes more literals than the block has");
      if (op + literalLength + matchLength > limit) corrupt("a block that decodes to more than its maximum size");
      if (literalLength < 32) for (let k = 0; k < literalLength; k++) out[op++] = lit[lp++] as number;
      else {
        out.set(lit.subarray(lp, lp + literalLength), op);
        op += literalLength;
        lp += literalLength;
      }
      if (offset < 1 || offset > op) corrupt(`a match offset of ${offset} before the start of the data`);
      let from = op - offset;
      if (offset >= matchLength && matchLength >= 32) {
        out.copyWithin(op, from, from + matchLength);
        op += matchLength;
      } else for (let k = 0; k < matchLength; k++) out[op++] = out[from++] as number;
    }
    if (bits.bits !== 0) corrupt("a sequences bitstream with bits left over");
  } else if (pos !== end) corrupt("bytes after an empty sequences section");
  if (op + (litEnd - lp) > limit) corrupt("a block that decodes to more than its maximum size");
  out.set(lit.subarray(lp, litEnd), op);
  return op + (litEnd - lp);
}
