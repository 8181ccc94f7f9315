import type { Checkpoint } from "../../../../src/checkpoint/index.js";
import { coreDump } from "../../../../src/coredump/index.js";
import type { InspectReport } from "../../../../src/inspect/index.js";
import {
  type MemoryMatch,
  memoryMap,
  pageSizeOf,
  readMemory,
  searchMemory,
  type VmaMap,
} from "../../../../src/memory/index.js";
import { h, hex, hexdump, s } from "../dom.js";

const W = 1180;
const STATES = ["present", "parent", "lazy", "notDumped"] as const;

interface Placed {
  v: VmaMap;
  x: number;
  w: number;
}

function place(vmas: VmaMap[], scale: "linear" | "log", pageSize: number): Placed[] {
  if (vmas.length === 0) return [];
  if (scale === "linear") {
    const lo = vmas[0]?.start ?? 0n;
    const hi = vmas[vmas.length - 1]?.end ?? 1n;
    const span = Number(hi - lo) || 1;
    return vmas.map((v) => ({
      v,
      x: (Number(v.start - lo) / span) * W,
      w: Math.max(1, (Number(v.end - v.start) / span) * W),
    }));
  }
  // Log: each VMA as wide as the log of its page count, gaps left out, in address order.
  const weights = vmas.map((v) => Math.log2(Number(v.end - v.start) / pageSize + 1) + 0.5);
  const gap = 2;
  const unit = (W - gap * vmas.length) / weights.reduce((a, b) => a + b, 0);
  let x = 0;
  return vmas.map((v, i) => {
    const w = (weights[i] as number) * unit;
    const p = { v, x, w };
    x += w + gap;
    return p;
  });
}

function xOf(placed: Placed[], a: bigint): number | undefined {
  const p = placed.find((q) => a >= q.v.start && a < q.v.end);
  return p ? p.x + (Number(a - p.v.start) / Number(p.v.end - p.v.start)) * p.w : undefined;
}

