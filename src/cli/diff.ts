/** `diff A B`: what differs, as diff(1) does it: nothing printed and exit 0 when the same. */

import { Checkpoint } from "../checkpoint/checkpoint.js";
import { type DiffReport, diffCheckpoints } from "../diff/diff.js";
import { CriuImageError } from "../framing/errors.js";
import { displayAddress } from "../image/address.js";
import { displayText } from "../image/display.js";
import { pagesForRandomAccess } from "../node/open.js";
import { open } from "./checkpoint.js";
import { writeStdout } from "./io.js";
import { writeJson } from "./json-out.js";
import { Reported } from "./usage.js";

/** A field's value for people: JSON, an address field as people read addresses. */
const val = (v: unknown, path = "") =>
  v === undefined
    ? "(none)"
    : typeof v === "string" && /(^|\.)address$/.test(path)
      ? JSON.stringify(displayAddress(v))
      : JSON.stringify(v);

export function diffText(r: DiffReport, images: boolean): string {
  const out: string[] = [];
  const sign = { added: "+", removed: "-", changed: "~" } as const;
  for (const c of r.semantic) {
    if (c.fields.length === 0) out.push(`${sign[c.change]} ${c.key}`);
    for (const f of c.fields.slice(0, 20))
      out.push(`${sign[c.change]} ${c.key}: ${f.path || "(value)"}: ${val(f.old, f.path)} -> ${val(f.new, f.path)}`);
    if (c.fields.length > 20) out.push(`~ ${c.key}: and ${c.fields.length - 20} more fields`);
  }
  const showImages = images || r.semantic.length === 0;
  if (showImages) {
    for (const i of r.images) {
      if (i.change !== "changed") out.push(`${sign[i.change]} image ${i.image}`);
      else if (i.entries) {
        for (const e of i.entries) {
          if (e.change !== "changed") out.push(`${sign[e.change]} ${i.image} entry ${e.index}`);
          for (const f of e.fields) out.push(`~ ${i.image}: ${f.path}: ${val(f.old)} -> ${val(f.new)}`);
        }
      } else {
        const ranges = (i.ranges ?? [])
          .slice(0, 8)
          .map(([a, b]) => `${a}-${b}`)
          .join(", ");
        out.push(
          `~ ${i.image}: ${i.changedBytes ?? "?"} bytes differ${ranges ? ` (${ranges}${(i.ranges?.length ?? 0) > 8 ? ", …" : ""})` : ""}`,
        );
      }
    }
  } else if (r.images.length > 0) out.push(`(${r.images.length} image(s) differ: --images for entries and fields)`);
  for (const m of r.metadata) out.push(`~ engine metadata ${m} differs`);
  for (const m of r.memory ?? [])
    out.push(
      `~ memory of ${m.pid} ${m.vma}: ${m.count} page(s) differ: ${m.pages.slice(0, 8).join(" ")}${m.count > 8 ? " …" : ""}`,
    );
  return out.length ? `${out.map(displayText).join("\n")}\n` : "";
}

/** A damaged image named with the side it is in: both sides have a files.img. */
function whichSide(e: CriuImageError, ...sides: [string, Checkpoint][]): CriuImageError {
  for (const [path, cp] of sides) {
    try {
      // A reader of its own: the sides' caches may hold what was read before the failure.
      new Checkpoint(cp.source).image(e.image);
    } catch (again) {
      if (again instanceof CriuImageError && again.message === e.message) {
        const named = new CriuImageError(e.code, `${path}: ${e.image}`, e.offset, e.expected);
        named.message = `${path}: ${e.message}`;
        return named;
      }
    }
  }
  return e;
}

export async function diff(a: {
  a: string;
  b: string;
  json?: boolean;
  images?: boolean;
  memory?: boolean;
}): Promise<void> {
  // Raw images (pages among them) are compared by bytes: an archive's are kept as it streams by (spooled when big).
  const [x, y] = [
    await open(a.a, true, { pages: pagesForRandomAccess }),
    await open(a.b, true, { pages: pagesForRandomAccess }),
  ];
  const r = await diffCheckpoints(x, y, { memory: a.memory === true }).catch((e: unknown) => {
    throw e instanceof CriuImageError ? whichSide(e, [a.a, x], [a.b, y]) : e;
  });
  if (a.json) await writeJson(r);
  else await writeStdout(diffText(r, a.images === true));
  if (!r.same) throw new Reported("different");
}
