/** imageToCritJson and critJsonToImage against crit 4.2's golden files: the library's decode and encode pipelines. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CriuImageError } from "../../src/index.js";
import { critJsonToImage, imageToCritJson } from "../../src/json/index.js";
import { asAsync, chunkAt, corpusDumps, critDir, goldenFiles } from "../helpers/corpus.js";

const collect = async (chunks: AsyncIterable<Uint8Array>) => {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return Buffer.concat(out);
};

const imageOf = (scenario: string, golden: string) => {
  const dump = corpusDumps().find((d) => d.scenario === scenario);
  const name = golden.replace(/(\.pretty)?\.json$/, "");
  return { name, bytes: new Uint8Array(readFileSync(join(dump?.dir as string, name))) };
};

describe("imageToCritJson and critJsonToImage", () => {
  const goldens = goldenFiles([".json"]).filter(([, f]) => !f.endsWith(".info.json"));

  it("give crit's JSON, compact and pretty, for every golden, from the image in pieces", async () => {
    expect(goldens.length).toBeGreaterThan(50);
    for (const [scenario, file] of goldens) {
      const { name, bytes } = imageOf(scenario, file);
      const pretty = file.endsWith(".pretty.json");
      const json = await imageToCritJson(asAsync(chunkAt(bytes, [3, 9, bytes.length >> 1])), { name, pretty });
      expect((await collect(json)).toString(), `${scenario}/${file}`).toBe(
        readFileSync(join(critDir(scenario), file), "utf8"),
      );
    }
  });

  it("with reuseBuffer hand out views of two buffers taking turns, each whole until the one after next, making the same JSON", async () => {
    // A files.img of several MiB of JSON: a real one's entries, many times over.
    const [scenario, file] = goldens.find(([, f]) => f === "files.img.json") as [string, string];
    const { name, bytes } = imageOf(scenario, file);
    const one = await collect(await imageToCritJson(asAsync([bytes]), { name }));
    const big = await collect(
      await critJsonToImage(
        asAsync([
          new TextEncoder().encode(
            (() => {
              const doc = JSON.parse(one.toString()) as { magic: string; entries: unknown[] };
              const entries = Array.from({ length: Math.ceil(5_000_000 / one.length) }, () => doc.entries).flat();
              return JSON.stringify({ magic: doc.magic, entries });
            })(),
          ),
        ]),
        { name },
      ),
    );
    const fresh = await collect(await imageToCritJson(asAsync([big]), { name }));
    const seen = new Set<ArrayBufferLike>();
    const copies: Buffer[] = [];
    let previous: Uint8Array | undefined;
    let previousCopy: Buffer | undefined;
    for await (const c of await imageToCritJson(asAsync([big]), { name, reuseBuffer: true })) {
      // The chunk before is still whole now that this one is made (a writer may still be writing it).
      if (previous) expect(Buffer.from(previous).equals(previousCopy as Buffer)).toBe(true);
      seen.add(c.buffer);
      previous = c;
      previousCopy = Buffer.from(c);
      copies.push(previousCopy);
    }
    expect(copies.length).toBeGreaterThan(3);
    expect(seen.size).toBeLessThan(copies.length); // two buffers, grown at most a few times
    expect(Buffer.concat(copies).equals(fresh)).toBe(true);
  });

  it("give the image's bytes back from crit's JSON", async () => {
    for (const [scenario, file] of goldens) {
      // bpfmap-data.img's golden is right but crit cannot encode it; ours can.
      const { name, bytes } = imageOf(scenario, file);
      const json = new Uint8Array(readFileSync(join(critDir(scenario), file)));
      const back = await collect(await critJsonToImage(asAsync(chunkAt(json, [1, json.length >> 1])), { name }));
      expect(back.equals(Buffer.from(bytes)), `${scenario}/${file}`).toBe(true);
    }
  });

  it("compact unless asked; --nopl sizes extra payloads instead of writing them, as the whole-image renderer does", async () => {
    const { readImage } = await import("../../src/index.js");
    const { toCritJson } = await import("../../src/json/index.js");
    const { name, bytes } = imageOf("many-fds", "pipes-data.img.json");
    const plain = (await collect(await imageToCritJson(asAsync([bytes]), { name }))).toString();
    expect(plain).toBe(readFileSync(join(critDir("many-fds"), "pipes-data.img.json"), "utf8"));
    const nopl = (await collect(await imageToCritJson(asAsync([bytes]), { name, noPayload: true }))).toString();
    expect(nopl).toBe(toCritJson(readImage(bytes, { name }), { noPayload: true }));
    expect(nopl).toContain('"extra": "... <');
    expect(nopl).not.toBe(plain);
  });

  it("refuse a raw image before making any JSON, and end with crit's stdout newline when asked", async () => {
    const e = await imageToCritJson(asAsync([Uint8Array.of(1, 2, 3, 4)]), { name: "pages-1.img" }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(CriuImageError);
    expect((e as Error).message).toMatch(/PAGES is a raw image/);
    expect(e).toMatchObject({ code: "UNSUPPORTED", image: "pages-1.img", expected: "an image of entries" });
    const [scenario, file] = goldens[0] as [string, string];
    const { name, bytes } = imageOf(scenario, file);
    const text = (await collect(await imageToCritJson(asAsync([bytes]), { name, newline: true }))).toString();
    expect(text.endsWith("}\n")).toBe(true);
  });
});