export function memory(cp: Checkpoint, r: InspectReport, pid: number | null): HTMLElement {
  const pageSize = pageSizeOf(cp);
  const procs = r.processes.filter((p) => p.state !== "zombie");
  let current = procs.find((p) => p.pid === pid)?.pid ?? procs[0]?.pid;
  let scale: "linear" | "log" = "log";
  let matches: MemoryMatch[] = [];
  const mapBox = h("div", { class: "map" });
  const dump = h("pre", { class: "hexdump", "data-testid": "hexdump", tabindex: 0 });
  const results = h("ol", { class: "results mono", "data-testid": "search-results" });
  const status = h("p", { role: "status" });

  const show = async (address: bigint, length = 256) => {
    if (current === undefined) return;
    const m = await readMemory(cp, current, address, length, { pageSize });
    const unknown = (i: number) => m.unknown.some((u) => address + BigInt(i) >= u.start && address + BigInt(i) < u.end);
    dump.textContent = hexdump(address, m.bytes, unknown);
  };

  const draw = () => {
    if (current === undefined) return mapBox.replaceChildren(h("p", {}, "No process with memory."));
    const vmas = memoryMap(cp, current, pageSize);
    const placed = place(vmas, scale, pageSize);
    const svg = s("svg", {
      viewBox: `0 0 ${W} 90`,
      width: W,
      height: 90,
      role: "img",
      "aria-label": `Memory map of ${current}`,
      "data-testid": "memory-map",
    });
    for (const p of placed) {
      const pages = Number((p.v.end - p.v.start) / BigInt(pageSize));
      const g = s("g", { class: "vma", tabindex: 0, "data-start": hex(p.v.start) });
      g.append(
        s(
          "title",
          {},
          `${hex(p.v.start)}-${hex(p.v.end)} ${p.v.prot} ${p.v.kind}${p.v.path ? ` ${p.v.path}` : ""}\n${pages} pages: ${p.v.pages.present} present, ${p.v.pages.parent} in parent, ${p.v.pages.lazy} lazy, ${p.v.pages.notDumped} not dumped`,
        ),
        s("rect", { x: p.x, y: 10, width: p.w, height: 30, class: `kind-${p.v.kind}` }),
      );
      let x = p.x;
      for (const st of STATES) {
        const w = (p.v.pages[st] / Math.max(1, pages)) * p.w;
        if (w > 0) g.append(s("rect", { x, y: 42, width: w, height: 12, class: `page-${st}` }));
        x += w;
      }
      const open = () => void show(p.v.start);
      g.addEventListener("click", open);
      g.addEventListener("keydown", (e) => {
        if ((e as KeyboardEvent).key === "Enter") open();
      });
      svg.append(g);
    }
    for (const m of matches.filter((x) => x.pid === current)) {
      const x = xOf(placed, m.address);
      if (x !== undefined)
        svg.append(
          s(
            "line",
            { x1: x, x2: x, y1: 2, y2: 62, class: "mark", "data-mark-address": hex(m.address) },
            s("title", {}, `match at ${hex(m.address)}`),
          ),
        );
    }
    svg.append(s("text", { x: 0, y: 80, class: "axis" }, vmas[0] ? hex(vmas[0].start) : ""));
    svg.append(
      s(
        "text",
        { x: W, y: 80, class: "axis", "text-anchor": "end" },
        vmas.length ? hex(vmas[vmas.length - 1]?.end ?? 0n) : "",
      ),
    );
    mapBox.replaceChildren(svg);
  };

  const query = h("input", {
    type: "search",
    "aria-label": "Search memory",
    placeholder: "text, hex bytes or /regex/",
    "data-testid": "search",
  });
  const mode = h(
    "select",
    { "aria-label": "Pattern kind" },
    h("option", { value: "utf8" }, "text"),
    h("option", { value: "utf16le" }, "UTF-16 text"),
    h("option", { value: "hex" }, "hex"),
    h("option", { value: "regex" }, "regex"),
  );
  const search = async () => {
    const q = query.value;
    if (!q) return;
    matches = [];
    results.replaceChildren();
    status.textContent = "Searching…";
    try {
      const pattern = mode.value === "regex" ? new RegExp(q.replace(/^\/(.*)\/$/, "$1")) : q;
      const encoding = mode.value === "regex" ? undefined : (mode.value as "utf8" | "utf16le" | "hex");
      for await (const m of searchMemory(cp, { pattern, ...(encoding ? { encoding } : {}), pageSize })) {
        matches.push(m);
        results.append(
          h(
            "li",
            {},
            h(
              "button",
              {
                onclick: () => {
                  current = m.pid;
                  pick.value = String(m.pid);
                  draw();
                  void show(m.address - (m.address % 16n), 128);
                },
              },
              `${m.pid} ${hex(m.address)} ${m.vma.kind} ${m.vma.prot}`,
            ),
          ),
        );
        if (matches.length >= 1000) break;
      }
      status.textContent = `${matches.length} match${matches.length === 1 ? "" : "es"}`;
    } catch (e) {
      status.textContent = (e as Error).message;
    }
    draw();
  };
  const pick = h(
    "select",
    {
      "aria-label": "Process",
      onchange: () => {
        current = Number(pick.value);
        draw();
      },
    },
    procs.map((p) => h("option", { value: p.pid }, `${p.pid} ${p.comm}`)),
  );
  if (current !== undefined) pick.value = String(current);
  const scaleBtn = h(
    "button",
    {
      "aria-pressed": "true",
      onclick: () => {
        scale = scale === "log" ? "linear" : "log";
        scaleBtn.textContent = scale === "log" ? "Log scale (sizes)" : "Linear scale (addresses)";
        draw();
      },
    },
    "Log scale (sizes)",
  );
  // The selected process's ELF core for gdb, made in the page from the checkpoint already read.
  const coreBtn = h(
    "button",
    {
      "data-testid": "download-core",
      onclick: async () => {
        if (current === undefined) return;
        const pid = current;
        coreBtn.setAttribute("disabled", "");
        status.textContent = `Writing core.${pid}…`;
        try {
          const core = await coreDump(cp, pid, { pageSize });
          const parts: Uint8Array<ArrayBuffer>[] = [];
          for await (const chunk of core.chunks()) parts.push(chunk.slice());
          const url = URL.createObjectURL(new Blob(parts, { type: "application/octet-stream" }));
          const a = h("a", { href: url, download: `core.${pid}` });
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
          status.textContent = `core.${pid}: ${core.size} bytes, ${core.threads.length} thread(s)${
            core.omittedPages ? `; ${core.omittedPages} file pages left to gdb's files` : ""
          }${core.warnings.length ? `; ${core.warnings.join("; ")}` : ""}`;
        } catch (e) {
          status.textContent = (e as Error).message;
        } finally {
          coreBtn.removeAttribute("disabled");
        }
      },
    },
    "Download core (gdb)",
  );
  draw();
  return h(
    "section",
    { "aria-label": "Memory" },
    h("h2", {}, "Memory map"),
    h("div", { class: "toolbar" }, pick, scaleBtn, coreBtn),
    mapBox,
    h(
      "p",
      { class: "legend" },
      ...["anon", "file", "file-shared", "shared", "memfd", "stack", "heap", "vdso", "vvar"].map((k) =>
        h("span", { class: `key kind-${k}` }, k),
      ),
      " pages: ",
      ...STATES.map((st) => h("span", { class: `key page-${st}` }, st)),
    ),
    h(
      "form",
      {
        class: "toolbar",
        onsubmit: (e: Event) => {
          e.preventDefault();
          void search();
        },
      },
      query,
      mode,
      h("button", { type: "submit" }, "Search"),
    ),
    status,
    h("div", { class: "split" }, results, dump),
  );
}
