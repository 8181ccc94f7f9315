/**
 * The engine's address metadata moves with the sockets. Exports are built
 * here the way each engine writes them (libpod's checkpoint export: config.dump,
 * spec.dump, network.status beside checkpoint/; CRI-O's: no network.status
 * at restore; containerd's: config.dump, spec.dump, status.dump), and a
 * rewrite must change exactly the socket fields and the engine's address
 * values, byte for byte elsewhere, in archives and in extracted folders,
 * with --dry-run saying the same.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonStrings, pathMatches, replaceJsonStrings } from "../../src/json/text-edit.js";
import { fsOps } from "../../src/node/fs-ops.js";
import { openCheckpoint, recoverCheckpointDir, rewriteCheckpointDir } from "../../src/node/index.js";
import { rewriteConnections } from "../../src/tcp/index.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { makeTar } from "../helpers/tar.js";

const tcp4 = join(corpusRoot, "images", "tcp4");
const RULE = ["--addr", "127.0.0.2=10.0.0.2"];

/** Podman's config.dump as libpod writes it (Go: two-space indent, <>& escaped), with a static IP. */
const CONFIG = `{
  "spec": {
    "process": {
      "args": [
        "sh",
        "-c",
        "echo 127.0.0.2 \\u003e /tmp/where"
      ]
    },
    "annotations": {
      "io.container.manager": "libpod"
    }
  },
  "id": "4f2c",
  "name": "web",
  "newNetworks": {
    "podman": {
      "static_ips": [
        "127.0.0.2"
      ],
      "interface_name": "eth0"
    }
  },
  "note": "127.0.0.2"
}
`;
const STATUS = `{
  "podman": {
    "interfaces": {
      "eth0": {
        "subnets": [
          {
            "ipnet": "127.0.0.2/8",
            "gateway": "127.0.0.1"
          }
        ],
        "mac_address": "76:c6:0f:65:d2:83"
      }
    }
  }
}
`;
const SPEC = (annotations: Record<string, string>) => JSON.stringify({ ociVersion: "1.0.2", annotations }, null, 2);

const images = () => readdirSync(tcp4).map((n) => ({ name: `checkpoint/${n}`, data: readFileSync(join(tcp4, n)) }));
const ENGINES = {
  podman: [
    { name: "config.dump", data: CONFIG },
    { name: "spec.dump", data: SPEC({ "io.container.manager": "libpod" }) },
    { name: "network.status", data: STATUS },
  ],
  "cri-o": [
    { name: "config.dump", data: '{"id":"c1"}' },
    { name: "spec.dump", data: SPEC({ "io.kubernetes.cri-o.ContainerID": "c1" }) },
  ],
  containerd: [
    { name: "config.dump", data: '{"metadata":{"name":"c1"}}' },
    { name: "spec.dump", data: SPEC({ "io.kubernetes.cri.container-type": "container" }) },
    { name: "status.dump", data: '{"id":"c1"}' },
  ],
};

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "criu-image-engine-"));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(work, { recursive: true, force: true });
});

/** The text with the token at every listed offset's string replaced (what the rewrite must do, and only it). */
const expectedStatus = STATUS.replace('"127.0.0.2/8"', '"10.0.0.2/8"');
const expectedConfig = CONFIG.replace('"static_ips": [\n        "127.0.0.2"', '"static_ips": [\n        "10.0.0.2"');

async function exportTar(engine: keyof typeof ENGINES): Promise<string> {
  const p = join(work, `${engine}.tar`);
  writeFileSync(p, await makeTar([...images(), ...ENGINES[engine]]));
  return p;
}

function extract(tar: string): string {
  const d = join(work, "extracted");
  mkdirSync(d);
  execFileSync("tar", ["xf", tar, "-C", d]);
  return d;
}

const member = (tar: string, name: string) => execFileSync("tar", ["xOf", tar, name]).toString();

