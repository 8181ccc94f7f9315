/**
 * sourceFromMembers and layoutOf on members built in memory: the layouts real
 * archives and uploaded folders come in, including those the corpus has none of
 * (a parent written as text, several dumps, engines' annotations mixed).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { layoutOf, type SourceMember, sourceFromMembers } from "../../src/checkpoint/members.js";
import { memoryFile } from "../../src/checkpoint/source.js";
import { corpusRoot, requireCorpus } from "../helpers/corpus.js";
import { caught } from "../helpers/errors.js";

const text = (s: string) => new TextEncoder().encode(s);

/** A regular-file member. */
const file = (path: string, bytes: Uint8Array, mtime?: Date): SourceMember => ({
  path,
  type: "file",
  size: bytes.length,
  mtime,
  file: memoryFile(bytes),
});

/** Members from [path, member] pairs or plain files. */
function members(...list: (SourceMember | [string, string | Uint8Array])[]): Map<string, SourceMember> {
  const out = new Map<string, SourceMember>();
  for (const m of list) {
    const member = Array.isArray(m) ? file(m[0], typeof m[1] === "string" ? text(m[1]) : m[1]) : m;
    out.set(member.path, member);
  }
  return out;
}

/** The files of a corpus dump as members under `dir`. */
function dumpMembers(from: string, dir: string): SourceMember[] {
  requireCorpus();
  return readdirSync(from)
    .filter((n) => n !== "parent")
    .map((n) => file(dir ? `${dir}/${n}` : n, new Uint8Array(readFileSync(join(from, n)))));
}

const chain = (n: number) => join(corpusRoot, "chains", "images", "predump", String(n));
const simple = () => join(corpusRoot, "images", "simple");
const INV = text("not read by sourceFromMembers");

