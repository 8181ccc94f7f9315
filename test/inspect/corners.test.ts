/**
 * The small views' corners: what they say for sources and images the corpus
 * holds in one shape only (unknown files, unsafe archive members, a parent
 * link, stats beside the images, a folder without inventory.img).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { CriuImageError } from "../../src/framing/errors.js";
import { kindByName, writeImage } from "../../src/index.js";
import {
  checkpointInfo,
  dumpStats,
  inspectCheckpoint,
  lazySockets,
  sockets,
  taskFds,
} from "../../src/inspect/index.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { critDir } from "../helpers/corpus.js";
import { withZombie, ZOMBIE_PID } from "../helpers/zombie.js";

describe("checkpointInfo and inspect notes", () => {
  it("names files of unknown writers, unsafe members and the parent link; notes unsafe members, not zombies' memory", async () => {
    const images = corpusCheckpoint("simple");
    images.set("mystery.bin", new Uint8Array(3));
    const base = memorySource(withZombie(images));
    const unsafe = [{ name: "../etc/passwd", index: 7, reason: "it leaves the checkpoint" }];
    const cp = new Checkpoint({ ...base, unsafe, parentLink: "../1" });
    const info = checkpointInfo(cp);
    expect(info.otherFiles).toContain("mystery.bin (unknown)");
    expect(info.unsafe).toEqual(["../etc/passwd: it leaves the checkpoint"]);
    expect(info.parent).toBe("../1");
    expect(checkpointInfo(Checkpoint.of(corpusCheckpoint("simple")))).not.toHaveProperty("parent");
    const notes = (await inspectCheckpoint(cp)).notes;
    expect(notes).toContain('unsafe archive member "../etc/passwd": it leaves the checkpoint; not read');
    expect(notes.some((n) => n.includes(`task ${ZOMBIE_PID}`))).toBe(false);
  });
});

describe("sockets", () => {
  it("sockets() holds every inet socket lazySockets iterates, as many as crit lists", () => {
    const cp = Checkpoint.of(corpusCheckpoint("mixed-sockets"));
    const crit = JSON.parse(readFileSync(join(critDir("mixed-sockets"), "files.img.json"), "utf8")).entries.filter(
      (e: { type: string }) => e.type === "INETSK",
    );
    const inet = sockets(cp).inet;
    expect(inet.length).toBe(crit.length);
    expect(inet).toEqual([...lazySockets(cp).inet]);
  });
});

describe("dumpStats", () => {
  const stats = (entries: unknown[]) =>
    writeImage({ kind: "STATS", format: "v1.1", magic: kindByName("STATS")?.magic, entries } as never);

  it("null for a stats-dump beside the images with no entry; a damaged one is a typed error naming it", () => {
    const base = memorySource(new Map(), { companions: new Map([["stats-dump", stats([])]]) });
    expect(dumpStats(new Checkpoint(base))).toBeNull();
    const bad = memorySource(new Map(), { companions: new Map([["stats-dump", new Uint8Array([1, 2, 3, 4, 5])]]) });
    let err: unknown;
    try {
      dumpStats(new Checkpoint(bad));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CriuImageError);
    expect(err).toMatchObject({ image: "stats-dump" });
  });
});

describe("fds without inventory.img", () => {
  it("are found through the ids image, as CRIU has written them since fdinfo per id", () => {
    const images = corpusCheckpoint("simple");
    const want = taskFds(Checkpoint.of(images), 11146);
    expect(want.length).toBeGreaterThan(0);
    images.delete("inventory.img");
    expect(taskFds(Checkpoint.of(images), 11146)).toEqual(want);
  });
});

describe("inet socket entries and kinds", () => {
  it("socketEntries gives the checkpoint's own decoded entries, as many as crit lists, so edits to them stick", async () => {
    const { socketEntries } = await import("../../src/inspect/inet.js");
    const cp = Checkpoint.of(corpusCheckpoint("mixed-sockets"));
    const entries = socketEntries(cp);
    const crit = JSON.parse(readFileSync(join(critDir("mixed-sockets"), "files.img.json"), "utf8")).entries.filter(
      (e: { type: string }) => e.type === "INETSK",
    );
    expect(entries.length).toBe(crit.length);
    const own = cp.kind("files.img", "FILES")?.entries.flatMap((f) => (f.isk ? [f.isk] : []));
    expect(entries.map((e) => e.sk)).toEqual(own);
    expect(entries.every((e, i) => e.sk === own?.[i])).toBe(true);
    // The layout before CRIU 3.4: inetsk.img's own decoded entries.
    const { legacyLayout } = await import("../helpers/checkpoints.js");
    const old = Checkpoint.of(legacyLayout(corpusCheckpoint("mixed-sockets")));
    const legacy = socketEntries(old);
    const kept = old.kind("inetsk.img", "INETSK")?.entries;
    expect(legacy.length).toBe(crit.length);
    expect(legacy.every((e, i) => e.sk === kept?.[i])).toBe(true);
  });

  it("names every socket kind, and other for protocols it does not know", async () => {
    const { socketKind } = await import("../../src/inspect/socket-names.js");
    expect([socketKind(3, 6), socketKind(1, 6), socketKind(2, 17), socketKind(2, 136), socketKind(2, 132)]).toEqual([
      "raw",
      "tcp",
      "udp",
      "udplite",
      "other",
    ]);
  });
});

describe("fdinfo images", () => {
  it("a decoded fdinfo changed in memory is what the fds are; a missing one gives none", async () => {
    const images = corpusCheckpoint("simple");
    const cp = Checkpoint.of(images);
    const name = [...images.keys()].find((n) => n.startsWith("fdinfo-")) as string;
    const fdinfo = cp.kind(name, "FDINFO");
    const first = fdinfo?.entries[0];
    if (!first) throw new Error("simple has fds");
    first.fd = 999;
    expect(taskFds(cp, 11146)[0]?.fd).toBe(999);
    images.delete(name);
    expect(taskFds(Checkpoint.of(images), 11146)).toEqual([]);
  });
});

describe("socket owners", () => {
  it("a unix socket no fd holds (one in flight, say) has no owners", async () => {
    const images = corpusCheckpoint("mixed-sockets");
    const before = sockets(Checkpoint.of(images)).unix;
    const held = before.find((u) => u.owners.length > 0);
    if (!held) throw new Error("mixed-sockets has held unix sockets");
    const { editImage } = await import("../helpers/checkpoints.js");
    for (const name of [...images.keys()].filter((n) => n.startsWith("fdinfo-")))
      editImage<"FDINFO">(images, name, (img) => {
        img.entries = img.entries.filter((e) => e.id !== held.id);
      });
    expect(sockets(Checkpoint.of(images)).unix.find((u) => u.id === held.id)?.owners).toEqual([]);
  });
});
