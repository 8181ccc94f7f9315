/** The report's own fields: how CRIU wrote the dump (from crit's inventory JSON), its parent, and its notes. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { inspectCheckpoint } from "../../src/inspect/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { corpusRoot } from "../helpers/corpus.js";

describe("the report", () => {
  it("names CRIU's run and image version as crit reads them, and where the parent link leads", async () => {
    const inv = JSON.parse(readFileSync(join(corpusRoot, "crit", "simple", "inventory.img.json"), "utf8")).entries[0];
    const r = await inspectCheckpoint(await openCheckpoint(join(corpusRoot, "images", "simple")), { memory: false });
    expect(r.criu).toEqual({ imgVersion: inv.img_version, dumpedWith: `run ${inv.dump_criu_run_id}`, parent: null });
    expect(r.kind).toBe("dump");
    expect(r.source).toBe(join(corpusRoot, "images", "simple"));
    const chained = await inspectCheckpoint(
      await openCheckpoint(join(corpusRoot, "chains", "images", "predump", "2")),
      {
        memory: false,
      },
    );
    expect(chained.criu.parent).toBe("../1");
    // An inventory without CRIU's run id (before CRIU 3.16).
    const old = corpusCheckpoint("simple");
    editImage<"INVENTORY">(old, "inventory.img", (img) => {
      const e = img.entries[0] as { dumpCriuRunId?: string } | undefined;
      if (e) delete e.dumpCriuRunId;
    });
    expect((await inspectCheckpoint(Checkpoint.of(old), { memory: false })).criu.dumpedWith).toBeNull();
  });

  it("notes each live task whose cmdline could not be read, and what the source noted", async () => {
    const src = memorySource(corpusCheckpoint("simple"));
    const cp = new Checkpoint({
      ...src,
      notes: [{ file: "odd.bin", message: "not a CRIU image" }, { message: "plain" }],
    });
    const r = await inspectCheckpoint(cp);
    expect(r.notes).toEqual([
      expect.stringMatching(/^task 11146: cmdline\/env unknown: pages-\d+\.img: /),
      "odd.bin: not a CRIU image",
      "plain",
    ]);
    expect((await inspectCheckpoint(cp, { memory: false })).notes).toEqual([
      "task 11146: cmdline/env unknown: memory not read",
      "odd.bin: not a CRIU image",
      "plain",
    ]);
  });
});

describe("sockets in the layout before CRIU 3.4", () => {
  it("reads unix, netlink and packet sockets from their own images as from files.img", async () => {
    const { legacyLayout } = await import("../helpers/checkpoints.js");
    const { sockets } = await import("../../src/inspect/index.js");
    for (const scenario of ["mixed-sockets", "many-fds"]) {
      const now = sockets(Checkpoint.of(corpusCheckpoint(scenario)));
      const old = sockets(Checkpoint.of(legacyLayout(corpusCheckpoint(scenario), { allSockets: true })));
      const plain = (v: typeof now) => ({ ...v, inet: v.inet.map(({ image: _i, layout: _l, ...s }) => s) });
      expect(plain(old), scenario).toEqual(plain(now));
      expect(old.inet.every((s) => s.image === "inetsk.img" && s.layout === "inetsk.img")).toBe(true);
      expect(now.unix.length + now.netlink.length + now.packet.length, scenario).toBeGreaterThan(0);
    }
  });
});

describe("mounts", () => {
  it("names a mount's file system by its fsname first, then CRIU's fstype, else by number; external by key or flag", async () => {
    const { create } = await import("@bufbuild/protobuf");
    const { mnt_entrySchema, fstype } = await import("../../src/gen/index.js");
    const { mounts } = await import("../../src/inspect/index.js");
    const { kindByName, writeImage } = await import("../../src/index.js");
    const base = { root: "/", mountpoint: "/x", source: "none", options: "rw", flags: 0, rootDev: 1 };
    const entries = [
      create(mnt_entrySchema, { ...base, fstype: fstype.AUTO, mntId: 1, parentMntId: 0, fsname: "fuse.sshfs" }),
      create(mnt_entrySchema, { ...base, fstype: fstype.PROC, mntId: 2, parentMntId: 1, sharedId: 5, masterId: 3 }),
      create(mnt_entrySchema, { ...base, fstype: 999, mntId: 3, parentMntId: 1, extKey: "/data" }),
      create(mnt_entrySchema, { ...base, fstype: fstype.TMPFS, mntId: 4, parentMntId: 1, extMount: true }),
    ];
    const img = writeImage({ kind: "MNTS", format: "v1.1", magic: kindByName("MNTS")?.magic, entries } as never);
    const v = mounts(Checkpoint.of(new Map([["mountpoints-12.img", img]])));
    expect(v.map((m) => [m.ns, m.id, m.parentId, m.fstype, m.sharedId, m.masterId, m.external, m.extKey])).toEqual([
      [12, 1, 0, "fuse.sshfs", null, null, false, null],
      [12, 2, 1, "proc", 5, 3, false, null],
      [12, 3, 1, "fstype 999", null, null, true, "/data"],
      [12, 4, 1, "tmpfs", null, null, true, null],
    ]);
  });
});

describe("fds before fdinfo per files id (CRIU before 1.4)", () => {
  it("reads fdinfo-<pid>.img when the inventory says so, and decoded images alike", async () => {
    const { taskFds } = await import("../../src/inspect/index.js");
    const now = corpusCheckpoint("simple");
    const ids = JSON.parse(readFileSync(join(corpusRoot, "crit", "simple", "ids-11146.img.json"), "utf8")).entries[0];
    const want = taskFds(Checkpoint.of(now), 11146);
    expect(want.length).toBeGreaterThan(0);
    const old = new Map(now);
    old.set("fdinfo-11146.img", old.get(`fdinfo-${ids.files_id}.img`) as Uint8Array);
    old.delete(`fdinfo-${ids.files_id}.img`);
    editImage<"INVENTORY">(old, "inventory.img", (img) => {
      const e = img.entries[0];
      if (e) e.fdinfoPerId = false;
    });
    expect(taskFds(Checkpoint.of(old), 11146)).toEqual(want);
    const decoded = Checkpoint.of(now);
    decoded.kind(`fdinfo-${ids.files_id}.img`, "FDINFO");
    expect(taskFds(decoded, 11146)).toEqual(want);
  });
});

describe("user and time namespaces", () => {
  it("a user namespace's id maps and a time namespace's offsets, as the images hold them", async () => {
    const { create } = await import("@bufbuild/protobuf");
    const { timens_entrySchema, timespecSchema, uid_gid_extentSchema, userns_entrySchema } = await import(
      "../../src/gen/index.js"
    );
    const { namespaces } = await import("../../src/inspect/index.js");
    const { kindByName, writeImage } = await import("../../src/index.js");
    const image = (kind: string, entries: unknown[]) =>
      writeImage({ kind, format: "v1.1", magic: kindByName(kind)?.magic, entries } as never);
    const ext = (first: number, lowerFirst: number, count: number) =>
      create(uid_gid_extentSchema, { first, lowerFirst, count });
    const cp = corpusCheckpoint("simple");
    cp.set(
      "userns-7.img",
      image("USERNS", [
        create(userns_entrySchema, { uidMap: [ext(0, 100000, 65536)], gidMap: [ext(0, 100000, 1), ext(1, 200000, 9)] }),
      ]),
    );
    cp.set(
      "timens-9.img",
      image("TIMENS", [
        create(timens_entrySchema, {
          monotonic: create(timespecSchema, { tvSec: 12n, tvNsec: 5n }),
          boottime: create(timespecSchema, { tvSec: 0n, tvNsec: 123456789n }),
        }),
      ]),
    );
    const ns = namespaces(Checkpoint.of(cp));
    expect(ns.user).toEqual([
      {
        id: 7,
        uidMap: [{ first: 0, lowerFirst: 100000, count: 65536 }],
        gidMap: [
          { first: 0, lowerFirst: 100000, count: 1 },
          { first: 1, lowerFirst: 200000, count: 9 },
        ],
      },
    ]);
    expect(ns.time.find((t) => t.id === 9)).toEqual({ id: 9, monotonic: "12.000000005", boottime: "0.123456789" });
  });
});

describe("the namespaces view's corners", () => {
  it("empty uts, user and time images, a network namespace without netdev, devices up and down as crit's flags say", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { namespaces } = await import("../../src/inspect/index.js");
    const { kindByName, writeImage } = await import("../../src/index.js");
    const { critDir } = await import("../helpers/corpus.js");
    const empty = (kind: string) =>
      writeImage({ kind, format: "v1.1", magic: kindByName(kind)?.magic, entries: [] } as never);
    const cp = corpusCheckpoint("netns");
    cp.set("utsns-5.img", empty("UTSNS"));
    cp.set("userns-6.img", empty("USERNS"));
    cp.set("timens-8.img", empty("TIMENS"));
    const ns = namespaces(Checkpoint.of(cp));
    expect(ns.uts.find((u) => u.id === 5)).toEqual({ id: 5, hostname: "", domainname: "" });
    expect(ns.user).toEqual([{ id: 6, uidMap: [], gidMap: [] }]);
    expect(ns.time.find((t) => t.id === 8)).toEqual({ id: 8, monotonic: "0", boottime: "0" });
    const crit = JSON.parse(readFileSync(join(critDir("netns"), "netdev-9.img.json"), "utf8")).entries;
    const net = ns.net.find((n) => n.id === 9);
    expect(net?.devices.map((d) => [d.name, d.up])).toEqual(
      crit.map((d: { name: string; flags: number }) => [d.name, (d.flags & 1) !== 0]),
    );
    editImage<"NETDEV">(cp, "netdev-9.img", (img) => {
      for (const d of img.entries) d.flags &= ~1;
    });
    expect(
      namespaces(Checkpoint.of(cp))
        .net.find((n) => n.id === 9)
        ?.devices.every((d) => !d.up),
    ).toBe(true);
    cp.delete("netdev-9.img");
    expect(namespaces(Checkpoint.of(cp)).net.find((n) => n.id === 9)?.devices).toEqual([]);
  });

  it("the tasks' pid and mount namespaces, each once, in id order", async () => {
    const { namespaces } = await import("../../src/inspect/index.js");
    const cp = corpusCheckpoint("many-fds");
    const ids: Record<string, [number, number]> = {
      "ids-11670.img": [30, 7],
      "ids-11672.img": [10, 7],
      "ids-11673.img": [20, 5],
    };
    for (const [name, [pid, mnt]] of Object.entries(ids))
      editImage<"IDS">(cp, name, (img) => {
        const e = img.entries[0];
        if (e) Object.assign(e, { pidNsId: pid, mntNsId: mnt });
      });
    const ns = namespaces(Checkpoint.of(cp));
    expect([ns.pid, ns.mnt]).toEqual([
      [10, 20, 30],
      [5, 7],
    ]);
  });
});
