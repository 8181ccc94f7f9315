import type { Checkpoint } from "../../../../src/checkpoint/index.js";
import { toCritJson } from "../../../../src/json/index.js";
import { h } from "../dom.js";

export function raw(cp: Checkpoint): HTMLElement {
  const names = cp.names().sort();
  const pre = h("pre", { class: "json", "data-testid": "raw-json", tabindex: 0 });
  const link = h("a", { class: "button", download: "" }, "Download JSON");
  let url = "";
  const pretty = h("input", { type: "checkbox", checked: true, id: "pretty", onchange: () => render() });
  const pick = h(
    "select",
    { "aria-label": "Image", onchange: () => render() },
    names.map((n) => h("option", { value: n }, n)),
  );
  const render = () => {
    const name = pick.value;
    if (url) URL.revokeObjectURL(url);
    try {
      if (/^pages-/.test(name) || (cp.size(name) ?? 0) > 64 << 20) {
        pre.textContent = `${name} holds memory pages (${cp.size(name)} bytes): see the memory view.`;
        link.hidden = true;
        return;
      }
      const img = cp.image(name);
      if (!img) throw new Error("no such image");
      if (img.format === "raw") {
        pre.textContent = `${name} is a raw image (${cp.size(name)} bytes): crit has no JSON form for it.`;
        link.hidden = true;
        return;
      }
      const json = toCritJson(img, { pretty: pretty.checked });
      pre.textContent =
        json.length > 2_000_000 ? `${json.slice(0, 2_000_000)}\n… (${json.length} characters; download for all)` : json;
      url = URL.createObjectURL(new Blob([json], { type: "application/json" }));
      link.href = url;
      link.download = `${name}.json`;
      link.hidden = false;
    } catch (e) {
      pre.textContent = `${name}: ${(e as Error).message}`;
      link.hidden = true;
    }
  };
  const initial = names.find((n) => n === "pstree.img") ?? names[0];
  if (initial) pick.value = initial;
  render();
  return h(
    "section",
    { "aria-label": "Raw images" },
    h("h2", {}, "Raw images as crit JSON"),
    h("div", { class: "toolbar" }, pick, h("label", { for: "pretty" }, pretty, " pretty (crit --pretty)"), link),
    pre,
  );
}
