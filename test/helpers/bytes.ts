/** Little-endian u32 words, as CRIU writes magics and sizes. */
export function u32(...values: number[]): Uint8Array {
  const b = new Uint8Array(4 * values.length);
  const d = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) d.setUint32(4 * i, values[i] as number, true);
  return b;
}

export const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
export const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);
