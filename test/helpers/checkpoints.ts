import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  type CriuImage,
  type file_entry,
  type inet_sk_entry,
  kindByName,
  readImage,
  type unix_sk_entry,
  writeImage,
} from "../../src/index.js";
import { corpusRoot, requireCorpus } from "./corpus.js";

/** The sizes of a corpus dump's pages-* images (which corpusCheckpoint leaves out), for memorySource's `sizes`. */
export function corpusPageSizes(scenario: string): Map<string, number> {
  const dir = join(corpusRoot, "images", scenario);
  return new Map(
    readdirSync(dir)
      .filter((n) => n.startsWith("pages-"))
      .map((n) => [n, statSync(join(dir, n)).size] as [string, number]),
  );
}

/** A corpus checkpoint in memory (all images but pages-*). */
export function corpusCheckpoint(scenario: string): Map<string, Uint8Array> {
  requireCorpus();
  const dir = join(corpusRoot, "images", scenario);
  const out = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith("pages-")) continue;
    out.set(name, new Uint8Array(readFileSync(join(dir, name))));
  }
  return out;
}

/**
 * The same checkpoint in the layout of CRIU before 3.4: inet sockets in
 * inetsk.img (and, with `unix`, unix sockets in unixsk.img), files.img
 * without them. No real legacy checkpoint exists here.
 */
export function legacyLayout(
  cp: ReadonlyMap<string, Uint8Array>,
  options: { unix?: boolean } = {},
): Map<string, Uint8Array> {
  const files = readImage(cp.get("files.img") as Uint8Array, { name: "files.img" });
  if (files.kind !== "FILES") throw new Error("files.img");
  const sockets: inet_sk_entry[] = files.entries.filter((f) => f.isk).map((f) => f.isk as inet_sk_entry);
  const unix: unix_sk_entry[] = options.unix
    ? files.entries.filter((f) => f.usk).map((f) => f.usk as unix_sk_entry)
    : [];
  const rest: file_entry[] = files.entries.filter((f) => !f.isk && !(options.unix && f.usk));
  const out = new Map(cp);
  out.set("files.img", writeImage({ ...files, entries: rest }));
  const image = (kind: string, entries: unknown[]) =>
    writeImage({ kind, format: "v1.1", magic: kindByName(kind)?.magic, entries } as unknown as CriuImage);
  out.set("inetsk.img", image("INETSK", sockets));
  if (options.unix) out.set("unixsk.img", image("UNIXSK", unix));
  return out;
}

/** Decodes image `name` of an in-memory checkpoint, lets `fn` change it, and writes it back in place. */
export function editImage<K extends CriuImage["kind"]>(
  cp: Map<string, Uint8Array>,
  name: string,
  fn: (img: Extract<CriuImage, { kind: K }>) => void,
): void {
  const img = readImage(cp.get(name) as Uint8Array, { name }) as Extract<CriuImage, { kind: K }>;
  fn(img);
  cp.set(name, writeImage(img));
}