describe("Podman's metadata", () => {
  it("an archive: network.status's ipnet and config.dump's static IP change, nothing else; --dry-run says the same", async () => {
    const tar = await exportTar("podman");
    const dry = await runCli(["tcp", "rewrite", tar, ...RULE, "--dry-run", "--json"]);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout.toString());
    expect(planned.metadataChanges).toEqual([
      {
        file: "network.status",
        path: "podman.interfaces.eth0.subnets[0].ipnet",
        from: "127.0.0.2/8",
        to: "10.0.0.2/8",
        rules: ["--addr 127.0.0.2=10.0.0.2"],
      },
      {
        file: "config.dump",
        path: "newNetworks.podman.static_ips[0]",
        from: "127.0.0.2",
        to: "10.0.0.2",
        rules: ["--addr 127.0.0.2=10.0.0.2"],
      },
    ]);
    expect(planned.changedMetadata).toEqual(["network.status", "config.dump"]);
    const out = join(work, "moved.tar");
    const r = await runCli(["tcp", "rewrite", tar, ...RULE, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toContain(
      "engine metadata network.status podman.interfaces.eth0.subnets[0].ipnet: 127.0.0.2/8 -> 10.0.0.2/8  [--addr 127.0.0.2=10.0.0.2]",
    );
    expect(member(out, "network.status")).toBe(expectedStatus);
    expect(member(out, "config.dump")).toBe(expectedConfig);
    expect(member(out, "spec.dump")).toBe(member(tar, "spec.dump"));
    // The images: only files.img changed, as the library's own rewrite makes it.
    const lib = rewriteConnections(await openCheckpoint(tar), [{ kind: "address", from: "127.0.0.2", to: "10.0.0.2" }]);
    expect(
      execFileSync("tar", ["xOf", out, "checkpoint/files.img"]).equals(
        Buffer.from(lib.changed.get("files.img") as Uint8Array),
      ),
    ).toBe(true);
    for (const n of readdirSync(tcp4).filter((x) => x !== "files.img"))
      expect(execFileSync("tar", ["xOf", out, `checkpoint/${n}`]).equals(readFileSync(join(tcp4, n))), n).toBe(true);
    // inspect --container of the moved archive shows the new address.
    const info = JSON.parse((await runCli(["inspect", out, "--container", "--json"])).stdout.toString());
    expect(JSON.stringify(info)).toContain("10.0.0.2/8");
    expect(JSON.stringify(info)).not.toContain("127.0.0.2/8");
  });

  it("a new archive keeps the source archive's permissions; one made from a folder is private (0600)", async () => {
    // Podman writes its exports 0600: they hold the processes' memory.
    for (const mode of [0o600, 0o640]) {
      const tar = await exportTar("podman");
      chmodSync(tar, mode);
      const out = join(work, `moved-${mode.toString(8)}.tar`);
      expect((await runCli(["tcp", "rewrite", tar, ...RULE, "--out", out])).code).toBe(0);
      expect(statSync(out).mode & 0o777).toBe(mode);
    }
    const folder = extract(await exportTar("podman"));
    const out = join(work, "from-folder.tar");
    expect((await runCli(["tcp", "rewrite", folder, ...RULE, "--out", out])).code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it("an extracted folder, in place: images and metadata in one commit, and a crash after the commit is finished by recover", async () => {
    const dir = extract(await exportTar("podman"));
    const r = await runCli(["tcp", "rewrite", dir, ...RULE]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "network.status"), "utf8")).toBe(expectedStatus);
    expect(readFileSync(join(dir, "config.dump"), "utf8")).toBe(expectedConfig);
    expect(readdirSync(join(dir, "checkpoint")).sort()).toEqual(readdirSync(tcp4).sort());
    expect(readdirSync(dir).sort()).toEqual(["checkpoint", "config.dump", "network.status", "spec.dump"]);

    // Back, with the last rename (network.status) failing after the commit: readers see the committed state.
    const real = fsOps.rename;
    vi.spyOn(fsOps, "rename").mockImplementation(async (from, to) => {
      if (to.endsWith("network.status")) throw Object.assign(new Error("EIO"), { code: "EIO" });
      return real(from, to);
    });
    await expect(
      rewriteCheckpointDir(dir, [{ kind: "address", from: "10.0.0.2", to: "127.0.0.2" }]),
    ).rejects.toMatchObject({ code: "EIO" });
    vi.restoreAllMocks();
    expect(readFileSync(join(dir, "network.status"), "utf8")).toBe(expectedStatus);
    const cp = await openCheckpoint(dir);
    expect(new TextDecoder().decode(cp.source.companions.get("network.status")?.bytes())).toBe(STATUS);
    expect(await recoverCheckpointDir(dir)).toContain("completed the new ../network.status");
    expect(readFileSync(join(dir, "network.status"), "utf8")).toBe(STATUS);
    expect(readFileSync(join(dir, "config.dump"), "utf8")).toBe(CONFIG);
    expect(readdirSync(join(dir, "checkpoint")).sort()).toEqual(readdirSync(tcp4).sort());
  });

  it("a rule that only the metadata holds is used; one that changes the family leaves it and says so", async () => {
    const tar = join(work, "other.tar");
    const status = STATUS.replace("127.0.0.2/8", "127.0.0.9/8");
    writeFileSync(
      tar,
      await makeTar([...images(), ...ENGINES.podman.slice(0, 2), { name: "network.status", data: status }]),
    );
    const only = rewriteConnections(await openCheckpoint(tar), [
      { kind: "address", from: "127.0.0.9", to: "10.0.0.9" },
    ]);
    expect(only.report.changes).toEqual([]);
    expect(only.report.unmatchedRules).toEqual([]);
    expect(only.report.metadataChanges.map((c) => `${c.file}: ${c.from} -> ${c.to}`)).toEqual([
      "network.status: 127.0.0.9/8 -> 10.0.0.9/8",
    ]);
    const six = rewriteConnections(
      await openCheckpoint(tar),
      [{ kind: "address", from: "127.0.0.9", to: "2001:db8::9" }],
      {
        allowUnmatched: true,
      },
    );
    expect(six.report.metadataChanges).toEqual([]);
    expect(six.report.unmatchedRules).toEqual(["--addr 127.0.0.9=2001:db8::9"]);
    expect(six.report.warnings).toContain(
      "network.status podman.interfaces.eth0.subnets[0].ipnet: --addr 127.0.0.9=2001:db8::9 changes the address family; the engine's 127.0.0.9/8 was left as it is",
    );
  });
});

describe("CRI-O and containerd", () => {
  for (const engine of ["cri-o", "containerd"] as const) {
    it(`${engine}: nothing of the metadata holds an address used at restore; only the sockets change`, async () => {
      const tar = await exportTar(engine);
      const out = join(work, "moved.tar");
      const r = await runCli(["tcp", "rewrite", tar, ...RULE, "--out", out, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout.toString());
      expect(report.metadataChanges).toEqual([]);
      expect(report.changedImages).toEqual(["files.img"]);
      for (const m of ENGINES[engine]) expect(member(out, m.name)).toBe(m.data);
    });
  }
});

describe("editing JSON text in place", () => {
  it("replaces exactly the chosen strings of any JSON, however it is spaced", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(0, 1, 2, "\t"), fc.string(), (value, space, fresh) => {
        const text = JSON.stringify(value, null, space);
        const all = jsonStrings(text, () => true);
        // Every string value is found, in document order, with its exact token.
        for (const s of all) expect(JSON.parse(text.slice(s.start, s.end))).toBe(s.value);
        const chosen = all.filter((_, k) => k % 2 === 0);
        const edited = replaceJsonStrings(
          text,
          chosen.map((s) => ({ ...s, value: fresh })),
        );
        // The result is the value with those strings replaced, and the text between them is untouched.
        const want = structuredClone(value) as unknown;
        const set = (path: readonly (string | number)[]) => {
          let o = want as Record<string | number, unknown>;
          for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
          o[path.at(-1) as string | number] = fresh;
        };
        for (const s of chosen) if (s.path.length > 0) set(s.path);
        if (chosen.some((s) => s.path.length === 0)) expect(JSON.parse(edited)).toBe(fresh);
        // (As JSON sees it: -0 is written 0.)
        else expect(JSON.parse(edited)).toEqual(JSON.parse(JSON.stringify(want)));
        let at = 0;
        let rest = "";
        for (const s of chosen) {
          rest += text.slice(at, s.start);
          at = s.end;
        }
        rest += text.slice(at);
        let at2 = 0;
        let rest2 = "";
        const shifted = jsonStrings(edited, () => true).filter((_, k) => k % 2 === 0);
        for (const s of shifted) {
          rest2 += edited.slice(at2, s.start);
          at2 = s.end;
        }
        rest2 += edited.slice(at2);
        expect(rest2).toBe(rest);
      }),
      { numRuns: 300 },
    );
  });

  it("matches paths with wildcards, and refuses what is not JSON or nests too deep", () => {
    expect(pathMatches(["a", 0, "b"], ["a", "*", "b"])).toBe(true);
    expect(pathMatches(["a", 0], ["a", "*", "b"])).toBe(false);
    expect(() => jsonStrings('{"a": "b",}', () => true)).toThrow(SyntaxError);
    expect(() => jsonStrings('{"a": "b"} x', () => true)).toThrow(SyntaxError);
    expect(() => jsonStrings(`${"[".repeat(300)}${"]".repeat(300)}`, () => true)).toThrow(/at most 256 levels/);
    expect(
      jsonStrings('{"a": ["x", {"b": "y"}], "c": 1e5, "d": null}', (p) => p.length > 1).map((s) => s.value),
    ).toEqual(["x", "y"]);
  });
});
