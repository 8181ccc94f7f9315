import { unknownEnumValue } from "../../image/names.js";
import type { VerifyContext } from "../context.js";

/** inventory_entry.lsmtype's field number (inventory.proto). */
const LSMTYPE_FIELD = 6;

/** A dump has one inventory entry of image version 2 with root_ids, and an lsmtype this schema knows. */
export function checkInventory(ctx: VerifyContext): void {
  const { kind } = ctx;
  const inv = ctx.get<"INVENTORY">("inventory.img");
  if (kind === "images") {
    ctx.problem(
      "inventory.img",
      "inventory",
      "missing: this is not a checkpoint (criu dump always writes an inventory)",
    );
  } else if (inv) {
    if (inv.entries.length !== 1)
      ctx.problem("inventory.img", "inventory", `${inv.entries.length} entries, expected 1`);
    const e = inv.entries[0];
    if (e && kind === "dump") {
      if (e.imgVersion !== 2)
        ctx.problem("inventory.img", "inventory", `img_version ${e.imgVersion}, expected 2 (CRIU images v1.1)`, 0);
      if (!e.rootIds) ctx.problem("inventory.img", "inventory", "no root_ids", 0);
    }
    const lsm = e ? unknownEnumValue(e, LSMTYPE_FIELD) : undefined;
    if (lsm !== undefined) ctx.problem("inventory.img", "inventory", `unknown lsmtype ${lsm}`, 0);
  }
}
