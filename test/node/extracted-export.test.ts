/**
 * An extracted export (`tar -x` of a Podman, CRI-O or containerd archive:
 * checkpoint/ with the images, the engine's files beside it) opens as its
 * archive would, for every command, and an in-place rewrite changes the
 * images in checkpoint/ under the folder's lock.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openCheckpoint } from "../../src/node/index.js";
import { listConnections } from "../../src/tcp/index.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

const podman = join(corpusRoot, "archives", "podman-web.tar");

describe("extracted exports", () => {
  let dir = "";
  tempDirPerTest("criu-image-export-", (d) => {
    dir = d;
  });

  /** The tcp4 dump laid out as a Podman export with the corpus archive's metadata, extracted. */
  function tcpExport(name: string): string {
    const top = join(dir, name);
    mkdirSync(top);
    execFileSync("tar", ["xf", podman, "-C", top, "config.dump", "spec.dump", "network.status"]);
    cpSync(join(corpusRoot, "images", "tcp4"), join(top, "checkpoint"), { recursive: true });
    return top;
  }

  it("open as the archive does: images from checkpoint/, the engine's files as companions, the same container", async () => {
    const top = join(dir, "web");
    mkdirSync(top);
    execFileSync("tar", ["xf", podman, "-C", top]);
    const [folder, archive] = [await openCheckpoint(top), await openCheckpoint(podman)];
    expect(folder.names()).toEqual(archive.names());
    expect(folder.source.archive).toMatchObject({ layout: "podman", imagesDir: "checkpoint" });
    expect([...folder.source.companions.keys()].sort()).toEqual([...archive.source.companions.keys()].sort());
    const [fromFolder, fromArchive] = [
      JSON.parse((await runCli(["info", top])).stdout.toString()),
      JSON.parse((await runCli(["info", podman])).stdout.toString()),
    ];
    expect({ ...fromFolder.container, checkpointed: null }).toEqual({ ...fromArchive.container, checkpointed: null });
    expect((await runCli(["verify", top])).code).toBe(0);
    // diff takes archives on either side (pages compared by bytes): an archive and its extraction are the same.
    expect((await runCli(["diff", podman, top])).code).toBe(0);
    expect((await runCli(["diff", podman, podman])).code).toBe(0);
    const other = await runCli(["diff", podman, join(corpusRoot, "archives", "podman-web.tar.zst")]);
    expect(other.code, other.stderr).toBe(1);
    expect(other.stdout.toString()).toMatch(/^~ container: checkpointed: /m);
  });

  it("are listed, rewritten in place in checkpoint/ and told apart by diff", async () => {
    const before = tcpExport("before");
    const after = tcpExport("after");
    expect(listConnections(await openCheckpoint(before))).toHaveLength(3);
    const top = readdirSync(after).sort();
    const r = await runCli(["tcp", "rewrite", after, "--addr", "127.0.0.2=10.0.0.2"]);
    expect(r.code, r.stderr).toBe(0);
    // The images changed where they are; nothing new at the top.
    expect(readdirSync(after).sort()).toEqual(top);
    expect(
      readFileSync(join(after, "checkpoint", "files.img")).equals(
        readFileSync(join(before, "checkpoint", "files.img")),
      ),
    ).toBe(false);
    const moved = listConnections(await openCheckpoint(after));
    expect(moved.filter((s) => s.local.address === "10.0.0.2" || s.remote.address === "10.0.0.2")).toHaveLength(2);
    const d = await runCli(["diff", before, after]);
    expect(d.code).toBe(1);
    expect(d.stdout.toString()).toMatch(/tcp socket 10: local\.address: "127\.0\.0\.2" -> "10\.0\.0\.2"/);
    expect((await runCli(["diff", before, before])).code).toBe(0);
  });

  it("a folder with checkpoint/ but no engine file is not taken for an export", async () => {
    const top = join(dir, "plain");
    mkdirSync(top);
    cpSync(join(corpusRoot, "images", "tcp4"), join(top, "checkpoint"), { recursive: true });
    writeFileSync(join(top, "notes.txt"), "mine");
    const r = await runCli(["tcp", "list", top]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds no CRIU image/);
  });
});
