import type { InspectReport, MountView } from "../../../../src/inspect/index.js";
import { h } from "../dom.js";

export function mounts(r: InspectReport): HTMLElement {
  const byNs = new Map<number, MountView[]>();
  for (const m of r.mounts) byNs.set(m.ns, [...(byNs.get(m.ns) ?? []), m]);
  const trees = [...byNs].map(([ns, list]) => {
    const ids = new Set(list.map((m) => m.id));
    const kids = new Map<number, MountView[]>();
    for (const m of list)
      if (ids.has(m.parentId) && m.parentId !== m.id) kids.set(m.parentId, [...(kids.get(m.parentId) ?? []), m]);
    const item = (m: MountView): HTMLElement =>
      h(
        "li",
        { role: "treeitem" },
        h("span", { class: "mono" }, m.mountpoint),
        ` ${m.fstype} from ${m.source || "?"}`,
        m.root !== "/" ? ` (root ${m.root})` : "",
        m.external ? " [external]" : "",
        h("span", { class: "muted" }, ` ${m.options}`),
        kids.has(m.id) ? h("ul", { role: "group" }, (kids.get(m.id) ?? []).map(item)) : null,
      );
    const roots = list.filter((m) => !ids.has(m.parentId) || m.parentId === m.id);
    return h(
      "div",
      {},
      h("h3", {}, `Mount namespace ${ns}: ${list.length} mounts`),
      h("ul", { role: "tree", class: "tree" }, roots.map(item)),
    );
  });
  return h(
    "section",
    { "aria-label": "Mounts" },
    h("h2", {}, "Mounts"),
    trees.length ? trees : h("p", {}, "No mountpoints images."),
  );
}
