import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCheckpoint } from "../../src/node/index.js";
import { listConnections } from "../../src/tcp/index.js";
import { verifyCheckpoint } from "../../src/verify/index.js";
import { fileSizes, imageBytes } from "../helpers/checkpoint-bytes.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

let work: string;
const src = join(corpusRoot, "images", "tcp4");
const config = {
  id: "4f1c0e",
  name: "web",
  rootfsImageName: "docker.io/library/nginx:latest",
  createdTime: "2026-11-01T10:00:00Z",
};
const spec = { ociVersion: "1.0.2", process: { args: ["nginx", "-g", "daemon off;"] }, hostname: "web" };

/** A tar in the layout Podman exports: checkpoint/ with the images, metadata beside it. */
async function podmanTar(): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => p.on("end", () => r()));
  p.entry({ name: "checkpoint", type: "directory" });
  for (const n of readdirSync(src).sort()) p.entry({ name: `checkpoint/${n}` }, readFileSync(join(src, n)));
  p.entry({ name: "config.dump" }, JSON.stringify(config));
  p.entry({ name: "spec.dump" }, JSON.stringify(spec));
  p.entry({ name: "network.status" }, "[]");
  p.entry({ name: "rootfs-diff.tar" }, Buffer.alloc(1024));
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const archives: Record<string, string> = {};
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "criu-image-archive-"));
  const tar = await podmanTar();
  archives.tar = join(work, "ck.tar");
  writeFileSync(archives.tar, tar);
  archives.gzip = join(work, "ck.tar.gz");
  writeFileSync(archives.gzip, gzipSync(tar));
  // zstd(1) is installed by .ci/run; without it this fails rather than skip.
  archives.zstd = join(work, "ck.tar.zst");
  execFileSync("zstd", ["-q", "-f", archives.tar, "-o", archives.zstd]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("checkpoint archives", () => {
  it("read plain, gzip and zstd archives streaming, as the folder", async () => {
    const dir = await openCheckpoint(src);
    for (const kind of ["tar", "gzip", "zstd"]) {
      expect(archives[kind], `${kind} archive`).toBeDefined();
      const a = await openCheckpoint(archives[kind] as string);
      expect(a.source.type).toBe("archive");
      expect(a.source.archive?.compression).toBe(kind === "tar" ? "none" : kind);
      expect(a.source.archive?.layout).toBe("podman");
      expect(a.names()).toEqual(dir.names());
      for (const [n, b] of imageBytes(dir)) expect(Buffer.compare(a.bytes(n) as Uint8Array, b), n).toBe(0);
      expect(fileSizes(a)).toEqual(fileSizes(dir));
      const cfg = a.source.companions.get("config.dump")?.bytes() as Uint8Array;
      expect(JSON.parse(new TextDecoder().decode(cfg))).toEqual(config);
      expect(listConnections(a)).toEqual(listConnections(dir));
      expect(verifyCheckpoint(a).problems).toEqual([]);
    }
    const streamed = await openCheckpoint(createReadStream(archives.gzip as string));
    expect(streamed.names()).toEqual(dir.names());
  });

  it("CLI commands that take a DIR take an archive: tcp list, verify, x, info", async () => {
    const a = archives.gzip as string;
    expect((await runCli(["tcp", "list", a])).stdout.toString()).toBe(
      (await runCli(["tcp", "list", src])).stdout.toString(),
    );
    expect((await runCli(["verify", a])).code).toBe(0);
    expect((await runCli(["x", a, "ps"])).stdout.toString()).toBe(
      readFileSync(join(corpusRoot, "crit", "tcp4", "x-ps.txt"), "utf8"),
    );
    const info = JSON.parse((await runCli(["info", a])).stdout.toString());
    expect(info.container).toMatchObject({
      engine: "podman",
      id: config.id,
      name: config.name,
      image: config.rootfsImageName,
      created: config.createdTime,
      command: spec.process.args,
      hostname: "web",
    });
    expect(info.compression).toBe("gzip");
  });

  it("rewrite into a new archive: only files.img changes, pages and metadata are copied", async () => {
    const out = join(work, "moved.tar.gz");
    const r = await runCli(["tcp", "rewrite", archives.tar as string, "--addr", "127.0.0.2=10.0.0.2", "--out", out]);
    expect(r.code).toBe(0);
    const before = await openCheckpoint(archives.tar as string);
    const after = await openCheckpoint(out);
    expect(after.source.archive?.compression).toBe("gzip");
    expect(listConnections(after).find((s) => s.id === 10)?.local.address).toBe("10.0.0.2");
    for (const [n, b] of imageBytes(before))
      expect(Buffer.compare(after.bytes(n) as Uint8Array, b) === 0, n).toBe(n !== "files.img");
    expect(fileSizes(after)).toEqual(fileSizes(before));
    expect([...after.source.companions.keys()].sort()).toEqual([...before.source.companions.keys()].sort());
    // An archive is never rewritten in place: a bad command line.
    expect((await runCli(["tcp", "rewrite", archives.tar as string, "--addr", "127.0.0.2=10.0.0.2"])).code).toBe(2);
  });
});
