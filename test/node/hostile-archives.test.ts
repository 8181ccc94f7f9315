/**
 * Checkpoint archives are untrusted: every hostile archive is built here,
 * and nothing read from it may be used, copied or written outside the
 * chosen output.
 */

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { displayText } from "../../src/index.js";
import { inspectCheckpoint } from "../../src/inspect/index.js";
import { FileError, openCheckpoint, rewriteCheckpointDir } from "../../src/node/index.js";
import { verifyCheckpoint } from "../../src/verify/index.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { makeTar, type TarMember } from "../helpers/tar.js";

let root: string;
let work: string;
beforeEach(() => {
  // Everything happens inside root; "outside" is root itself and its other folders.
  root = mkdtempSync(join(tmpdir(), "criu-image-hostile-"));
  work = join(root, "a", "b");
  mkdirSync(work, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const tcp4 = join(corpusRoot, "images", "tcp4");
const images = (): TarMember[] =>
  readdirSync(tcp4)
    .sort()
    .map((n) => ({ name: `checkpoint/${n}`, data: readFileSync(join(tcp4, n)) }));

const HOSTILE: [label: string, member: TarMember, reason: RegExp][] = [
  ["a .. name", { name: "checkpoint/../../escaped.txt", data: "x" }, /"\.\." component/],
  ["an absolute name", { name: `${"/"}tmp/criu-image-hostile-abs/abs.txt`, data: "x" }, /absolute path/],
  [
    "a symlink out",
    { name: "checkpoint/link", type: "symlink", linkname: "/etc/passwd" },
    /symbolic link to the absolute path/,
  ],
  [
    "a relative symlink out",
    { name: "checkpoint/rel", type: "symlink", linkname: "../../../etc/shadow" },
    /symbolic link out of the archive/,
  ],
  [
    "a hard link out",
    { name: "checkpoint/hard", type: "link", linkname: "../outside" },
    /hard link out of the archive/,
  ],
  ["a device node", { name: "checkpoint/null", type: "character-device" }, /device node/],
  ["a FIFO", { name: "checkpoint/fifo", type: "fifo" }, /FIFO/],
  ["a control character", { name: "checkpoint/evil\nname.img", data: "x" }, /control characters/],
  [
    "a conflicting duplicate",
    { name: "checkpoint/inventory.img", data: "not the same inventory" },
    /second member of this name/,
  ],
  [
    "a duplicate of pages with the same size and one other byte",
    { name: "checkpoint/pages-1.img", data: otherByte(readFileSync(join(tcp4, "pages-1.img")), 70_000) },
    /second member of this name, with other contents/,
  ],
];

/** A copy with one byte changed. */
function otherByte(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] = (c[at] as number) ^ 1;
  return c;
}

async function archive(extra: TarMember[], name = "evil.tar"): Promise<string> {
  const p = join(work, name);
  writeFileSync(p, await makeTar([...images(), { name: "config.dump", data: "{}" }, ...extra]));
  return p;
}

describe("unsafe members", () => {
  for (const [label, member, reason] of HOSTILE) {
    it(`${label}: reported by verify and inspect, never read, refused by writers unless left out`, async () => {
      const a = await archive([member]);
      const cp = await openCheckpoint(a);
      expect(cp.source.unsafe?.map((u) => u.name)).toEqual([member.name]);
      expect(cp.source.unsafe?.[0]?.reason).toMatch(reason);
      // The member is used for nothing: the images read are the real ones.
      expect(cp.bytes("inventory.img")).toEqual(new Uint8Array(readFileSync(join(tcp4, "inventory.img"))));
      const v = verifyCheckpoint(cp);
      expect(v.problems.map((p) => p.check)).toEqual(["unsafe-member"]);
      expect((await runCli(["verify", a])).code).toBe(1);
      expect(
        (await inspectCheckpoint(cp, { memory: false })).notes.some((n) => n.startsWith("unsafe archive member")),
      ).toBe(true);

      // Writers refuse with one line, and write nothing.
      const out = join(work, "out.tar");
      const r = await runCli(["tcp", "rewrite", a, "--addr", "127.0.0.2=10.0.0.2", "--out", out]);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/has 1 unsafe member\(s\) .*nothing was written\. --drop-unsafe leaves them out/);
      expect(existsSync(out)).toBe(false);
      await expect(
        rewriteCheckpointDir(a, [{ kind: "address", from: "127.0.0.2", to: "10.0.0.2" }], { outDir: join(work, "o2") }),
      ).rejects.toThrow(FileError);

      // --drop-unsafe: the output lacks the member, and says so.
      const dropped = await runCli([
        "tcp",
        "rewrite",
        a,
        "--addr",
        "127.0.0.2=10.0.0.2",
        "--out",
        out,
        "--drop-unsafe",
      ]);
      expect(dropped.code, dropped.stderr).toBe(0);
      // Named as every human output names text from an archive: control characters escaped.
      expect(dropped.stderr).toContain(`left out of the output: ${displayText(member.name)}`);
      const names = execFileSync("tar", ["tf", out]).toString().split("\n");
      const isImage = existsSync(join(tcp4, member.name.slice("checkpoint/".length)));
      expect(names.filter((n) => n === member.name)).toHaveLength(isImage ? 1 : 0);
      expect((await openCheckpoint(out)).source.unsafe).toEqual([]);

      // A folder output holds the images folder's regular files, nothing else, and makes no link.
      const folder = join(work, "folder");
      expect(
        (await runCli(["tcp", "rewrite", a, "--addr", "127.0.0.2=10.0.0.2", "--out", folder, "--drop-unsafe"])).code,
      ).toBe(0);
      expect(readdirSync(folder).sort()).toEqual(readdirSync(tcp4).sort());
      // Nothing anywhere else under the temporary root, nor at the absolute path.
      expect(readdirSync(root)).toEqual(["a"]);
      expect(readdirSync(join(root, "a"))).toEqual(["b"]);
      expect(existsSync("/tmp/criu-image-hostile-abs")).toBe(false);
    });
  }
});

describe("duplicate members", () => {
  it("the same bytes twice (tar -r) are one member: nothing unsafe, and --out DIR writes each file once", async () => {
    const again = ["pages-1.img", "inventory.img"].map((n) => ({
      name: `checkpoint/${n}`,
      data: readFileSync(join(tcp4, n)),
    }));
    const a = await archive(again);
    const cp = await openCheckpoint(a);
    expect(cp.source.unsafe).toEqual([]);
    expect(verifyCheckpoint(cp).problems).toEqual([]);
    const folder = join(work, "folder");
    const r = await runCli(["tcp", "rewrite", a, "--addr", "127.0.0.2=10.0.0.2", "--out", folder]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(folder).sort()).toEqual(readdirSync(tcp4).sort());
    expect(readFileSync(join(folder, "pages-1.img")).equals(readFileSync(join(tcp4, "pages-1.img")))).toBe(true);
  });

  it("pages read for random access (mem): an other-bytes duplicate is unsafe and its spool removed", async () => {
    const a = await archive([
      { name: "checkpoint/pages-1.img", data: otherByte(readFileSync(join(tcp4, "pages-1.img")), 5) },
    ]);
    const cp = await openCheckpoint(a, { pages: () => "spool" });
    expect(cp.source.unsafe?.map((u) => u.reason)).toEqual(["a second member of this name, with other contents"]);
    // The first copy stands: the bytes read are the real ones.
    expect(Buffer.from((await cp.source.files.get("pages-1.img")?.read(0, 16)) as Uint8Array)).toEqual(
      readFileSync(join(tcp4, "pages-1.img")).subarray(0, 16),
    );
  });
});

describe("metadata limits", () => {
  it("a metadata member over 16 MiB is sized, not read: info and inspect say so", async () => {
    const big = new Uint8Array(17 << 20).fill(0x20);
    const a = join(work, "big.tar.gz");
    writeFileSync(
      a,
      gzipSync(await makeTar([...images(), { name: "spec.dump", data: big }, { name: "config.dump", data: "{}" }])),
    );
    const info = JSON.parse((await runCli(["info", a])).stdout.toString());
    expect(info.process).toBeUndefined();
    const r = await inspectCheckpoint(await openCheckpoint(a), { memory: false });
    expect(r.notes).toContain(`spec.dump has ${17 << 20} bytes, over the 16 MiB limit for parsed metadata; not read`);
    expect((await runCli(["verify", a])).code).toBe(0);
  });

  it("a gzip bomb of metadata (256 MiB of zeros in a few hundred KiB) streams by without being held", async () => {
    // The tar is streamed to gzip, never built whole: this is the bomb an attacker sends.
    const a = join(work, "bomb.tar.gz");
    const tarPath = join(work, "bomb-src");
    mkdirSync(tarPath);
    execFileSync("sh", [
      "-c",
      `cp -r ${JSON.stringify(tcp4)} ${JSON.stringify(join(tarPath, "checkpoint"))} && truncate -s 256M ${JSON.stringify(join(tarPath, "config.dump"))} && tar cf - -C ${JSON.stringify(tarPath)} checkpoint config.dump | gzip -1 > ${JSON.stringify(a)}`,
    ]);
    rmSync(tarPath, { recursive: true, force: true });
    expect(readFileSync(a).length).toBeLessThan(8 << 20);
    const before = process.memoryUsage().arrayBuffers;
    const cp = await openCheckpoint(a);
    expect(cp.source.companions.get("config.dump")?.size).toBe(1 << 28);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 << 20);
    const info = JSON.parse((await runCli(["info", a])).stdout.toString());
    // Sized, never parsed: the container is known to be there, and nothing of it was read.
    expect(info.container.id).toBeNull();
    expect(info.notes).toEqual([
      `config.dump has ${1 << 28} bytes, over the 16 MiB limit for parsed metadata; not read`,
    ]);
  }, 120_000);
});
