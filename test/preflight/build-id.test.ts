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
