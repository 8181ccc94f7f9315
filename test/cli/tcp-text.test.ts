/** tcp's text from made-up sockets and reports: the rows ss prints for every kind, and each line of a rewrite report. */
import { describe, expect, it } from "vitest";
import { connectionTable, connectionTableChunks, reportText } from "../../src/cli/tcp.js";
import type { InetSocket } from "../../src/tcp/index.js";
import type { RewriteReport } from "../../src/tcp/rewrite.js";

const sock = (s: Record<string, unknown>): InetSocket =>
  ({
    kind: "tcp",
    proto: "TCP",
    state: "ESTABLISHED",
    stream: null,
    local: { address: "10.0.0.1", port: 1 },
    remote: { address: "10.0.0.2", port: 2 },
    netnsId: 5,
    id: 9,
    owners: [{ pid: 3, fd: 4 }],
    ...s,
  }) as unknown as InetSocket;

describe("the socket table", () => {
  it("names the protocol of other sockets in lower case, says ESTAB or UNCONN of the rest, and - where nothing is known", () => {
    const text = connectionTable([
      sock({ kind: "other", proto: "RAW", state: "CLOSE", owners: [], netnsId: null }),
      sock({ kind: "udp", proto: "UDP", state: "ESTABLISHED", stream: { inqLen: 7, outqLen: 8 } }),
      sock({
        kind: "udp",
        proto: "UDP",
        state: "CLOSE",
        owners: [
          { pid: 3, fd: 4 },
          { pid: 5, fd: 6 },
        ],
      }),
      sock({ kind: "tcp", state: "TIME_WAIT_X" }),
    ]);
    expect(text.split("\n").map((l) => l.trimEnd())).toEqual([
      "Netid  State        Recv-Q  Send-Q  Local Address:Port  Peer Address:Port  Netns  Id  Process",
      "raw    UNCONN       0       0       10.0.0.1:1          10.0.0.2:2         -      9   -",
      "udp    ESTAB        7       8       10.0.0.1:1          10.0.0.2:2         5      9   pid=3,fd=4",
      "udp    UNCONN       0       0       10.0.0.1:1          10.0.0.2:2         5      9   pid=3,fd=4 pid=5,fd=6",
      "tcp    TIME_WAIT_X  0       0       10.0.0.1:1          10.0.0.2:2         5      9   pid=3,fd=4",
      "",
    ]);
  });

  it("streams: a function of the sockets is called once per pass, and the text is the same in chunks of 64 KiB", () => {
    const many = Array.from({ length: 3000 }, (_, i) => sock({ id: i }));
    let calls = 0;
    const chunks = [
      ...connectionTableChunks(() => {
        calls++;
        return many;
      }),
    ];
    expect(calls).toBe(2);
    expect(chunks.join("")).toBe(connectionTable(many));
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks.slice(0, -1)) expect(c.length).toBeGreaterThan(1 << 16);
  });
});

describe("a rewrite report's text", () => {
  const empty: RewriteReport = {
    changes: [],
    changedImages: [],
    metadataChanges: [],
    changedMetadata: [],
    unmatchedRules: [],
    warnings: [],
  };
  it("says when nothing changed, names metadata changes and rules that matched nothing", () => {
    expect(reportText(empty, "dry run, would rewrite")).toBe("no endpoint changes\ndry run, would rewrite: no image\n");
    expect(
      reportText(
        {
          ...empty,
          changes: [
            {
              kind: "tcp",
              state: "ESTABLISHED",
              socketId: 7,
              image: "files.img",
              side: "local",
              from: { address: "::1", port: 5 },
              to: { address: "fd00::1", port: 6 },
              rules: ["--addr ::1=fd00::1", "--endpoint [::1]:5=[fd00::1]:6"],
            },
          ],
          changedImages: ["files.img"],
          metadataChanges: [
            { file: "config.dump", path: "ip", from: "10.88.0.10", to: "10.89.0.10", rules: ["a", "b"] },
          ],
          changedMetadata: ["config.dump"],
          unmatchedRules: ["--addr 1.2.3.4=5.6.7.8"],
        } as unknown as RewriteReport,
        "rewritten in place",
      ),
    ).toBe(
      [
        "tcp ESTABLISHED socket 7 (files.img) local: [::1]:5 -> [fd00::1]:6  [--addr ::1=fd00::1, --endpoint [::1]:5=[fd00::1]:6]",
        "engine metadata config.dump ip: 10.88.0.10 -> 10.89.0.10  [a, b]",
        "unmatched: --addr 1.2.3.4=5.6.7.8",
        "rewritten in place: files.img, config.dump",
        "",
      ].join("\n"),
    );
  });
});
