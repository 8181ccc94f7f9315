/** Checkpoint.each walks an image without keeping it, and `decoded` says what is kept. */
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { readFramed } from "../../src/index.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { caught } from "../helpers/errors.js";

describe("Checkpoint.each", () => {
  const images = corpusCheckpoint("tcp4");

  it("yields every entry, keeps nothing, and yields the kept entries once an image is decoded", () => {
    const cp = Checkpoint.of(images);
    const walked = [...cp.each("files.img", "FILES")];
    expect(cp.decoded("files.img")).toBeUndefined();
    const kept = cp.kind("files.img", "FILES");
    expect(walked).toEqual(kept?.entries);
    expect(cp.decoded("files.img")).toBe(kept);
    // Now the same objects, so a change made to them is seen.
    const again = [...cp.each("files.img", "FILES")];
    again.forEach((e, i) => {
      expect(e).toBe(kept?.entries[i]);
    });
  });

  it("yields nothing for a missing image, and refuses an image of another kind", () => {
    const cp = Checkpoint.of(images);
    expect([...cp.each("inetsk.img", "INETSK")]).toEqual([]);
    expect(caught(() => [...cp.each("files.img", "FDINFO")]).code).toBe("BAD_MAGIC");
    cp.kind("files.img", "FILES");
    expect(caught(() => [...cp.each("files.img", "FDINFO")]).code).toBe("BAD_MAGIC");
  });
});

describe("Checkpoint.framed", () => {
  it("gives the undecoded entries of an image of that kind, undefined without one, and refuses another kind", () => {
    const cp = Checkpoint.of(corpusCheckpoint("tcp4"));
    const framed = cp.framed("files.img", "FILES");
    expect(framed?.header.kind).toBe("FILES");
    expect([...(framed?.entries() ?? [])].map((e) => e.offset)).toEqual(
      readFramed(cp.bytes("files.img") as Uint8Array, { name: "files.img" }).entries.map((e) => e.offset),
    );
    expect(cp.framed("inetsk.img", "INETSK")).toBeUndefined();
    expect(caught(() => cp.framed("files.img", "FDINFO")).code).toBe("BAD_MAGIC");
    expect(cp.decoded("files.img")).toBeUndefined();
  });
});
