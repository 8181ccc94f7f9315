import type { Checkpoint } from "../../../../src/checkpoint/index.js";
import type { InspectReport } from "../../../../src/inspect/index.js";
import { bytesText, h, table } from "../dom.js";

export function overview(cp: Checkpoint, r: InspectReport): HTMLElement {
  const c = r.container;
  const names = cp.names();
  const kinds = new Map<string, { count: number; bytes: number }>();
  for (const n of names) {
    const k = n.replace(/-[0-9a-f]+(\.img)?$/, "-*$1").replace(/-[0-9a-f]+\.(img|tar\.gz\.img)$/, "-*.$1");
    const e = kinds.get(k) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += cp.size(n) ?? 0;
    kinds.set(k, e);
  }
  const total = names.reduce((s, n) => s + (cp.size(n) ?? 0), 0);
  const st = r.stats;
  return h(
    "section",
    { "aria-label": "Overview" },
    h("h2", {}, "Overview"),
    h(
      "dl",
      {},
      h("dt", {}, "Source"),
      h("dd", {}, `${r.source} (${r.kind})`),
      h("dt", {}, "Image version"),
      h("dd", {}, String(r.criu.imgVersion ?? "unknown")),
      h("dt", {}, "CRIU run"),
      h("dd", {}, r.criu.dumpedWith ?? "not recorded"),
      h("dt", {}, "Parent"),
      h("dd", {}, r.criu.parent ?? "none"),
      h("dt", {}, "Processes"),
      h("dd", { "data-testid": "process-count" }, String(r.processes.length)),
      h("dt", {}, "Images"),
      h("dd", {}, `${names.length}, ${bytesText(total)}`),
    ),
    c
      ? h(
          "div",
          {},
          h("h3", {}, "Container"),
          h(
            "dl",
            { "data-testid": "container" },
            ...(
              [
                ["Engine", c.engine],
                ["Name", c.name],
                ["Id", c.id],
                ["Image", c.image],
                ["Runtime", c.runtime],
                ["Created", c.created],
                ["Checkpointed", c.checkpointed],
                ["Hostname", c.hostname],
                ["Command", c.command?.join(" ")],
                ["Network", c.network.map((n) => `${n.interface} ${n.addresses.join(", ")}`).join("; ")],
                ["Rootfs diff", c.rootfsDiffBytes === null ? null : bytesText(c.rootfsDiffBytes)],
              ] as [string, string | null | undefined][]
            ).flatMap(([k, v]) => (v ? [h("dt", {}, k), h("dd", {}, v)] : [])),
          ),
        )
      : null,
    st
      ? h(
          "div",
          {},
          h("h3", {}, "Dump statistics"),
          table(
            ["frozen", "memory dump", "memory write", "pages scanned", "written", "in parent", "lazy"],
            [
              [
                `${st.frozenTimeUs} µs`,
                `${st.memdumpTimeUs} µs`,
                `${st.memwriteTimeUs} µs`,
                st.pagesScanned,
                st.pagesWritten,
                st.pagesSkippedParent,
                st.pagesLazy,
              ],
            ],
            "Dump statistics",
          ),
        )
      : null,
    h("h3", {}, "Images by kind"),
    table(
      ["kind", "files", "bytes"],
      [...kinds].sort((a, b) => b[1].bytes - a[1].bytes).map(([k, e]) => [k, e.count, bytesText(e.bytes)]),
      "Images by kind",
    ),
    r.notes.length
      ? h(
          "div",
          {},
          h("h3", {}, "Notes"),
          h(
            "ul",
            {},
            r.notes.map((n) => h("li", {}, n)),
          ),
        )
      : null,
  );
}
