/** vmaKind against CRIU's VMA_* bits as criu/include/image.h defines them (written out here, not imported). */
import { describe, expect, it } from "vitest";
import { vmaKind } from "../../src/memory/map.js";

const REGULAR = 1 << 0;
const BITS: [number, string][] = [
  [1 << 1, "stack"],
  [1 << 2, "vsyscall"],
  [1 << 3, "vdso"],
  [1 << 5, "heap"],
  [1 << 6, "file"],
  [1 << 7, "file-shared"],
  [1 << 8, "shared"],
  [1 << 10, "sysvipc"],
  [1 << 11, "socket"],
  [1 << 12, "vvar"],
  [1 << 13, "aio"],
  [1 << 14, "memfd"],
];

describe("vmaKind", () => {
  it("names each kind of VMA by its status bit", () => {
    for (const [bit, kind] of BITS) expect(vmaKind(REGULAR | bit), kind).toBe(kind);
    expect(vmaKind(REGULAR | (1 << 9))).toBe("anon");
    expect(vmaKind(REGULAR)).toBe("anon");
  });

  it("takes the specific bit over the mapping's sharing, as CRIU sets both", () => {
    // Shared anonymous memory CRIU restores through memfd carries both bits; a SysV segment is a shared mapping too.
    expect(vmaKind(REGULAR | (1 << 8) | (1 << 14))).toBe("memfd");
    expect(vmaKind(REGULAR | (1 << 8) | (1 << 10))).toBe("sysvipc");
    expect(vmaKind(REGULAR | (1 << 7) | (1 << 11))).toBe("socket");
    expect(vmaKind(REGULAR | (1 << 7) | (1 << 13))).toBe("aio");
    expect(vmaKind(REGULAR | (1 << 6) | (1 << 12))).toBe("vvar");
    expect(vmaKind(REGULAR | (1 << 9) | (1 << 1))).toBe("stack");
    expect(vmaKind(REGULAR | (1 << 9) | (1 << 5))).toBe("heap");
    expect(vmaKind(REGULAR | (1 << 6) | (1 << 3))).toBe("vdso");
  });

  it("knows a stack by MAP_GROWSDOWN, which is how CRIU 4.2 dumps one (it never sets VMA_AREA_STACK)", () => {
    const MAP_PRIVATE = 0x2;
    const MAP_ANONYMOUS = 0x20;
    const MAP_GROWSDOWN = 0x100;
    expect(vmaKind(REGULAR | (1 << 9), MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN)).toBe("stack");
    expect(vmaKind(REGULAR | (1 << 9), MAP_PRIVATE | MAP_ANONYMOUS)).toBe("anon");
  });
});
