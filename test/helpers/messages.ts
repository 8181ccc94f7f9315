import { create } from "@bufbuild/protobuf";
import { inet_sk_entrySchema } from "../../src/gen/index.js";
import type { inet_sk_entry } from "../../src/index.js";

export const fown = { uid: 0, euid: 0, signum: 0, pidType: 0, pid: 0 };

/** A complete inet_sk_entry (every required field set) to build test images from. */
export function inetSocket(): inet_sk_entry {
  return create(inet_sk_entrySchema, {
    id: 1,
    ino: 2,
    family: 2,
    type: 1,
    proto: 6,
    state: 1,
    srcPort: 1,
    dstPort: 2,
    flags: 0,
    backlog: 0,
    fown,
    opts: { soSndbuf: 1, soRcvbuf: 1, soSndTmoSec: 0n, soSndTmoUsec: 0n, soRcvTmoSec: 0n, soRcvTmoUsec: 0n },
  });
}
