/**
 * The explorer: open a checkpoint in the page and look at it. Everything
 * runs here, on the library's own APIs (inspect, memory, diff, json); no
 * byte of the checkpoint leaves the machine.
 */
import type { Checkpoint } from "../../../src/checkpoint/index.js";
import { type InspectReport, inspectCheckpoint } from "../../../src/inspect/index.js";
import { bytesText, h } from "./dom.js";
import { type FolderFile, openArchive, openFolder } from "./open.js";
import { diff } from "./views/diff.js";
import { files } from "./views/files.js";
import { memory } from "./views/memory.js";
import { mounts } from "./views/mounts.js";
import { overview } from "./views/overview.js";
import { processes } from "./views/processes.js";
import { raw } from "./views/raw.js";

const app = document.getElementById("app") as HTMLElement;
const progressBar = h("progress", { max: 1, value: 0, hidden: true, "aria-label": "Reading" });
const progressText = h("span", { role: "status", "data-testid": "progress" });

function progress(done: number, total: number, what: string): void {
  progressBar.hidden = false;
  progressBar.max = total || 1;
  progressBar.value = Math.min(done, total);
  progressText.textContent = `Reading ${what}: ${bytesText(done)}${total ? ` of ${bytesText(total)}` : ""}`;
}

/** Files of a dropped folder, through the entries API (a drop has no webkitRelativePath). */
async function walk(entry: FileSystemEntry, out: FolderFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ file, path: entry.fullPath.replace(/^\//, "") });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) return;
    for (const e of batch) await walk(e, out);
  }
}

/** An archive input, a folder input and a drop zone; `onOpen` gets the checkpoint. */
function pickers(onOpen: (cp: Checkpoint) => void, id: string): HTMLElement {
  const error = h("p", { class: "error", role: "alert" });
  const run = async (open: () => Promise<Checkpoint>) => {
    error.textContent = "";
    try {
      onOpen(await open());
    } catch (e) {
      error.textContent = `Could not open it: ${(e as Error).message}`;
    } finally {
      progressBar.hidden = true;
    }
  };
  const archive = h("input", {
    type: "file",
    id: `${id}-archive`,
    accept: ".tar,.gz,.tgz,.zst,.tzst,.zstd",
    "data-testid": `${id}-archive`,
    onchange: (e: Event) => {
      const f = (e.target as HTMLInputElement).files?.[0];
      if (f) void run(() => openArchive(f, progress));
    },
  });
  const folder = h("input", {
    type: "file",
    id: `${id}-folder`,
    webkitdirectory: true,
    "data-testid": `${id}-folder`,
    onchange: (e: Event) => {
      const list = Array.from((e.target as HTMLInputElement).files ?? []).map((file) => ({
        file,
        path: file.webkitRelativePath,
      }));
      if (list.length) void run(() => openFolder(list, progress));
    },
  });
  const zone = h(
    "div",
    {
      class: "drop",
      ondragover: (e: Event) => e.preventDefault(),
      ondrop: (e: Event) => {
        e.preventDefault();
        const item = (e as DragEvent).dataTransfer?.items[0];
        const entry = item?.webkitGetAsEntry();
        if (entry?.isDirectory)
          void run(async () => {
            const out: FolderFile[] = [];
            await walk(entry, out);
            return openFolder(out, progress);
          });
        else {
          const f = item?.getAsFile();
          if (f) void run(() => openArchive(f, progress));
        }
      },
    },
    h("p", {}, "Drop a checkpoint archive or folder here, or pick one:"),
    h("label", { for: `${id}-archive` }, "Archive (tar, tar.gz, tar.zst) "),
    archive,
    h("label", { for: `${id}-folder` }, " Folder "),
    folder,
  );
  return h("div", {}, zone, error);
}

const TABS = ["Overview", "Processes", "Files & sockets", "Memory", "Mounts", "Diff", "Raw"] as const;
type Tab = (typeof TABS)[number];

function show(cp: Checkpoint, report: InspectReport): void {
  let tab: Tab = "Overview";
  let pid: number | null = report.processes[0]?.pid ?? null;
  const panel = h("div", { role: "tabpanel", id: "panel", tabindex: 0 });
  const buttons = TABS.map((t) =>
    h("button", { role: "tab", id: `tab-${t}`, "aria-controls": "panel", onclick: () => select(t) }, t),
  );
  const tablist = h("nav", { role: "tablist", "aria-label": "Views" }, buttons);
  tablist.addEventListener("keydown", (e) => {
    const i = TABS.indexOf(tab);
    if (e.key === "ArrowRight") select(TABS[(i + 1) % TABS.length] as Tab, true);
    if (e.key === "ArrowLeft") select(TABS[(i + TABS.length - 1) % TABS.length] as Tab, true);
  });
  const render = () => {
    const choose = (p: number) => {
      pid = p;
      render();
    };
    const view: Record<Tab, () => HTMLElement> = {
      Overview: () => overview(cp, report),
      Processes: () => processes(report, choose, pid),
      "Files & sockets": () => files(report, pid, choose),
      Memory: () => memory(cp, report, pid),
      Mounts: () => mounts(report),
      Diff: () => diff(cp, (onOpen) => pickers(onOpen, "other")),
      Raw: () => raw(cp),
    };
    panel.replaceChildren(view[tab]());
  };
  const select = (t: Tab, focus = false) => {
    tab = t;
    buttons.forEach((b, i) => {
      b.setAttribute("aria-selected", String(TABS[i] === t));
      b.tabIndex = TABS[i] === t ? 0 : -1;
    });
    if (focus) buttons[TABS.indexOf(t)]?.focus();
    render();
  };
  app.replaceChildren(
    h(
      "header",
      {},
      h("h1", {}, "criu-image explorer"),
      h("span", { class: "muted" }, cp.label),
      h("button", { onclick: start }, "Open another"),
    ),
    tablist,
    panel,
  );
  select("Overview");
}

async function opened(cp: Checkpoint): Promise<void> {
  progressText.textContent = "Inspecting…";
  const report = await inspectCheckpoint(cp);
  progressText.textContent = "";
  show(cp, report);
}

function start(): void {
  app.replaceChildren(
    h("header", {}, h("h1", {}, "criu-image explorer")),
    h(
      "p",
      { class: "privacy", "data-testid": "privacy" },
      "Nothing leaves this machine: the checkpoint is read inside this page, and the page makes no network requests.",
    ),
    pickers((cp) => void opened(cp), "main"),
    h("p", {}, progressBar, " ", progressText),
  );
}

start();
