import { enumValueName } from "../../image/names.js";
import type { VerifyContext } from "../context.js";

/**
 * Tasks: a core per thread, an mm and ids per live task; zombies have only
 * their core (cr-dump.c, dump_one_zombie). ids names an fdinfo image, whose
 * entries name files.img entries of the same type.
 */
export function* checkTasks(ctx: VerifyContext): Generator<void> {
  const { cp, kind, index } = ctx;
  const pstree = ctx.get<"PSTREE">("pstree.img");
  if (kind === "dump" && !ctx.has("pstree.img")) ctx.problem("pstree.img", "tasks", "missing");
  const fileTypes = index.fileTypes;
  for (const [i, t] of (pstree?.entries ?? []).entries()) {
    const coreName = `core-${t.pid}.img`;
    if (!ctx.has(coreName)) {
      ctx.problem("pstree.img", "tasks", `task ${t.pid} has no ${coreName}`, i);
      continue;
    }
    const zombie = ctx.get<"CORE">(coreName) !== undefined && cp.isZombie(t.pid);
    // A zombie's thread list is whatever the kernel had; only its own core is written.
    const threads = zombie ? [t.pid] : t.threads.length > 0 ? t.threads : [t.pid];
    for (const tid of threads) {
      const name = `core-${tid}.img`;
      const core = ctx.get<"CORE">(name);
      if (!ctx.has(name)) ctx.problem("pstree.img", "tasks", `task ${t.pid}: thread ${tid} has no ${name}`, i);
      else if (core && core.entries.length !== 1)
        ctx.problem(name, "tasks", `${core.entries.length} entries, expected 1`);
    }
    if (zombie) continue;
    const mmName = `mm-${t.pid}.img`;
    const mm = ctx.get<"MM">(mmName);
    if (!ctx.has(mmName)) ctx.problem("pstree.img", "tasks", `task ${t.pid} has no ${mmName}`, i);
    else if (mm && mm.entries.length !== 1) ctx.problem(mmName, "tasks", `${mm.entries.length} entries, expected 1`);
    // ids names an fdinfo image, whose entries name files.img entries of the same type.
    const idsName = `ids-${t.pid}.img`;
    const idsImage = ctx.get<"IDS">(idsName);
    if (!ctx.has(idsName)) {
      ctx.problem("pstree.img", "ids", `task ${t.pid} has no ${idsName}`, i);
      continue;
    }
    if (idsImage && idsImage.entries.length !== 1)
      ctx.problem(idsName, "ids", `${idsImage.entries.length} entries, expected 1`);
    const ids = idsImage?.entries[0];
    if (!ids) continue;
    const fdName = `fdinfo-${ids.filesId}.img`;
    if (!ctx.has(fdName)) {
      ctx.problem(idsName, "ids", `files_id ${ids.filesId} names ${fdName}, which is missing`, 0);
      continue;
    }
    const fds = index.fdTables.get(fdName);
    if (!fileTypes || !fds) continue;
    for (const [k, fd, id, type] of fds.rows() as Generator<[number, number, number, number]>) {
      // One id can have several entries (a tun device is a REG file and a TUNF entry).
      const ftypes = fileTypes.lookup(id).map(([t]) => t as number);
      if (ftypes.length === 0)
        ctx.problem(fdName, "fdinfo", `fd ${fd} names file id ${id}, which files.img does not have`, k);
      else if (!ftypes.includes(type)) {
        const name = (n: number) => enumValueName("fd_types", n) ?? String(n);
        ctx.problem(
          fdName,
          "fdinfo",
          `fd ${fd} is ${name(type)} but files.img entry ${id} is ${ftypes.map(name).join(", ")}`,
          k,
        );
      }
      yield;
    }
  }
}
