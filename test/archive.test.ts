import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCheckpoint, readCheckpointArchive, rewriteCheckpointArchive } from "../src/node/index.js";
import { listConnections } from "../src/tcp/index.js";
import { verifyCheckpoint } from "../src/verify/index.js";
import { runCli } from "./helpers/cli.js";
import { corpusRoot } from "./helpers/corpus.js";

const zstd = (() => {
  try {
    execFileSync("zstd", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

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
  if (zstd) {
    archives.zstd = join(work, "ck.tar.zst");
    execFileSync("zstd", ["-q", "-f", archives.tar, "-o", archives.zstd]);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("checkpoint archives", () => {
  it("read plain, gzip and zstd archives streaming, as the directory", async () => {
    const dir = await openCheckpoint(src);
    for (const kind of ["tar", "gzip", "zstd"]) {
      if (!archives[kind]) continue;
      const a = await openCheckpoint(archives[kind] as string);
      expect(a.source).toBe("archive");
      expect(a.compression).toBe(kind === "tar" ? "none" : kind);
      expect([...a.images.keys()].sort()).toEqual([...dir.images.keys()].sort());
      for (const [n, b] of dir.images) expect(Buffer.compare(a.images.get(n) as Uint8Array, b), n).toBe(0);
      expect(a.sizes).toEqual(dir.sizes);
      expect(JSON.parse(new TextDecoder().decode(a.metadata.get("config.dump")))).toEqual(config);
      expect(listConnections(a.images)).toEqual(listConnections(dir.images));
      expect(verifyCheckpoint(a.images, { sizes: a.sizes })).toEqual([]);
    }
    const streamed = await readCheckpointArchive(createReadStream(archives.gzip as string));
    expect(streamed.images.size).toBe(dir.images.size);
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
    expect(info.container).toEqual({
      id: config.id,
      name: config.name,
      image: config.rootfsImageName,
      created: config.createdTime,
    });
    expect(info.process).toEqual({ args: spec.process.args, hostname: "web" });
    expect(info.compression).toBe("gzip");
  });

  it("rewrite into a new archive: only files.img changes, pages and metadata are copied", async () => {
    const out = join(work, "moved.tar.gz");
    const r = await runCli(["tcp", "rewrite", archives.tar as string, "--addr", "127.0.0.2=10.0.0.2", "--out", out]);
    expect(r.code).toBe(0);
    const before = await openCheckpoint(archives.tar as string);
    const after = await openCheckpoint(out);
    expect(after.compression).toBe("gzip");
    expect(listConnections(after.images).find((s) => s.id === 10)?.local.address).toBe("10.0.0.2");
    for (const [n, b] of before.images)
      expect(Buffer.compare(after.images.get(n) as Uint8Array, b) === 0, n).toBe(n !== "files.img");
    expect(after.sizes).toEqual(before.sizes);
    expect([...after.metadata.keys()].sort()).toEqual([...before.metadata.keys()].sort());
    // The pages themselves come through byte for byte.
    const plain = join(work, "moved.tar");
    await rewriteCheckpointArchive(archives.tar as string, plain, new Map());
    expect(Buffer.compare(readFileSync(plain), readFileSync(archives.tar as string))).toBe(0);
    expect((await runCli(["tcp", "rewrite", archives.tar as string, "--addr", "127.0.0.2=10.0.0.2"])).code).toBe(2);
  });
});
