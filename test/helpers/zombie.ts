/**
 * A zombie added to a real checkpoint, as CRIU's cr-dump.c writes one
 * (dump_zombies, dump_one_zombie): a pstree entry, and a core image whose
 * only content is tc with task_state TASK_DEAD (2), the exit code and comm.
 * No mm, ids, fs, pagemap or fdinfo image. Its thread list holds whatever
 * the kernel had, which need not have a core image.
 */
import { create } from "@bufbuild/protobuf";
import { core_entrySchema, pstree_entrySchema, task_core_entrySchema } from "../../src/gen/index.js";
import { type CriuImage, IMG_COMMON_MAGIC, kindByName, readImage, writeImage } from "../../src/index.js";

export const ZOMBIE_PID = 4242;

export function withZombie(cp: ReadonlyMap<string, Uint8Array>, pid = ZOMBIE_PID): Map<string, Uint8Array> {
  const out = new Map(cp);
  const pstree = readImage(cp.get("pstree.img") as Uint8Array, { name: "pstree.img" });
  if (pstree.kind !== "PSTREE") throw new Error("pstree.img");
  const root = pstree.entries.find((t) => t.ppid === 0) ?? pstree.entries[0];
  if (!root) throw new Error("no root task");
  pstree.entries.push(
    create(pstree_entrySchema, { pid, ppid: root.pid, pgid: root.pgid, sid: root.sid, threads: [pid + 7] }),
  );
  out.set("pstree.img", writeImage(pstree));
  const core = create(core_entrySchema, {
    mtype: 1, // X86_64
    tc: create(task_core_entrySchema, {
      taskState: 2, // TASK_DEAD: what CRIU writes for a zombie
      exitCode: 9,
      personality: 0,
      flags: 0,
      blkSigset: 0n,
      comm: "zomb",
    }),
  });
  const image = {
    kind: "CORE",
    format: "v1.1",
    magic: kindByName("CORE")!.magic,
    leadMagic: IMG_COMMON_MAGIC,
    entries: [core],
  } as unknown as CriuImage;
  out.set(`core-${pid}.img`, writeImage(image));
  return out;
}