describe("sourceFromMembers: which folder holds the images", () => {
  it("takes checkpoint/ when it holds a dump, whatever else holds one", () => {
    const s = sourceFromMembers(
      members(["checkpoint/inventory.img", INV], ["checkpoint/a.img", INV], ["old/inventory.img", INV]),
      { label: "x.tar", type: "archive" },
    );
    expect(s.archive?.imagesDir).toBe("checkpoint");
    expect([...s.files.keys()].sort()).toEqual(["a.img", "inventory.img"]);
    // The other dump's folder is neither images nor companions.
    expect([...s.companions.keys()]).toEqual([]);
  });

  it("takes the top folder when the dump is there, and names the source by its label", () => {
    const s = sourceFromMembers(members(["inventory.img", INV], ["core-1.img", INV], ["notes/readme", "hi"]), {
      label: "up",
      type: "folder",
    });
    expect(s.label).toBe("up");
    expect(s.type).toBe("folder");
    expect(s.archive).toBeUndefined();
    expect([...s.files.keys()].sort()).toEqual(["core-1.img", "inventory.img"]);
    expect([...s.companions.keys()]).toEqual(["notes/readme"]);
    expect(s.parent).toBeUndefined();
    expect(s.parentLink).toBeUndefined();
    expect(s.notes).toEqual([]);
  });

  it("takes the one dump no parent names: a chain's last, as a link and as text with a newline", () => {
    requireCorpus();
    for (const parent of [
      { path: "d/2/parent", type: "symlink", size: 0, link: "../1" } as SourceMember,
      file("d/2/parent", text("../1\n")),
      file("d/2/parent", text("  ../1  \n")),
    ]) {
      const m = members(...dumpMembers(chain(1), "d/1"), ...dumpMembers(chain(2), "d/2"), parent);
      const s = sourceFromMembers(m, { label: "chain.tar", type: "archive", compression: "gzip" });
      expect(s.archive).toMatchObject({ imagesDir: "d/2", compression: "gzip", layout: "plain" });
      expect(s.parentLink).toBe("d/1");
      expect(s.label).toBe("chain.tar");
      expect(s.parent?.label).toBe("chain.tar:d/1");
      expect(s.parent?.archive?.imagesDir).toBe("d/1");
      expect(s.parent?.parent).toBeUndefined();
      expect(s.notes).toEqual([]);
      // The parent dump's files are its own, not companions of the last one; companions belong to the last dump.
      expect([...s.companions.keys()]).toEqual([]);
      expect(s.parent?.companions.size).toBe(0);
      expect([...(s.parent?.files.keys() ?? [])].sort()).toEqual(readdirSync(chain(1)).sort());
      expect(s.files.has("parent")).toBe(false);
      // The chain reads through: the parent's pagemap is there.
      const cp = new Checkpoint(s);
      expect(cp.parent?.names()).toContain("inventory.img");
      expect(cp.dumpKind()).toBe("dump");
      expect(cp.parent?.dumpKind()).toBe("pre-dump");
    }
  });

  it("resolves a parent given as an absolute-looking, dotted or deep path inside the members", () => {
    const base = [
      ["a/b/inventory.img", INV] as [string, string | Uint8Array],
      ["c/inventory.img", INV] as [string, Uint8Array],
    ];
    const cases: [string, string][] = [
      ["../../c", "c"],
      ["./../../c/.", "c"],
      ["/c", "c"],
      ["../../../../c", "c"],
    ];
    for (const [target, resolved] of cases) {
      const s = sourceFromMembers(members(...base, ["a/b/parent", target]), { label: "l", type: "folder" });
      expect(s.parentLink, target).toBe(resolved);
      expect(s.parent?.label, target).toBe("l:c");
    }
  });

  it("notes a parent that is not among the members, or a loop, and still opens the dump", () => {
    const gone = sourceFromMembers(members(["2/inventory.img", INV], ["2/parent", "../1"]), {
      label: "l",
      type: "archive",
    });
    expect(gone.archive?.imagesDir).toBe("2");
    expect(gone.parent).toBeUndefined();
    expect(gone.parentLink).toBe("1");
    expect(gone.notes).toEqual([
      {
        file: "parent",
        message: "parent leads to 1/, which is not in the archive; pages kept in the parent dump cannot be read",
      },
    ]);
    const top = sourceFromMembers(members(["inventory.img", INV], ["parent", "other"]), { label: "l", type: "folder" });
    expect(top.notes[0]?.message).toBe(
      "parent leads to other/, which is not among the files read; pages kept in the parent dump cannot be read",
    );
    const dot = sourceFromMembers(members(["a/inventory.img", INV], ["a/parent", ".."]), {
      label: "l",
      type: "folder",
    });
    expect(dot.notes[0]?.message).toMatch(/^parent leads to \.\/, which is not among/);

    // A self-loop inside checkpoint/, and a two-dump loop where checkpoint/ is the pick.
    const self = sourceFromMembers(members(["checkpoint/inventory.img", INV], ["checkpoint/parent", "."]), {
      label: "l",
      type: "archive",
    });
    expect(self.notes).toEqual([{ file: "parent", message: "parent links form a loop" }]);
    expect(self.parent).toBeUndefined();
    const loop = sourceFromMembers(
      members(
        ["checkpoint/inventory.img", INV],
        ["checkpoint/parent", "../other"],
        ["other/inventory.img", INV],
        ["other/parent", "../checkpoint"],
      ),
      { label: "l", type: "archive" },
    );
    expect(loop.parent?.label).toBe("l:other");
    expect(loop.parent?.notes).toEqual([{ file: "parent", message: "parent links form a loop" }]);
    expect(loop.parent?.parent).toBeUndefined();
  });

  it("refuses several unrelated dumps, naming each, and uses the caller's error", () => {
    const m = members(["a/inventory.img", INV], ["inventory.img", INV], ["b/c/inventory.img", INV]);
    const e = caught(() => sourceFromMembers(m, { label: "many.tar", type: "archive" }));
    expect(e.code).toBe("NOT_CHECKPOINT");
    expect(e.message).toContain("many.tar");
    expect(e.message).toContain("holds several checkpoints (a/, ./, b/c/); extract it and name one");
    const mine = new Error("mine");
    expect(() => sourceFromMembers(m, { label: "x", type: "archive", fail: () => mine })).toThrow(mine);
  });

  it("one dump is taken even when another folder holds more images but no inventory", () => {
    const s = sourceFromMembers(
      members(
        ["a/inventory.img", INV],
        ["b/core-1.img", INV],
        ["b/mm-1.img", INV],
        ["b/fs-1.img", INV],
        ["c.txt", "t"],
      ),
      { label: "l", type: "archive" },
    );
    expect(s.archive?.imagesDir).toBe("a");
    expect([...s.companions.keys()].sort()).toEqual(["b/core-1.img", "b/fs-1.img", "b/mm-1.img", "c.txt"]);
  });

  it("without an inventory, takes the folder with the most images; without images, refuses", () => {
    const s = sourceFromMembers(
      members(["x/cpuinfo.img", INV], ["y/core-1.img", INV], ["y/mm-1.img", INV], ["y/log.txt", "t"], ["z", "t"]),
      { label: "l", type: "folder" },
    );
    expect([...s.files.keys()].sort()).toEqual(["core-1.img", "log.txt", "mm-1.img"]);
    expect([...s.companions.keys()].sort()).toEqual(["x/cpuinfo.img", "z"]);
    const e = caught(() => sourceFromMembers(members(["a/readme", "t"]), { label: "l", type: "folder" }));
    expect(e.code).toBe("NOT_CHECKPOINT");
    expect(e.message).toContain("holds no checkpoint: no CRIU image in it");
  });

  it("notes members of the images folder that are not files, keeps files with no bytes out", () => {
    const s = sourceFromMembers(
      members(
        ["inventory.img", INV],
        { path: "sub", type: "directory", size: 0 },
        { path: "link.img", type: "symlink", size: 0, link: "inventory.img" },
        { path: "gone.img", type: "file", size: 3 },
      ),
      { label: "l", type: "folder" },
    );
    expect([...s.files.keys()]).toEqual(["inventory.img"]);
    expect(s.notes).toEqual([
      { file: "sub", message: "a directory member, not a file" },
      { file: "link.img", message: "a symlink member, not a file" },
      { file: "gone.img", message: "a file member, not a file" },
    ]);
  });

  it("dates an archive's dump by its inventory's time stamp", () => {
    const when = new Date("2026-11-02T03:04:05.000Z");
    const s = sourceFromMembers(members(file("checkpoint/inventory.img", INV, when)), { label: "l", type: "archive" });
    expect(s.archive).toEqual({
      compression: "none",
      layout: "plain",
      imagesDir: "checkpoint",
      dumpedAt: "2026-11-02T03:04:05.000Z",
    });
    const top = sourceFromMembers(members(file("inventory.img", INV, when)), { label: "l", type: "archive" });
    expect(top.archive?.dumpedAt).toBe("2026-11-02T03:04:05.000Z");
    const folder = sourceFromMembers(members(file("inventory.img", INV, when)), { label: "l", type: "folder" });
    expect(folder.archive).toBeUndefined();
  });

  it("refuses a chain beside an unrelated dump: two tips", () => {
    requireCorpus();
    const m = members(...dumpMembers(chain(2), ""), ...dumpMembers(simple(), "unrelated"));
    // A dump beside it that the tip does not name: two tips.
    expect(caught(() => sourceFromMembers(m, { label: "l", type: "folder" })).code).toBe("NOT_CHECKPOINT");
  });
});

