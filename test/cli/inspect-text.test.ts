/**
 * inspect's text where the corpus has no example: deeper trees, zombies,
 * threads, processes whose memory was not read, a root that is not /,
 * container fields that are missing, and lines cut to the terminal.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inspectText, lineWidth } from "../../src/cli/inspect.js";
import { type InspectReport, inspectCheckpoint } from "../../src/inspect/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusRoot } from "../helpers/corpus.js";

async function memoryReport(): Promise<InspectReport> {
  return inspectCheckpoint(await openCheckpoint(join(corpusRoot, "images", "memory")));
}

describe("lineWidth", () => {
  it("is unlimited off a terminal; COLUMNS when it is a whole number over 20, else the terminal's width, else 80", () => {
    expect(lineWidth({ isTTY: false, columns: 50 }, { COLUMNS: "40" })).toBe(Number.POSITIVE_INFINITY);
    expect(lineWidth({ isTTY: true, columns: 50 }, { COLUMNS: "21" })).toBe(21);
    expect(lineWidth({ isTTY: true, columns: 50 }, { COLUMNS: "20" })).toBe(50);
    expect(lineWidth({ isTTY: true, columns: 50 }, { COLUMNS: "30.5" })).toBe(50);
    expect(lineWidth({ isTTY: true, columns: 50 }, {})).toBe(50);
    expect(lineWidth({ isTTY: true }, {})).toBe(80);
  });
});

describe("inspect's text", () => {
  it("draws a tree three levels deep, siblings with ├─ and │, the last with └─", async () => {
    const r = await memoryReport();
    const [parent, child] = r.processes as [InspectReport["processes"][0], InspectReport["processes"][0]];
    const grandchild = {
      ...child,
      pid: 40001,
      ppid: child.pid,
      comm: "grandchild",
      cmdline: ["g"],
      env: null,
      fds: [],
    };
    const sibling = { ...child, pid: 40000, ppid: parent.pid, comm: "sibling", cmdline: ["s"], env: null, fds: [] };
    const text = inspectText(
      { ...r, processes: [parent, sibling, child, grandchild] },
      { path: "", "ps-tree": true },
      Infinity,
    );
    expect(text.split("\n")).toEqual([
      `${r.source}: dump`,
      "process tree:",
      "29313 mem_marks [alive]",
      "   cmdline: /srv/ckpt/scripts/bin/mem_marks alpha beta 'gamma delta'",
      " ├─ 40000 sibling [alive]",
      " │  cmdline: s",
      " └─ 29316 mem_child [alive]",
      "    cmdline: /srv/ckpt/scripts/bin/mem_marks CHILD beta 'gamma delta'",
      "    └─ 40001 grandchild [alive]",
      "       cmdline: g",
      "",
    ]);
  });

  it("a zombie's exit code, threads, memory that was not read, a root that is not /, quoting", async () => {
    const r = await memoryReport();
    const [parent, child] = r.processes as [InspectReport["processes"][0], InspectReport["processes"][0]];
    const zombie = {
      ...child,
      state: "zombie" as const,
      exitCode: 3,
      cmdline: null,
      memoryNote: null,
      exe: null,
      cwd: null,
    };
    const unread = {
      ...parent,
      cmdline: null,
      memoryNote: "pages-2.img is not here",
      threads: [...parent.threads, ...parent.threads],
      root: "/srv/root",
      cwd: null,
      exe: null,
    };
    const lines = inspectText({ ...r, processes: [unread, zombie] }, { path: "", files: true }, Infinity).split("\n");
    expect(lines.slice(2, 5)).toEqual([
      "29313 mem_marks [alive, 2 threads]",
      "   cmdline: unknown (pages-2.img is not here)",
      "   root: /srv/root",
    ]);
    expect(lines).toContain(" └─ 29316 mem_child [zombie, exit 3]");
    expect(lines.some((l) => l.includes("cmdline: unknown") && l.startsWith("    "))).toBe(false);
    const quiet = inspectText(
      { ...r, processes: [{ ...parent, cmdline: null, memoryNote: null }] },
      { path: "" },
      Infinity,
    );
    expect(quiet).toContain("   cmdline: unknown (not read)\n");
    const quoted = inspectText(
      { ...r, processes: [{ ...parent, cmdline: ["a b", "it's", "x=1,y:2/@%+-."] }] },
      { path: "" },
      Infinity,
    );
    expect(quoted).toContain(`   cmdline: 'a b' 'it'\\''s' x=1,y:2/@%+-.\n`);
  });

  it("cuts each line to the width, an ellipsis in the last column; a line of exactly the width stays whole", async () => {
    // The first line is exactly 30 characters.
    const r = { ...(await memoryReport()), source: "x".repeat(24) };
    const text = inspectText(r, { path: "", all: true }, 30);
    for (const l of text.split("\n")) expect(l.length).toBeLessThanOrEqual(30);
    expect(text.split("\n")[0]).toBe(`${"x".repeat(24)}: dump`);
    expect(text).toContain("   cmdline: /srv/ckpt/scripts…\n");
  });

  it("the container's fields that are missing are ?, and a bare checkpoint has no container section", async () => {
    const r = await memoryReport();
    const container = {
      engine: "podman",
      name: null,
      id: null,
      image: null,
      runtime: null,
      created: null,
      checkpointed: null,
      command: null,
      network: [{ interface: "eth0", addresses: ["10.0.0.2/24", "fd00::2/64"], mac: null }],
      rootfsDiffBytes: null,
    } as unknown as InspectReport["container"];
    const lines = inspectText({ ...r, container }, { path: "", container: true }, Infinity).split("\n");
    expect(lines).toEqual([
      `${r.source}: dump, podman container `,
      "container:",
      "  id ?",
      "  image ?, runtime ?",
      "  created ?, checkpointed ?",
      "  eth0 10.0.0.2/24 fd00::2/64",
      "",
    ]);
    expect(inspectText(r, { path: "", container: true }, Infinity)).toBe(`${r.source}: dump\n`);
  });

  it("four levels deep: the lead of a last child is spaces, of one with siblings after it a bar", async () => {
    const r = await memoryReport();
    const [root] = r.processes as [InspectReport["processes"][0]];
    const p = (pid: number, ppid: number) => ({
      ...root,
      pid,
      ppid,
      comm: `p${pid}`,
      cmdline: null,
      memoryNote: null,
      env: null,
      fds: [],
    });
    const procs = [p(1, 0), p(2, 1), p(3, 2), p(4, 3), p(5, 2), p(6, 1)];
    const lines = inspectText({ ...r, processes: procs }, { path: "" }, Infinity)
      .split("\n")
      .filter((l) => !l.includes("cmdline"));
    expect(lines.slice(2, -1)).toEqual([
      "1 p1 [alive]",
      " ├─ 2 p2 [alive]",
      " │  ├─ 3 p3 [alive]",
      " │  │  └─ 4 p4 [alive]",
      " │  └─ 5 p5 [alive]",
      " └─ 6 p6 [alive]",
    ]);
  });

  it("mount trees per namespace, children sorted by mountpoint, a mount that is its own parent at the top", async () => {
    const r = await memoryReport();
    const m = (ns: number, id: number, parentId: number, mountpoint: string) => ({
      ns,
      id,
      parentId,
      mountpoint,
      root: "/",
      fstype: "tmpfs",
      source: "none",
      options: "",
      flags: 0,
      sharedId: null,
      masterId: null,
      external: mountpoint === "/ext",
      extKey: null,
    });
    const mounts = [
      m(1, 10, 10, "/"),
      m(1, 12, 10, "/tmp"),
      m(1, 11, 10, "/ext"),
      m(1, 13, 12, "/tmp/a"),
      m(2, 10, 1, "/"),
    ];
    expect(
      inspectText({ ...r, mounts }, { path: "", mounts: true }, Infinity)
        .split("\n")
        .slice(1),
    ).toEqual([
      "mount namespace 1: 4 mounts",
      "  / tmpfs none",
      "    /ext tmpfs none (external)",
      "    /tmp tmpfs none",
      "      /tmp/a tmpfs none",
      "mount namespace 2: 1 mounts",
      "  / tmpfs none",
      "",
    ]);
  });

  it("devices that are down, user namespaces' maps, sockets without owners", async () => {
    const r = await memoryReport();
    const namespaces = {
      ...r.namespaces,
      net: [
        {
          id: 3,
          devices: [
            { name: "lo", up: true },
            { name: "eth0", up: false },
          ],
          addresses: null,
        },
      ],
      user: [
        {
          id: 4,
          uidMap: [
            { first: 0, lowerFirst: 100000, count: 65536 },
            { first: 65536, lowerFirst: 1, count: 1 },
          ],
          gidMap: [],
        },
      ],
      time: [],
    } as unknown as InspectReport["namespaces"];
    const ns = inspectText({ ...r, namespaces }, { path: "", ns: true }, Infinity).split("\n");
    expect(ns).toContain("net namespace 3: lo, eth0 (down)");
    expect(ns).toContain("user namespace 4: uid 0->100000+65536 65536->1+1");
    const netlink = [{ protocol: 0, portid: 7, owners: [] }];
    const sockets = { ...r.sockets, netlink } as unknown as InspectReport["sockets"];
    expect(inspectText({ ...r, sockets }, { path: "", sockets: true }, Infinity)).toContain(
      "  netlink protocol 0 portid 7 -\n",
    );
  });
});
