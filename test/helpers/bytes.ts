/** Little-endian u32 words, as CRIU writes magics and sizes. */
export function u32(...values: number[]): Uint8Array {
  const b = new Uint8Array(4 * values.length);
  const d = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) d.setUint32(4 * i, values[i] as number, true);
  return b;
}

export const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
export const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);

/** A protobuf varint, of any value up to 2^64. */
export function varint(v: number | bigint): number[] {
  let n = BigInt(v);
  const out: number[] = [];
  do {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    out.push(n > 0n ? b | 0x80 : b);
  } while (n > 0n);
  return out;
}

/** Protobuf bytes of varint fields, written by hand: [field number, value]... */
export const msg = (...fields: [number, number | bigint][]): Uint8Array =>
  bytes(...fields.flatMap(([no, v]) => [...varint(no * 8), ...varint(v)]));

/** One framed entry: its u32 size, then the payload. */
export const entry = (payload: Uint8Array): Uint8Array => cat(u32(payload.length), payload);

/** `b` in chunks of `n` bytes (the last one shorter), as a stream would deliver it. */
export const chunked = (b: Uint8Array, n: number): Uint8Array[] =>
  Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, i * n + n));

/** The bytes `chunk` at a time, all handed out in one buffer that is overwritten for the next (as a reader that reuses its buffer does). */
export async function* reusedChunks(stream: Uint8Array, chunk: number): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(chunk);
  for (let at = 0; at < stream.length; at += chunk) {
    const n = Math.min(chunk, stream.length - at);
    buf.set(stream.subarray(at, at + n));
    yield buf.subarray(0, n);
    buf.fill(0xee);
  }
}
