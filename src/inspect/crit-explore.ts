/**
 * crit's explorers (`crit x DIR ps|fds|mems|rss`), giving the text crit
 * prints. Pure functions over a checkpoint. Zombies are in `ps`; `fds`,
 * `mems` and `rss` skip them (they have no files and no memory) and say so
 * in `notes`.
 */

import type { Message } from "@bufbuild/protobuf";
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { CriuImageError } from "../framing/errors.js";
import type {
  fdinfo_entry,
  file_entry,
  fs_entry,
  mm_entry,
  pagemap_entry,
  pstree_entry,
  task_kobj_ids_entry,
  unix_sk_entry,
} from "../gen/index.js";
import { displayText } from "../image/display.js";
import { enumValueName, VMA_STATUS } from "../image/names.js";
import { pagemapPages } from "../image/pagemap.js";
import type { CriuImage } from "../image/types.js";
import { encodeQuopri } from "../json/quopri.js";

/** Returns the decoded image of that name, or undefined when the checkpoint has none. */
export type ImageLoader = (name: string) => CriuImage | undefined;

/** What an explorer prints, and what it passed over. */
export interface Explored {
  text: string;
  notes: string[];
}

const pad = (s: string | number, w: number) => String(s).padStart(w);
const padEnd = (s: string | number, w: number) => String(s).padEnd(w);
const hex = (v: number | bigint) => v.toString(16);

function entries<T extends Message>(load: ImageLoader, name: string): T[] {
  const img = load(name);
  if (!img) throw new CriuImageError("NOT_CHECKPOINT", name, 0, "an image of the checkpoint", "no such image");
  return img.entries as unknown as T[];
}

export function explorePs(load: ImageLoader): string {
  const tasks = entries<pstree_entry>(load, "pstree.img");
  const comm = new Map<number, string>();
  for (const p of tasks) {
    const core = entries<Message & { tc?: { comm: string } }>(load, `core-${p.pid}.img`)[0];
    comm.set(p.pid, displayText(core?.tc?.comm ?? ""));
  }
  const kids = new Map<number, pstree_entry[]>();
  let root: pstree_entry | undefined;
  for (const p of tasks) {
    if (p.ppid === 0) root = p;
    else kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  }
  const out = [`${pad("PID", 7)}${pad("PGID", 7)}${pad("SID", 7)}   COMM`];
  const show = (p: pstree_entry, depth: number) => {
    out.push(`${pad(p.pid, 7)}${pad(p.pgid, 7)}${pad(p.sid, 7)}   ${" ".repeat(4 * depth)}${comm.get(p.pid)}`);
    for (const k of kids.get(p.pid) ?? []) show(k, depth + 1);
  };
  if (root) show(root, 0);
  return `${out.join("\n")}\n`;
}

/** How crit names a file: paths for regular files, pipe[..], unix[..], else TYPE.id. */
class FileNamer {
  private files: file_entry[] | undefined;
  private cache = new Map<string, string>();
  private legacy = new Map<string, Message[]>();
  constructor(private readonly load: ImageLoader) {}

  private inFiles(id: number): file_entry | undefined {
    this.files ??= (this.load("files.img")?.entries as file_entry[] | undefined) ?? [];
    return this.files.find((f) => f.id === id);
  }

  /** The per-type entry from files.img, or (old checkpoints) from its own image. */
  private find<T>(field: keyof file_entry, legacyImage: string, id: number): T | undefined {
    const f = this.inFiles(id);
    if (f) return f[field] as T | undefined;
    let list = this.legacy.get(legacyImage);
    if (!list) {
      list = (this.load(legacyImage)?.entries as Message[] | undefined) ?? [];
      this.legacy.set(legacyImage, list);
    }
    return list.find((e) => (e as unknown as { id: number }).id === id) as T | undefined;
  }

