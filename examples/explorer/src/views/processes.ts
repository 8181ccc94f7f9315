import type { InspectReport, ProcessView } from "../../../../src/inspect/index.js";
import { h, table } from "../dom.js";

/** Values that look like secrets: masked until the user asks to see them. */
const SECRET = /(pass|secret|token|key|auth|cred|session|cookie)/i;

function maskEnv(e: string, masked: boolean): string {
  if (!masked) return e;
  const eq = e.indexOf("=");
  if (eq < 0) return e;
  return SECRET.test(e.slice(0, eq)) ? `${e.slice(0, eq + 1)}••••••` : e;
}

function details(p: ProcessView, masked: boolean): HTMLElement {
  const c = p.creds;
  return h(
    "div",
    { class: "details", "data-testid": `process-${p.pid}` },
    h("h3", {}, `${p.pid} ${p.comm}`),
    h(
      "dl",
      {},
      h("dt", {}, "State"),
      h("dd", {}, p.state + (p.exitCode !== null ? `, exit ${p.exitCode}` : "")),
      h("dt", {}, "Parent, group, session"),
      h("dd", {}, `${p.ppid}, ${p.pgid}, ${p.sid}`),
      h("dt", {}, "cmdline"),
      h(
        "dd",
        { class: "mono", "data-testid": "cmdline" },
        p.cmdline ? p.cmdline.join(" ") : `unknown (${p.memoryNote ?? "not read"})`,
      ),
      h("dt", {}, "exe, cwd, root"),
      h("dd", { class: "mono" }, [p.exe, p.cwd, p.root].map((x) => x ?? "?").join(", ")),
      h("dt", {}, "Threads"),
      h("dd", {}, p.threads.map((t) => `${t.tid}${t.comm ? ` (${t.comm})` : ""}`).join(", ")),
      h("dt", {}, "Credentials"),
      h(
        "dd",
        {},
        c
          ? `uid ${c.uid} gid ${c.gid}, euid ${c.euid}; ${c.capabilities.effective.length} effective capabilities`
          : "unknown",
      ),
      h("dt", {}, "Seccomp"),
      h(
        "dd",
        {},
        p.seccomp ? `${p.seccomp.mode}${p.seccomp.filter !== null ? `, filter ${p.seccomp.filter}` : ""}` : "none",
      ),
      h("dt", {}, "Namespaces"),
      h(
        "dd",
        {},
        Object.entries(p.namespaces)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ") || "none recorded",
      ),
    ),
    h("h4", {}, "Environment"),
    p.env
      ? h(
          "ul",
          { class: "mono env", "data-testid": "env" },
          p.env.map((e) => h("li", {}, maskEnv(e, masked))),
        )
      : h("p", {}, `unknown (${p.memoryNote ?? "not read"})`),
    c
      ? h(
          "details",
          {},
          h("summary", {}, "Capabilities"),
          h("p", { class: "mono" }, c.capabilities.effective.join(" ") || "none"),
        )
      : null,
  );
}

export function processes(r: InspectReport, select: (pid: number) => void, selected: number | null): HTMLElement {
  let masked = true;
  const pids = new Set(r.processes.map((p) => p.pid));
  const kids = new Map<number, ProcessView[]>();
  for (const p of r.processes) if (pids.has(p.ppid)) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const current = r.processes.find((p) => p.pid === selected) ?? r.processes[0];
  const pane = h("div", {});
  const render = () => pane.replaceChildren(current ? details(current, masked) : h("p", {}, "No processes."));
  const item = (p: ProcessView): HTMLElement =>
    h(
      "li",
      { role: "treeitem", "aria-expanded": "true", "aria-selected": String(p === current) },
      h(
        "button",
        { class: p === current ? "node selected" : "node", "data-pid": p.pid, onclick: () => select(p.pid) },
        h("span", { class: "pid" }, p.pid),
        " ",
        h("span", { class: "comm" }, p.comm),
        " ",
        h("span", { class: `state ${p.state}` }, p.state),
        p.threads.length > 1 ? ` · ${p.threads.length} threads` : "",
        p.cmdline ? h("span", { class: "cmd" }, ` ${p.cmdline.join(" ")}`) : null,
      ),
      kids.has(p.pid) ? h("ul", { role: "group" }, (kids.get(p.pid) ?? []).map(item)) : null,
    );
  render();
  return h(
    "section",
    { "aria-label": "Processes", class: "split" },
    h(
      "div",
      {},
      h("h2", {}, "Process tree"),
      h(
        "ul",
        { role: "tree", class: "tree", "data-testid": "process-tree" },
        r.processes.filter((p) => !pids.has(p.ppid)).map(item),
      ),
      h(
        "button",
        {
          "aria-pressed": "true",
          onclick: (e: Event) => {
            masked = !masked;
            (e.target as HTMLElement).setAttribute("aria-pressed", String(masked));
            (e.target as HTMLElement).textContent = masked ? "Show secrets" : "Mask secrets";
            render();
          },
        },
        "Show secrets",
      ),
      table(
        ["pid", "rlimit", "soft", "hard"],
        current ? Object.entries(current.rlimits).map(([k, v]) => [current.pid, k, v.cur, v.max]) : [],
        "Resource limits",
      ),
    ),
    pane,
  );
}
