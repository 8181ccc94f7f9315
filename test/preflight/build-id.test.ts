import { execFileSync } from "node:child_process";
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILD_ID_HEAD, buildIdBytes, buildIdHex, buildIdOf, compareBuildId } from "../../src/preflight/build-id.js";
import { elfWithNote } from "../helpers/elf.js";

function head(path: string): Uint8Array {
  const size = Math.min(statSync(path).size, BUILD_ID_HEAD);
  const b = new Uint8Array(size);
  const fd = openSync(path, "r");
  try {
    readSync(fd, b, 0, size, 0);
  } finally {
    closeSync(fd);
  }
  return b;
}

/** The build-id `readelf -n` prints, or undefined; readelf is the oracle. */
function readelfBuildId(path: string): string | undefined {
  try {
    const out = execFileSync("readelf", ["-n", path], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return /Build ID: ([0-9a-f]+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

const haveReadelf = (() => {
  try {
    execFileSync("readelf", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("buildIdOf", () => {
  it.runIf(haveReadelf)("finds the build-id readelf prints, on this system's libraries and programs", () => {
    const files: string[] = [];
    for (const dir of ["/usr/lib/x86_64-linux-gnu", "/usr/bin", "/usr/lib/aarch64-linux-gnu"]) {
      let names: string[] = [];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      let taken = 0;
      for (const n of names) {
        const p = join(dir, n);
        try {
          if (!statSync(p).isFile() || statSync(p).size <= 64) continue;
        } catch {
          continue;
        }
        files.push(p);
        if (++taken === 40) break;
      }
    }
    let withId = 0;
    for (const f of files) {
      const id = buildIdOf(head(f));
      const want = readelfBuildId(f);
      expect(id ? buildIdHex(id) : undefined, f).toBe(want);
      if (want) withId++;
    }
    expect(withId).toBeGreaterThan(10);
  });

  it("reads 32- and 64-bit, little- and big-endian files, by note type whatever the note's name", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom("GNU", "Go", "X"),
        (desc, wide, bigEndian, name) => {
          const elf = elfWithNote(desc, { wide, bigEndian, name, before: [[1, new Uint8Array(7)]] });
          expect(buildIdOf(elf)).toEqual(desc);
        },
      ),
    );
  });

  it("finds nothing in non-ELF bytes, other note types, empty or oversized build-ids, or notes past the head", () => {
    const id = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
    expect(buildIdOf(new TextEncoder().encode("#!/bin/sh\necho hi\n"))).toBeUndefined();
    expect(buildIdOf(elfWithNote(id, { type: 1 }))).toBeUndefined();
    expect(buildIdOf(elfWithNote(new Uint8Array(0)))).toBeUndefined();
    expect(buildIdOf(elfWithNote(new Uint8Array(513)))).toBeUndefined();
    expect(buildIdOf(elfWithNote(new Uint8Array(512)))).toEqual(new Uint8Array(512));
    const elf = elfWithNote(id);
    expect(buildIdOf(elf.subarray(0, elf.length - 4))).toBeUndefined();
    const bad = elf.slice();
    bad[4] = 3; // neither ELFCLASS32 nor ELFCLASS64
    expect(buildIdOf(bad)).toBeUndefined();
  });

  it("reads only the program headers the header counts, up to a table ending exactly at the head's end", () => {
    const id = Uint8Array.from({ length: 20 }, (_, i) => 0x40 + i);
    const elf = elfWithNote(id);
    // No program headers: the PT_NOTE header still sitting after the ELF header is not one.
    const none = elf.slice();
    new DataView(none.buffer).setUint16(56, 0, true);
    expect(buildIdOf(none)).toBeUndefined();
    // The table moved behind the note, the head cut right after it: the last header is whole, so it counts.
    const moved = new Uint8Array(elf.length + 56);
    moved.set(elf);
    moved.set(elf.subarray(64, 120), elf.length);
    new DataView(moved.buffer).setBigUint64(32, BigInt(elf.length), true);
    expect(buildIdOf(moved)).toEqual(id);
    expect(buildIdOf(moved.subarray(0, moved.length - 1))).toBeUndefined();
    // A head shorter than the ELF header is not read past its end.
    expect(buildIdOf(elf.subarray(0, 40))).toBeUndefined();
    expect(buildIdOf(elfWithNote(id, { wide: false }).subarray(0, 40))).toBeUndefined();
  });
});

describe("buildIdOf at CRIU's bounds (get_build_id_32/_64)", () => {
  const id = Uint8Array.from({ length: 20 }, (_, i) => 0x60 + i);

  it("reads a file no longer than its ELF header (CRIU refuses only a shorter one)", () => {
    // 52 bytes of ELF32 whose fields double as a program header at 8 and a note at 32.
    const b = new Uint8Array(52);
    const v = new DataView(b.buffer);
    b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    v.setUint32(8, 4, true); // p_type: PT_NOTE
    v.setUint32(12, 32, true); // p_offset
    v.setUint32(24, 16, true); // p_filesz (e_entry)
    v.setUint32(28, 8, true); // e_phoff
    v.setUint32(32, 0, true); // n_namesz
    v.setUint32(36, 4, true); // n_descsz
    v.setUint32(40, 3, true); // n_type: NT_GNU_BUILD_ID (e_ehsize, e_phentsize)
    v.setUint16(44, 1, true); // e_phnum, and the build-id's first two bytes
    b.set([0xab, 0xcd], 46);
    expect(buildIdOf(b)).toEqual(Uint8Array.from([1, 0, 0xab, 0xcd]));
  });

  it("reads notes only within the segment's p_filesz", () => {
    for (const wide of [true, false]) {
      const elf = elfWithNote(id, { wide, before: [[1, new Uint8Array(4)]] });
      expect(buildIdOf(elf)).toEqual(id);
      // The segment ends inside the first note (a 20-byte one): the build-id note behind it is not the segment's.
      // (CRIU still reads a note that starts right at the segment's end: its loop runs while note <= end.)
      const short = elf.slice();
      const v = new DataView(short.buffer);
      if (wide) v.setBigUint64(64 + 32, 19n, true);
      else v.setUint32(52 + 16, 19, true);
      expect(buildIdOf(short), wide ? "64-bit" : "32-bit").toBeUndefined();
    }
  });

  it("reads nothing from a program header table at offset 0, even where later headers would read as a note", () => {
    const elf = elfWithNote(id);
    const b = elf.slice();
    const v = new DataView(b.buffer);
    // e_phoff 0 and 4 headers: the second, at 56, starts with e_phnum and e_shentsize, read as p_type 4 (PT_NOTE),
    // and its p_offset and p_filesz (bytes 64 and 88) are the real note header's: CRIU gives up at the first.
    v.setBigUint64(32, 0n, true);
    v.setUint16(56, 4, true);
    v.setUint16(58, 0, true);
    v.setBigUint64(64, 120n, true); // the note, right after the (former) program header
    v.setBigUint64(88, 36n, true); // its size: 12 + "GNU\0" + 20
    expect(v.getUint32(56, true)).toBe(4);
    // The same bytes with the table starting at 56 give the build-id: only the offset of 0 refuses it.
    const at56 = b.slice();
    new DataView(at56.buffer).setBigUint64(32, 56n, true);
    expect(buildIdOf(at56)).toEqual(id);
    expect(buildIdOf(b)).toBeUndefined();
  });

  it("skips a note segment at offset 0, as CRIU does, and reads the next one", () => {
    const elf = elfWithNote(id);
    // The program header table moved behind the note, with a PT_NOTE at offset 0 before the real one.
    const b = new Uint8Array(elf.length + 2 * 56);
    b.set(elf);
    const v = new DataView(b.buffer);
    v.setBigUint64(32, BigInt(elf.length), true);
    v.setUint16(56, 2, true);
    v.setUint32(elf.length, 4, true);
    v.setBigUint64(elf.length + 8, 0n, true);
    v.setBigUint64(elf.length + 32, 64n, true);
    b.set(elf.subarray(64, 120), elf.length + 56);
    // Read as a note, the ELF header would be a build-id note (type 3 at byte 8) of a size CRIU refuses.
    v.setUint32(8, 3, true);
    expect(buildIdOf(b)).toEqual(id);
  });
});

describe("compareBuildId", () => {
  const id = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
  const words = (b: Uint8Array) => {
    const padded = new Uint8Array((b.length + 3) & ~3);
    padded.set(b);
    return Array.from({ length: padded.length / 4 }, (_, i) => new DataView(padded.buffer).getUint32(i * 4, true));
  };

  it("matches the words CRIU saved (little-endian, zero-padded) against the file's build-id", () => {
    expect(buildIdBytes(words(id))).toEqual(id);
    expect(compareBuildId(words(id), elfWithNote(id))).toBe("match");
    const other = id.slice();
    other[19] = (id[19] as number) ^ 1;
    expect(compareBuildId(words(id), elfWithNote(other))).toBe("mismatch");
    // A 17-byte id rounds up to 20 bytes, as CRIU stores it.
    expect(compareBuildId(words(id.subarray(0, 17)), elfWithNote(id.subarray(0, 17)))).toBe("match");
    expect(compareBuildId(words(id.subarray(0, 16)), elfWithNote(id))).toBe("mismatch");
    // Saved words longer than the file's id: the same first bytes are not enough.
    expect(compareBuildId([...words(id), 0], elfWithNote(id))).toBe("mismatch");
    expect(compareBuildId(words(id), new Uint8Array(100))).toBe("unknown");
  });

  it.runIf(haveReadelf)(
    "agrees with readelf on the libc CRIU saved in the corpus, when this host has the same file",
    () => {
      const libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
      const want = readelfBuildId(libc);
      if (!want) return;
      const b = Uint8Array.from(want.match(/../g) as string[], (h) => Number.parseInt(h, 16));
      expect(compareBuildId(words(b), head(libc))).toBe("match");
    },
  );
});