  name(type: string, id: number): string {
    const key = `${type}\u0000${id}`;
    let s = this.cache.get(key);
    if (s === undefined) {
      s = displayText(this.compute(type, id));
      this.cache.set(key, s);
    }
    return s;
  }

  private compute(type: string, id: number): string {
    if (type === "REG") {
      const r = this.find<{ name: string }>("reg", "reg-files.img", id);
      return r?.name || "unknown path";
    }
    if (type === "PIPE") {
      const p = this.find<{ pipeId: number }>("pipe", "pipes.img", id);
      return p ? `pipe[${p.pipeId}]` : "pipe[?]";
    }
    if (type === "UNIXSK") {
      const u = this.find<unix_sk_entry>("usk", "unixsk.img", id);
      if (!u) return "unix[?]";
      // crit shows the name in its JSON form (quoted-printable).
      const name = encodeQuopri(u.name);
      return `unix[${u.ino} (${u.peer})${name ? ` ${name}` : ""}]`;
    }
    return `${type}.${id}`;
  }
}

export function exploreFds(load: ImageLoader, live: (pid: number) => boolean): string {
  const names = new FileNamer(load);
  const out: string[] = [];
  for (const p of entries<pstree_entry>(load, "pstree.img")) {
    if (!live(p.pid)) continue;
    const ids = entries<task_kobj_ids_entry>(load, `ids-${p.pid}.img`)[0] as task_kobj_ids_entry;
    out.push(String(p.pid));
    for (const fd of entries<fdinfo_entry>(load, `fdinfo-${ids.filesId}.img`)) {
      out.push(`\t${pad(fd.fd, 7)}: ${names.name(enumValueName("fd_types", fd.type) ?? String(fd.type), fd.id)}`);
    }
    const fs = entries<fs_entry>(load, `fs-${p.pid}.img`)[0] as fs_entry;
    out.push(`\t${pad("cwd", 7)}: ${names.name("REG", fs.cwdId)}`);
    out.push(`\t${pad("root", 7)}: ${names.name("REG", fs.rootId)}`);
  }
  return `${out.join("\n")}\n`;
}

const VMA = VMA_STATUS;
const MAP_GROWSDOWN = 0x0100;

export function exploreMems(load: ImageLoader, live: (pid: number) => boolean): string {
  const names = new FileNamer(load);
  const ids = new Map<bigint, number>();
  const vid = (shmid: bigint) => {
    let v = ids.get(shmid);
    if (v === undefined) {
      v = ids.size + 1;
      ids.set(shmid, v);
    }
    return v;
  };
  const out: string[] = [];
  for (const p of entries<pstree_entry>(load, "pstree.img")) {
    if (!live(p.pid)) continue;
    const mm = entries<mm_entry>(load, `mm-${p.pid}.img`)[0] as mm_entry;
    out.push(String(p.pid));
    out.push(`\t${padEnd("exe", 36)}    ${names.name("REG", mm.exeFileId)}`);
    for (const vma of mm.vmas) {
      const st = vma.status;
      let fn: string;
      if (st & VMA.SYSVIPC) fn = ` ips[${hex(vid(vma.shmid))}]`;
      else if (st & VMA.ANON_SHARED) fn = ` shmem[${hex(vid(vma.shmid))}]`;
      else if (st & VMA.SOCKET) fn = ` packet[${hex(vid(vma.shmid))}]`;
      else if (st & (VMA.FILE_PRIVATE | VMA.FILE_SHARED)) {
        fn = ` ${names.name("REG", Number(vma.shmid))}`;
        if (vma.pgoff) fn += ` + 0x${hex(vma.pgoff)}`;
        if (st & VMA.FILE_SHARED) fn += " (s)";
      } else if (st & VMA.STACK) fn = " [stack]";
      else if (st & VMA.VSYSCALL) fn = " [vsyscall]";
      else if (st & VMA.VDSO) fn = " [vdso]";
      else if (vma.flags & MAP_GROWSDOWN) fn = " [stack?]";
      else fn = "";
      if (!(st & VMA.REGULAR)) fn += " *";
      const prot = `${vma.prot & 1 ? "r" : "-"}${vma.prot & 2 ? "w" : "-"}${vma.prot & 4 ? "x" : "-"}`;
      const range = `${hex(vma.start).padStart(8, "0")}-${hex(vma.end).padStart(8, "0")}`;
      out.push(`\t${padEnd(range, 36)}${prot}${fn}`);
    }
  }
  return `${out.join("\n")}\n`;
}

