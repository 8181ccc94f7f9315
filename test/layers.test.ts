import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { IMAGE_KINDS, kindByFileName, kindByMagic } from "../src/framing/index.js";

const src = resolve(__dirname, "..", "src");
const importsOf = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)[^;]*?from\s+["']([^"']+)["']/gm)].map(
    (m) => m[1] as string,
  );

describe("layers", () => {
  it("src/ compiles no code at run time: no new Function, no eval", () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
      );
    const files = walk(src);
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) expect(/\bnew Function\b|\beval\s*\(/.test(readFileSync(f, "utf8")), f).toBe(false);
  });

  it("framing imports nothing outside src/framing (not even @bufbuild/protobuf)", () => {
    for (const f of readdirSync(join(src, "framing"))) {
      for (const spec of importsOf(join(src, "framing", f))) {
        expect(spec.startsWith("./"), `${f} imports ${spec}`).toBe(true);
      }
    }
  });

  it("the core (everything but node/ and cli/) uses no node: modules and no Buffer", () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory() ? (d.name === "node" || d.name === "cli" ? [] : walk(join(dir, d.name))) : [join(dir, d.name)],
      );
    for (const f of walk(src)) {
      const text = readFileSync(f, "utf8");
      for (const spec of importsOf(f))
        expect(spec.startsWith("node:") || spec === "fs", `${f} imports ${spec}`).toBe(false);
      expect(/\bBuffer\./.test(text), `${f} uses Buffer`).toBe(false);
    }
  });
});

/** design.md's layers, top first: each imports only layers after it. The root (src/*.ts) sits with image/. */
const ORDER = [
  "cli",
  "node",
  "preflight",
  "coredump",
  "verify",
  "tcp",
  "edit",
  "diff",
  "inspect",
  "memory",
  "checkpoint",
  "archive",
  "json",
  "image",
  "gen",
  // Built into the root bundle with gen, which it serves (descriptors built on first use).
  "gen-lazy",
  "framing",
];
const layerOf = (file: string) => {
  const rel = file.slice(src.length + 1).split("/");
  return rel.length === 1 ? "image" : (rel[0] as string);
};
const walkAll = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walkAll(join(dir, d.name)) : [join(dir, d.name)],
  );

describe("design.md's layers", () => {
  it("every import points down the layer order, and names only what that layer's index exports", () => {
    const exportsOf = new Map<string, string>();
    let checked = 0;
    for (const f of walkAll(src)) {
      if (f.includes("/gen/")) continue;
      const me = ORDER.indexOf(layerOf(f));
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/^\s*import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*["'](\.[^"']+)["']/gm)) {
        const target = resolve(join(f, ".."), (m[2] as string).replace(/\.js$/, ".ts"));
        const tl = layerOf(target);
        if (tl === layerOf(f)) continue;
        expect(ORDER.indexOf(tl), `${f} imports ${m[2]} (${tl} is not below ${layerOf(f)})`).toBeGreaterThan(me);
        if (tl === "gen-lazy") continue;
        const index = tl === "image" && !target.includes("/image/") ? join(src, "index.ts") : join(src, tl, "index.ts");
        if (!exportsOf.has(index)) exportsOf.set(index, readFileSync(index, "utf8"));
        // Layers are bundled apart (tsup.config.ts): a name the index does not export breaks the package.
        if (tl === "image" || tl === "gen") continue;
        for (const name of (m[1] as string).split(",").map(
          (x) =>
            x
              .replace(/^\s*type\s+/, "")
              .trim()
              .split(/\s+as\s+/)[0] as string,
        )) {
          if (!name) continue;
          expect(exportsOf.get(index), `${f} imports ${name} from ${tl}, whose index does not export it`).toMatch(
            new RegExp(`\\b${name}\\b`),
          );
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe("no import cycles", () => {
  it("no file of src/ reaches itself through its imports (type imports included)", () => {
    const graph = new Map<string, string[]>();
    for (const f of walkAll(src)) {
      if (!f.endsWith(".ts")) continue;
      const deps = [...readFileSync(f, "utf8").matchAll(/^\s*(?:import|export)[^;]*?from\s+["'](\.[^"']+)["']/gm)].map(
        (m) => resolve(join(f, ".."), (m[1] as string).replace(/\.js$/, ".ts")),
      );
      graph.set(f, deps);
    }
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (f: string) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push(
          stack
            .slice(stack.indexOf(f))
            .concat(f)
            .map((x) => x.slice(src.length + 1))
            .join(" -> "),
        );
        return;
      }
      state.set(f, "open");
      stack.push(f);
      for (const d of graph.get(f) ?? []) visit(d);
      stack.pop();
      state.set(f, "done");
    };
    for (const f of graph.keys()) visit(f);
    expect(graph.size).toBeGreaterThan(100);
    expect(cycles).toEqual([]);
  });
});

describe("kind table", () => {
  it("has one row per magic, and every entry magic is distinct", () => {
    const magics = IMAGE_KINDS.filter((k) => !k.raw).map((k) => k.magic);
    expect(new Set(magics).size).toBe(magics.length);
    for (const k of IMAGE_KINDS) if (!k.raw) expect(kindByMagic(k.magic)).toBe(k);
  });

  it("recognises CRIU's file names, raw images included", () => {
    const cases: [string, string][] = [
      ["inventory.img", "INVENTORY"],
      ["files.img", "FILES"],
      ["fdinfo-2.img", "FDINFO"],
      ["pagemap-11146.img", "PAGEMAP"],
      ["pagemap-shmem-1314.img", "PAGEMAP"],
      ["pages-1.img", "PAGES"],
      ["tcp-stream-50ba6.img", "TCP_STREAM"],
      ["ghost-file-1a.img", "GHOST_FILE"],
      ["signal-p-12.img", "SIGNAL"],
      ["signal-s-12.img", "SIGNAL"],
      ["binfmt-misc-3.img", "BINFMT_MISC"],
      ["stats-dump", "STATS"],
      ["stats-restore", "STATS"],
      ["irmap-cache", "IRMAP_CACHE"],
      ["netns-9.img", "NETNS"],
      ["netns-ct-9.img", "NETNF_CT"],
      ["netns-exp-9.img", "NETNF_EXP"],
      ["route6-9.img", "ROUTE6"],
      ["tmpfs-dev-3.tar.gz.img", "TMPFS_DEV"],
      ["tmpfs-3.tar.gz.img", "TMPFS_IMG"],
      ["/some/dir/ipcns-shm-9.img", "IPCNS_SHM"],
    ];
    for (const [name, kind] of cases) expect(kindByFileName(name)?.kind, name).toBe(kind);
    expect(kindByFileName("notes.txt")).toBeUndefined();
  });

  it("covers the magics of CRIU 4.2's magic.h", () => {
    // Spot checks against criu/include/magic.h; the full list is the table itself.
    const spot: Record<string, number> = {
      INVENTORY: 0x58313116,
      FILES: 0x56303138,
      TCP_STREAM: 0x51465506,
      SIGNAL: 0x59255647,
      BINFMT_MISC: 0x67343323,
      PIDFD: 0x54435556,
      TIMENS: 0x43114433,
      STATS: 0x57093306,
      IRMAP_CACHE: 0x57004059,
    };
    for (const [kind, magic] of Object.entries(spot)) expect(kindByMagic(magic)?.kind).toBe(kind);
    expect(IMAGE_KINDS.filter((k) => !k.raw)).toHaveLength(68);
  });
});