describe("layoutOf: which engine wrote the archive", () => {
  const spec = (annotations: Record<string, string>) =>
    ["spec.dump", JSON.stringify({ annotations })] as [string, string];
  const cases: [string, (SourceMember | [string, string])[], string][] = [
    [
      "Podman's manager annotation, with CRI-O's keys beside it",
      [spec({ "io.container.manager": "libpod", "io.kubernetes.cri-o.ContainerID": "x" })],
      "podman",
    ],
    ["CRI-O's container id", [spec({ "io.kubernetes.cri-o.ContainerID": "x" })], "cri-o"],
    ["CRI-O's annotations key", [spec({ "io.kubernetes.cri-o.Annotations": "{}" })], "cri-o"],
    [
      "CRI-O before containerd's keys",
      [spec({ "io.kubernetes.cri.sandbox-id": "s", "io.kubernetes.cri-o.Annotations": "{}" })],
      "cri-o",
    ],
    ["containerd's CRI keys", [spec({ "io.kubernetes.cri.container-type": "container" })], "containerd"],
    ["containerd's container.dump", [["container.dump", "{}"]], "containerd"],
    ["config.dump without a spec", [["config.dump", "{}"]], "podman"],
    [
      "config.dump with a spec of unrelated annotations",
      [["config.dump", "{}"], spec({ "org.opencontainers.x": "1" })],
      "podman",
    ],
    [
      "a spec that is not JSON, and config.dump",
      [
        ["spec.dump", "{not json"],
        ["config.dump", "{}"],
      ],
      "podman",
    ],
    ["a spec whose annotations are not an object", [["spec.dump", '{"annotations":"x"}']], "plain"],
    ["a spec of null", [["spec.dump", "null"]], "plain"],
    ["a CRI-O-like key that is not CRI-O's", [spec({ "io.kubernetes.cri-o.Other": "x" })], "plain"],
    ["nothing beside the images", [], "plain"],
    ["a spec.dump of invalid UTF-8", [["spec.dump", new Uint8Array([0xff, 0xfe]) as unknown as string]], "plain"],
  ];
  for (const [what, beside, layout] of cases) {
    it(`${what}: ${layout}`, () => {
      const m = members(["checkpoint/inventory.img", INV], ...beside);
      expect(layoutOf(m, "checkpoint")).toBe(layout);
      expect(sourceFromMembers(m, { label: "l", type: "archive" }).archive?.layout).toBe(layout);
    });
  }

  it("is plain when the images are not in checkpoint/, whatever sits beside them", () => {
    const m = members(["d/inventory.img", INV], ["config.dump", "{}"], ["container.dump", "{}"]);
    expect(layoutOf(m, "d")).toBe("plain");
    expect(layoutOf(m, "")).toBe("plain");
  });

  it("reads a spec.dump only up to the metadata limit", () => {
    const big: SourceMember = {
      path: "spec.dump",
      type: "file",
      size: 64 * 1024 * 1024,
      file: memoryFile(text(JSON.stringify({ annotations: { "io.kubernetes.cri-o.ContainerID": "x" } }))),
    };
    expect(layoutOf(members(["checkpoint/inventory.img", INV], big), "checkpoint")).toBe("plain");
  });
});
