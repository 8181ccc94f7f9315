/**
 * The ELF64 little-endian pieces of a core file: the file header, program
 * headers and notes, as the kernel's binfmt_elf.c writes them for a core
 * (ET_CORE, one PT_NOTE, one PT_LOAD per mapping).
 */

export const ELF_HEADER_SIZE = 64;
export const PHDR_SIZE = 56;
export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

/** A little-endian writer over a fixed-size buffer. */
export class Out {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  at = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(v: number): this {
    this.view.setUint8(this.at, v);
    this.at += 1;
    return this;
  }
  u16(v: number): this {
    this.view.setUint16(this.at, v, true);
    this.at += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
    return this;
  }
  i32(v: number): this {
    this.view.setInt32(this.at, v, true);
    this.at += 4;
    return this;
  }
  u64(v: bigint | number): this {
    this.view.setBigUint64(this.at, BigInt.asUintN(64, BigInt(v)), true);
    this.at += 8;
    return this;
  }
  /** Bytes, cut or NUL-padded to `size` when given. */
  raw(b: Uint8Array, size = b.length): this {
    this.bytes.set(b.subarray(0, size), this.at);
    this.at += size;
    return this;
  }
  skip(n: number): this {
    this.at += n;
    return this;
  }
}

/** u32 values as their little-endian bytes (CRIU keeps register files as u32 or u64 lists). */
export function words32(values: readonly number[], count: number): Uint8Array {
  const o = new Out(count * 4);
  for (let i = 0; i < count; i++) o.u32(values[i] ?? 0);
  return o.bytes;
}

/** u64 values as their little-endian bytes. */
export function words64(values: readonly bigint[], count: number): Uint8Array {
  const o = new Out(count * 8);
  for (let i = 0; i < count; i++) o.u64(values[i] ?? 0n);
  return o.bytes;
}

/** One ELF note: its owner ("CORE" or "LINUX"), type and descriptor. */
export interface Note {
  name: string;
  type: number;
  desc: Uint8Array;
}

const align4 = (n: number) => (n + 3) & ~3;

/** The size of a note in the PT_NOTE segment: header, name and descriptor, each padded to 4 bytes. */
export function noteSize(n: Note): number {
  return 12 + align4(n.name.length + 1) + align4(n.desc.length);
}

/** The notes as the PT_NOTE segment holds them. */
export function encodeNotes(notes: readonly Note[]): Uint8Array {
  const o = new Out(notes.reduce((s, n) => s + noteSize(n), 0));
  for (const n of notes) {
    o.u32(n.name.length + 1)
      .u32(n.desc.length)
      .u32(n.type);
    o.raw(new TextEncoder().encode(n.name)).skip(align4(n.name.length + 1) - n.name.length);
    o.raw(n.desc).skip(align4(n.desc.length) - n.desc.length);
  }
  return o.bytes;
}

/** One program header. */
export interface Phdr {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

/** The ELF header and program headers of a core file for `machine`. */
export function encodeHeaders(machine: number, phdrs: readonly Phdr[]): Uint8Array {
  const o = new Out(ELF_HEADER_SIZE + PHDR_SIZE * phdrs.length);
  // e_ident: magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE.
  o.raw(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), 16);
  o.u16(4) // ET_CORE
    .u16(machine)
    .u32(1)
    .u64(0) // e_entry
    .u64(phdrs.length ? ELF_HEADER_SIZE : 0)
    .u64(0) // e_shoff
    .u32(0) // e_flags
    .u16(ELF_HEADER_SIZE)
    .u16(PHDR_SIZE)
    .u16(phdrs.length)
    .u16(64) // e_shentsize
    .u16(0)
    .u16(0);
  for (const p of phdrs)
    o.u32(p.type).u32(p.flags).u64(p.offset).u64(p.vaddr).u64(0).u64(p.filesz).u64(p.memsz).u64(p.align);
  return o.bytes;
}
