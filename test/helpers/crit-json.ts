/** crit JSON in tests: crit 4.2's golden output of the corpus, the streaming writer's text, the reader's refusals. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { readFramed } from "../../src/index.js";
import { CritJsonError, CritJsonWriter, fromCritJson } from "../../src/json/index.js";
import { corpusRoot } from "./corpus.js";

/** crit 4.2's `crit decode` of a corpus image, parsed. */
export const golden = (scenario: string, image: string) =>
  JSON.parse(readFileSync(join(corpusRoot, "crit", scenario, `${image}.json`), "utf8"));

/** An image's crit JSON as the streaming writer makes it, entry by entry from the framing (the decode fast path). */
export function viaFramed(bytes: Uint8Array, name: string | undefined, pretty: boolean): string {
  const framed = readFramed(bytes, name ? { name } : {});
  const w = new CritJsonWriter(framed.kind, { pretty });
  w.head();
  for (const e of framed.entries) w.framedEntry(framed, e);
  w.tail();
  return w.out.text();
}

/** The message of the CritJsonError fromCritJson gives for a document (text, or a value to stringify). */
export function critJsonError(doc: unknown): string {
  try {
    fromCritJson(typeof doc === "string" ? doc : JSON.stringify(doc));
  } catch (e) {
    expect(e).toBeInstanceOf(CritJsonError);
    return (e as Error).message;
  }
  return "(no error)";
}
