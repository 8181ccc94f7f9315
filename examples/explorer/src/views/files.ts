import { displayEndpoint } from "../../../../src/image/address.js";
import type { InetSocket, InspectReport } from "../../../../src/inspect/index.js";
import { h, s, table } from "../dom.js";

const key = (e: { address: string; port: number }) => displayEndpoint(e.address, e.port);

/** One edge per connection: both sockets of a connection inside the checkpoint share it. */
export function connections(inet: InetSocket[]): Map<string, InetSocket[]> {
  const out = new Map<string, InetSocket[]>();
  for (const x of inet.filter((x) => x.kind === "tcp" && x.remote.port !== 0)) {
    const pair = [key(x.local), key(x.remote)].sort().join(" ");
    out.set(pair, [...(out.get(pair) ?? []), x]);
  }
  return out;
}

/** TCP connections as a graph: one node per endpoint, one edge per connection, with states and queues. */
function tcpGraph(inet: InetSocket[]): SVGElement {
  const edges = [...connections(inet)].slice(0, 200);
  const nodes = [...new Set(edges.flatMap(([pair]) => pair.split(" ")))];
  const W = 900;
  const rowH = 34;
  const H = Math.max(60, nodes.length * rowH + 20);
  const pos = new Map(nodes.map((n, i) => [n, { x: i % 2 === 0 ? 200 : W - 200, y: 20 + i * rowH }]));
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: "img",
    "aria-label": "TCP connections",
    "data-testid": "tcp-graph",
  });
  for (const [pair, socks] of edges) {
    const [from, to] = pair.split(" ") as [string, string];
    const a = pos.get(from) as { x: number; y: number };
    const b = pos.get(to) as { x: number; y: number };
    const label = socks
      .map((x) => `${key(x.local)} ${x.state}${x.stream ? ` in ${x.stream.inqLen} B, out ${x.stream.outqLen} B` : ""}`)
      .join("; ");
    svg.append(
      s("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: `edge ${socks[0]?.state ?? ""}` }, s("title", {}, label)),
    );
    socks.forEach((x, i) => {
      const end = key(x.local) === from ? a : b;
      const other = end === a ? b : a;
      svg.append(
        s(
          "text",
          {
            x: end.x + (other.x - end.x) * 0.25,
            y: end.y + (other.y - end.y) * 0.25 - 6 - i,
            class: "edge-label",
            "text-anchor": "middle",
          },
          `${x.state}${x.stream ? ` · in ${x.stream.inqLen} B, out ${x.stream.outqLen} B` : ""}`,
        ),
      );
    });
  }
  for (const [n, p] of pos) {
    svg.append(
      s("circle", { cx: p.x, cy: p.y, r: 6, class: "endpoint" }),
      s(
        "text",
        {
          x: p.x + (p.x < W / 2 ? -12 : 12),
          y: p.y + 4,
          "text-anchor": p.x < W / 2 ? "end" : "start",
          class: "endpoint-label",
        },
        n,
      ),
    );
  }
  return svg;
}

export function files(r: InspectReport, pid: number | null, choose: (pid: number) => void): HTMLElement {
  const p = r.processes.find((x) => x.pid === pid) ?? r.processes[0];
  const ep = (e: { address: string; port: number }) => displayEndpoint(e.address, e.port);
  const pick = h(
    "select",
    { "aria-label": "Process", onchange: (e: Event) => choose(Number((e.target as HTMLSelectElement).value)) },
    r.processes.map((x) => h("option", { value: x.pid }, `${x.pid} ${x.comm}`)),
  );
  if (p) pick.value = String(p.pid);
  return h(
    "section",
    { "aria-label": "Files and sockets" },
    h("h2", {}, "Files of ", pick),
    table(
      ["fd", "type", "description"],
      (p?.fds ?? []).map((f) => [f.fd, f.type, f.description]),
      "File descriptors",
    ),
    h("h2", {}, `TCP and UDP (${r.sockets.inet.length})`),
    r.sockets.inet.some((x) => x.kind === "tcp" && x.remote.port !== 0)
      ? tcpGraph(r.sockets.inet)
      : h("p", { class: "muted" }, "No connected TCP sockets."),
    table(
      ["id", "proto", "state", "local", "remote", "owners", "queues"],
      r.sockets.inet
        .slice(0, 2000)
        .map((x) => [
          x.id,
          x.proto,
          x.state,
          ep(x.local),
          ep(x.remote),
          x.owners.map((o) => `${o.pid}:${o.fd}`).join(" "),
          x.stream ? `${x.stream.inqLen}/${x.stream.outqLen}` : "",
        ]),
      "Inet sockets",
    ),
    h("h2", {}, `Unix (${r.sockets.unix.length})`),
    table(
      ["ino", "type", "state", "name", "peer", "queued"],
      r.sockets.unix.slice(0, 2000).map((u) => [u.ino, u.type, u.state, u.name, u.peer || "", u.queuedBytes]),
      "Unix sockets",
    ),
  );
}
