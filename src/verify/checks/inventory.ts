import { WireCursor } from "../../framing/wire.js";
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
    // lsmtype is a closed enum: a value this schema does not know is kept among the unknown fields, as the
    // varint protobuf-es read (its data is the value without the tag; field 6 of another wire type fails to parse).
    const lsm = e?.$unknown?.find((u) => u.no === LSMTYPE_FIELD);
    if (lsm) {
      const c = new WireCursor(lsm.data, 0, lsm.data.length);
      c.varint();
      ctx.problem("inventory.img", "inventory", `unknown lsmtype ${c.lo}`, 0);
    }
  }
}
