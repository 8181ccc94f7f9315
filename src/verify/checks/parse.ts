import { CriuImageError } from "../../framing/errors.js";
import { type ImageKindInfo, kindByFileName } from "../../framing/kinds.js";
import type { CriuImage } from "../../image/types.js";
import type { VerifyContext } from "../context.js";
import { isIndexed } from "../indexes.js";

/**
 * Every image parses completely. Raw images are bytes by definition; pages
 * are not read. The file images are indexed entry by entry, never kept.
 */
export function* checkParse(ctx: VerifyContext): Generator<void> {
  const { cp } = ctx;
  for (const name of cp.names()) {
    // names() lists only names of known kinds.
    const k = kindByFileName(name) as ImageKindInfo;
    if (k.raw) continue;
    try {
      if (isIndexed(k.kind)) ctx.index.add(cp, name, k.kind);
      else ctx.images.set(name, cp.image(name) as CriuImage);
    } catch (e) {
      if (!(e instanceof CriuImageError)) throw e;
      ctx.problem(name, "parse", e.message);
    }
    yield;
  }
}
