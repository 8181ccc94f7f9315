/**
 * The wire-level readers beside the inet view, against crit's JSON of the
 * same images: each file_entry's type read without decoding the rest, which
 * fds hold each inet socket, and each socket entry's place in files.img.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { readFramed } from "../../src/framing/index.js";
import { fd_types } from "../../src/gen/index.js";
import { CriuImageError } from "../../src/index.js";
import { eachSocketEntry, fileEntryType, socketOwners } from "../../src/inspect/index.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { corpusRoot, corpusScenarios } from "../helpers/corpus.js";

// biome-ignore lint/suspicious/noExplicitAny: crit's JSON.
const crit = (scenario: string, image: string): any => {
  const p = join(corpusRoot, "crit", scenario, `${image}.json`);
  return existsSync(p) ? JSON.parse(readFileSync(p, "utf8")) : undefined;
};

describe("inet entries from the wire", () => {
  it("fileEntryType gives each files.img entry's type as crit names it", () => {
    let n = 0;
    for (const s of corpusScenarios()) {
      const files = crit(s, "files.img");
      if (!files) continue;
      const framed = readFramed(corpusCheckpoint(s).get("files.img") as Uint8Array, { name: "files.img" });
      expect(
        framed.entries.map((e) => fd_types[fileEntryType(e.payload, "files.img", 0)]),
        s,
      ).toEqual(files.entries.map((e: { type: string }) => e.type));
      n += framed.entries.length;
    }
    expect(n).toBeGreaterThan(100);
    // A payload cut inside a field is named as the image and offset it came from.
    const bad = new Uint8Array([0x08, 0x80]);
    expect(() => fileEntryType(bad, "files.img", 44)).toThrow(CriuImageError);
    expect(() => fileEntryType(bad, "files.img", 44)).toThrow(/^files\.img: at byte 44: expected a valid file_entry/);
    expect(fileEntryType(new Uint8Array(0), "files.img", 0)).toBe(0);
  });

  it("socketOwners: the (pid, fd) pairs of every INETSK fd, in fdinfo order", () => {
    for (const s of ["tcp4", "mixed-sockets", "tcp6"]) {
      const expected = new Map<number, { pid: number; fd: number }[]>();
      for (const t of crit(s, "pstree.img").entries) {
        const ids = crit(s, `ids-${t.pid}.img`)?.entries[0];
        for (const fd of crit(s, `fdinfo-${ids?.files_id}.img`)?.entries ?? []) {
          if (fd.type !== "INETSK") continue;
          expected.set(fd.id, [...(expected.get(fd.id) ?? []), { pid: t.pid, fd: fd.fd }]);
        }
      }
      expect(socketOwners(Checkpoint.of(corpusCheckpoint(s))), s).toEqual(expected);
    }
  });

  it("eachSocketEntry: every inet socket with its index among files.img's entries", () => {
    const s = "mixed-sockets";
    const expected = crit(s, "files.img")
      .entries.map((e: { isk?: { id: number } }, index: number) => (e.isk ? { id: e.isk.id, index } : undefined))
      .filter(Boolean);
    const got = [...eachSocketEntry(Checkpoint.of(corpusCheckpoint(s)))];
    expect(got.map((e) => ({ id: e.sk.id, index: e.index }))).toEqual(expected);
    expect(got.every((e) => e.image === "files.img" && e.layout === "files.img")).toBe(true);
  });
});
