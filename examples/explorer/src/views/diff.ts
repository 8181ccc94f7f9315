import type { Checkpoint } from "../../../../src/checkpoint/index.js";
import { type DiffReport, diffCheckpoints } from "../../../../src/diff/index.js";
import { h } from "../dom.js";

const text = (v: unknown) =>
  v === undefined
    ? ""
    : typeof v === "string"
      ? v
      : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x));

function report(d: DiffReport, a: string, b: string): HTMLElement {
  if (d.same) return h("p", { "data-testid": "diff-same" }, "No difference.");
  return h(
    "div",
    {},
    h("h3", {}, `What changed (${d.semantic.length})`),
    h(
      "table",
      { "aria-label": "Changes", "data-testid": "diff-table", class: "diff" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "what"),
          h("th", { scope: "col" }, "field"),
          h("th", { scope: "col" }, a),
          h("th", { scope: "col" }, b),
        ),
      ),
      h(
        "tbody",
        {},
        d.semantic.flatMap((c) =>
          c.fields.length === 0
            ? [
                h(
                  "tr",
                  { class: c.change },
                  h("td", {}, `${c.key} (${c.change})`),
                  h("td", {}, ""),
                  h("td", {}, ""),
                  h("td", {}, ""),
                ),
              ]
            : c.fields.map((f) =>
                h(
                  "tr",
                  { class: c.change },
                  h("td", {}, c.key),
                  h("td", { class: "mono" }, f.path),
                  h("td", { class: "mono old" }, text(f.old)),
                  h("td", { class: "mono new" }, text(f.new)),
                ),
              ),
        ),
      ),
    ),
    h("h3", {}, `Images (${d.images.length})`),
    h(
      "ul",
      {},
      d.images.map((i) =>
        h(
          "li",
          {},
          `${i.image}: ${i.change}${i.entries ? `, ${i.entries.length} entries` : ""}${i.changedBytes ? `, ${i.changedBytes} bytes` : ""}`,
        ),
      ),
    ),
  );
}

/** Asks for a second checkpoint through the same pickers as the first, then compares. */
export function diff(cp: Checkpoint, pickers: (onOpen: (other: Checkpoint) => void) => HTMLElement): HTMLElement {
  const out = h("div", { "data-testid": "diff" });
  const run = async (other: Checkpoint) => {
    out.replaceChildren(h("p", { role: "status" }, "Comparing…"));
    const d = await diffCheckpoints(cp, other);
    out.replaceChildren(report(d, cp.label, other.label));
  };
  return h(
    "section",
    { "aria-label": "Diff" },
    h("h2", {}, "Diff"),
    h("p", {}, `Compare ${cp.label} with another checkpoint: pick it as an archive or a folder.`),
    pickers((other) => void run(other)),
    out,
  );
}