export function exploreRss(load: ImageLoader, live: (pid: number) => boolean): string {
  const names = new FileNamer(load);
  const out: string[] = [];
  for (const p of entries<pstree_entry>(load, "pstree.img")) {
    if (!live(p.pid)) continue;
    const vmas = (entries<mm_entry>(load, `mm-${p.pid}.img`)[0] as mm_entry).vmas;
    const pms = entries<pagemap_entry>(load, `pagemap-${p.pid}.img`).slice(1);
    out.push(String(p.pid));
    let vmi = 0;
    let pvmi = -1;
    for (const pm of pms) {
      const pages = pagemapPages(pm);
      const pstr = `\t${hex(pm.vaddr)} / ${padEnd(String(pages), 8)}`;
      while (vmi < vmas.length && (vmas[vmi]?.end as bigint) <= pm.vaddr) vmi++;
      const pme = pm.vaddr + (pages << 12n);
      let vstr = "";
      while (vmi < vmas.length && (vmas[vmi]?.start as bigint) < pme) {
        const vma = vmas[vmi] as (typeof vmas)[number];
        if (vmi === pvmi) vstr += " ~";
        else {
          vstr += ` ${hex(vma.start).padStart(8, "0")} / ${padEnd(String((vma.end - vma.start) >> 12n), 8)}`;
          if (vma.status & (VMA.FILE_PRIVATE | VMA.FILE_SHARED)) vstr += ` ${names.name("REG", Number(vma.shmid))}`;
          pvmi = vmi;
        }
        vstr += `\n\t${" ".repeat(23)}`;
        vmi++;
      }
      vmi--;
      out.push(`${padEnd(pstr, 24)}${vstr}`);
    }
  }
  return `${out.join("\n")}\n`;
}

/** The names of crit's explorers. */
export type CritExplorer = "ps" | "fds" | "mems" | "rss";

const EXPLORERS: Record<CritExplorer, (load: ImageLoader, live: (pid: number) => boolean) => string> = {
  ps: explorePs,
  fds: exploreFds,
  mems: exploreMems,
  rss: exploreRss,
};

const WHAT_ZOMBIES_LACK: Record<string, string> = { fds: "files", mems: "memory mappings", rss: "memory" };

/** crit's explorers by name, in crit's order. */
export const CRIT_EXPLORERS = Object.keys(EXPLORERS) as readonly CritExplorer[];

/** Whether a name is one of crit's explorers. */
export const isCritExplorer = (what: string): what is CritExplorer => Object.hasOwn(EXPLORERS, what);

/** Runs one of crit's explorers on a checkpoint: the text `crit x` prints, and the tasks it passed over. */
export function critExplore(cp: Checkpoint, what: CritExplorer): Explored {
  const fn = EXPLORERS[what];
  const kind = cp.dumpKind();
  if (kind !== "dump") {
    throw new CriuImageError(
      "UNSUPPORTED",
      cp.label,
      0,
      "a full dump with pstree.img",
      kind === "pre-dump" ? "this is a pre-dump, which has no process tree" : "no inventory.img",
    );
  }
  const notes: string[] = [];
  const live = (pid: number) => {
    if (!cp.isZombie(pid)) return true;
    if (what in WHAT_ZOMBIES_LACK) notes.push(`task ${pid} is a zombie: it has no ${WHAT_ZOMBIES_LACK[what]}; skipped`);
    return false;
  };
  return { text: fn((name) => cp.image(name), live), notes };
}
