/** Minimal ELF files with a note segment, for build-id tests (no code, just the headers CRIU reads). */

export interface ElfOptions {
  /** ELFCLASS64 (default) or ELFCLASS32. */
  wide?: boolean;
  bigEndian?: boolean;
  /** The note's name (default "GNU"). */
  name?: string;
  /** The note's type (default NT_GNU_BUILD_ID, 3). */
  type?: number;
  /** Notes placed before the build-id note in the same segment: [type, desc bytes]. */
  before?: [number, Uint8Array][];
  /** Total file size (zero padding after the note). */
  size?: number;
}

/** An ELF file holding `desc` as a note. */
export function elfWithNote(desc: Uint8Array, o: ElfOptions = {}): Uint8Array {
  const wide = o.wide ?? true;
  const le = !o.bigEndian;
  const ehsize = wide ? 64 : 52;
  const phsize = wide ? 56 : 32;
  const name = new TextEncoder().encode(`${o.name ?? "GNU"}\0`);
  const pad = (n: number) => (n + 3) & ~3;
  const notes: [number, Uint8Array][] = [...(o.before ?? []), [o.type ?? 3, desc]];
  const noteSize = notes.reduce((s, [, d]) => s + 12 + pad(name.length) + pad(d.length), 0);
  const noteOff = ehsize + phsize;
  const size = Math.max(o.size ?? 0, noteOff + noteSize);
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, wide ? 2 : 1, le ? 1 : 2, 1]);
  v.setUint16(16, 3, le); // ET_DYN
  if (wide) {
    v.setBigUint64(32, BigInt(ehsize), le);
    v.setUint16(54, phsize, le);
    v.setUint16(56, 1, le);
    v.setUint32(ehsize, 4, le); // PT_NOTE
    v.setBigUint64(ehsize + 8, BigInt(noteOff), le);
    v.setBigUint64(ehsize + 32, BigInt(noteSize), le);
  } else {
    v.setUint32(28, ehsize, le);
    v.setUint16(42, phsize, le);
    v.setUint16(44, 1, le);
    v.setUint32(ehsize, 4, le);
    v.setUint32(ehsize + 4, noteOff, le);
    v.setUint32(ehsize + 16, noteSize, le);
  }
  let at = noteOff;
  for (const [type, d] of notes) {
    v.setUint32(at, name.length, le);
    v.setUint32(at + 4, d.length, le);
    v.setUint32(at + 8, type, le);
    b.set(name, at + 12);
    b.set(d, at + 12 + pad(name.length));
    at += 12 + pad(name.length) + pad(d.length);
  }
  return b;
}
