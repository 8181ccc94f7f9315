/** The CLI's input and output: the source of one image, the name it is known by, stdout that fills up or fails. */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { imageName, source, writeStdout } from "../../src/cli/io.js";
import { CriuImageError } from "../../src/framing/errors.js";
import { corpusRoot } from "../helpers/corpus.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-io-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const inventory = join(corpusRoot, "images", "tcp4", "inventory.img");

describe("source", () => {
  it("a file has its size; stdin and a device do not", async () => {
    expect((await source(inventory)).size).toBe(statSync(inventory).size);
    expect((await source("/dev/null")).size).toBeUndefined();
    for (const stdin of [undefined, "-"]) {
      const s = await source(stdin);
      expect(s.chunks).toBe(process.stdin);
      expect(s.size).toBeUndefined();
    }
  });

  it("a folder is refused as not one image", async () => {
    const e = await source(work).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CriuImageError);
    expect((e as CriuImageError).code).toBe("NOT_CHECKPOINT");
    expect((e as CriuImageError).message).toContain("it is a folder");
  });
});

describe("imageName", () => {
  it("is --name, else the input's base name; stdin has none", () => {
    expect(imageName("/a/b/files.img", "pages-1.img")).toBe("pages-1.img");
    expect(imageName("/a/b/files.img", undefined)).toBe("files.img");
    expect(imageName("-", undefined)).toBeUndefined();
    expect(imageName(undefined, undefined)).toBeUndefined();
  });
});

describe("writeStdout", () => {
  it("waits for a full pipe to drain, or fails with its error, and leaves no listener behind", async () => {
    const drains = process.stdout.listenerCount("drain");
    const errors = process.stdout.listenerCount("error");
    const w = vi.spyOn(process.stdout, "write").mockImplementation(() => false);
    try {
      let done = false;
      const waiting = writeStdout("x").then(() => {
        done = true;
      });
      await new Promise((r) => setTimeout(r, 10));
      expect(done).toBe(false);
      process.stdout.emit("drain");
      await waiting;
      expect([process.stdout.listenerCount("drain"), process.stdout.listenerCount("error")]).toEqual([drains, errors]);
      const failing = writeStdout("y");
      const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
      process.stdout.emit("error", epipe);
      await expect(failing).rejects.toBe(epipe);
      expect([process.stdout.listenerCount("drain"), process.stdout.listenerCount("error")]).toEqual([drains, errors]);
    } finally {
      w.mockRestore();
    }
  });
});
