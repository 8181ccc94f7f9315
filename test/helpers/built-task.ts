/**
 * A task built in memory for memory tests and benchmarks: one anonymous
 * VMA at `start` holding `bytes`, described by pagemap runs of the given
 * page counts, each present (stored in pages-1.img) or a hole (not dumped).
 */
import { create, type Message } from "@bufbuild/protobuf";
import {
  type mm_entry,
  mm_entrySchema,
  pagemap_entrySchema,
  pagemap_headSchema,
  type vma_entry,
  vma_entrySchema,
} from "../../src/gen/index.js";
import { type CriuImage, IMG_COMMON_MAGIC, kindByName, writeImage } from "../../src/index.js";

export function imageOf(kind: string, entries: unknown[]): Uint8Array {
  return writeImage({
    kind,
    format: "v1.1",
    magic: kindByName(kind)!.magic,
    leadMagic: IMG_COMMON_MAGIC,
    entries,
  } as unknown as CriuImage);
}

/** An anonymous, private, regular VMA (what CRIU writes for malloc'd or mmap'd memory), with these fields changed. */
export function anonVma(start: bigint, end: bigint, fields: { prot?: number; status?: number } = {}): vma_entry {
  return create(vma_entrySchema, {
    start,
    end,
    pgoff: 0n,
    shmid: 0n,
    prot: fields.prot ?? 3,
    flags: 0x22,
    status: fields.status ?? 0x201,
    fd: -1n,
  });
}

/** An mm entry holding these VMAs and nothing else (no code, data, stack, arguments or environment). */
export function mmEntry(vmas: vma_entry[]): mm_entry {
  const z = 0n;
  return create(mm_entrySchema, {
    mmStartCode: z,
    mmEndCode: z,
    mmStartData: z,
    mmEndData: z,
    mmStartStack: z,
    mmStartBrk: z,
    mmBrk: z,
    mmArgStart: z,
    mmArgEnd: z,
    mmEnvStart: z,
    mmEnvEnd: z,
    exeFileId: 0,
    vmas,
  });
}

export function taskImages(
  pid: number,
  start: bigint,
  bytes: Uint8Array,
  runs: readonly { pages: number; present: boolean }[],
): Map<string, Uint8Array> {
  const mm = mmEntry([anonVma(start, start + BigInt(bytes.length))]);
  const entries: Message[] = [create(pagemap_headSchema, { pagesId: 1 })];
  const stored: Uint8Array[] = [];
  let page = 0;
  for (const r of runs) {
    // Present anonymous pages are PE_PRESENT | PE_LAZY, as CRIU writes them; holes have no flag.
    entries.push(
      create(pagemap_entrySchema, {
        vaddr: start + BigInt(page * 4096),
        compatNrPages: 0,
        nrPages: BigInt(r.pages),
        flags: r.present ? 6 : 0,
      }),
    );
    if (r.present) stored.push(bytes.subarray(page * 4096, (page + r.pages) * 4096));
    page += r.pages;
  }
  const pages = new Uint8Array(stored.reduce((s, b) => s + b.length, 0));
  let at = 0;
  for (const b of stored) {
    pages.set(b, at);
    at += b.length;
  }
  return new Map([
    [`mm-${pid}.img`, imageOf("MM", [mm])],
    [`pagemap-${pid}.img`, imageOf("PAGEMAP", entries)],
    ["pages-1.img", pages],
  ]);
}
