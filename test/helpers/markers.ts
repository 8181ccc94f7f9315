/**
 * The markers the corpus README documents, read from its tables, so the
 * tests follow the corpus as it grows: name, task(s), address, and (for a
 * shared-memory marker given by its offset) the offset in the object.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusRoot } from "./corpus.js";

export interface Marker {
  name: string;
  /** "both", a pid, or undefined (the chain's parent task unless the name says otherwise). */
  task: string | undefined;
  address?: bigint;
  /** Shared-memory offset instead of an address. */
  shmemOffset?: bigint;
  utf16: boolean;
}

/** The rows of the markdown table that follows `heading` in the README. */
function tableAfter(heading: string): string[][] {
  const text = readFileSync(join(corpusRoot, "README.md"), "utf8");
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`README: no "${heading}"`);
  const lines = text.slice(at).split("\n");
  const start = lines.findIndex((l) => l.startsWith("| marker"));
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith("|")) break;
    rows.push(
      l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const codes = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);

/** The `memory` scenario: | marker | task | address | where | in the images |. */
export function memoryMarkers(): Marker[] {
  return tableAfter("### memory").flatMap(([marker = "", task = "", address = ""]) =>
    codes(marker).map((name, i) => ({
      name,
      task,
      address: BigInt(codes(address)[i] as string),
      utf16: /UTF-16/.test(marker),
    })),
  );
}

/** The predump chain: | marker | address | page in `2` | bytes in |. */
export function chainMarkers(): Marker[] {
  return tableAfter("### predump").flatMap(([marker = "", address = ""]) => {
    const task = /\((\d+)\)/.exec(marker)?.[1];
    const shmem = /shmem offsets?/.test(address);
    return codes(marker).map((name, i) => ({
      name,
      task,
      ...(shmem
        ? { shmemOffset: BigInt(codes(address)[i] as string) }
        : { address: BigInt(codes(address)[i] as string) }),
      utf16: /UTF-16/.test(marker),
    }));
  });
}
