/** coreTasks: which tasks get a core, and why the others do not. */
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { coreTasks } from "../../src/coredump/index.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";

describe("coreTasks", () => {
  it("says why a task gets no core: no memory images, no registers", () => {
    const cp = corpusCheckpoint("tcp4");
    const [a, b] = Checkpoint.of(cp)
      .tasks()
      .map((t) => t.pid) as [number, number];
    expect(coreTasks(cp)).toEqual([
      { pid: a, core: true },
      { pid: b, core: true },
    ]);
    cp.delete(`mm-${a}.img`);
    cp.delete(`core-${b}.img`);
    expect(coreTasks(cp)).toEqual([
      { pid: a, core: false, reason: `no mm-${a}.img: no memory` },
      { pid: b, core: false, reason: `no core-${b}.img: no registers` },
    ]);
  });
});
