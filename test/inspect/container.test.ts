/**
 * The container view from engine files made here in each engine's shape
 * (Podman's config.dump field names, CRI-O's io.kubernetes.cri-o.*
 * annotations, the OCI runtime spec), including files that are not what
 * they should be: every field is read from where its engine writes it, and
 * nothing that is not a string (or a list of strings) is taken for one.
 */
import { describe, expect, it } from "vitest";
import { METADATA_LIMIT } from "../../src/archive/index.js";
import { Checkpoint, type ImageSource, memorySource } from "../../src/checkpoint/index.js";
import { container, metadataJson, metadataNotes } from "../../src/inspect/container.js";

type Layout = NonNullable<ImageSource["archive"]>["layout"];
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function checkpoint(files: Record<string, unknown>, layout?: Layout, dumpedAt?: string): Checkpoint {
  const companions = new Map(
    Object.entries(files).map(([k, v]) => [
      k,
      v instanceof Uint8Array ? v : typeof v === "string" ? new TextEncoder().encode(v) : json(v),
    ]),
  );
  const base = memorySource(new Map(), { companions });
  return new Checkpoint(
    layout
      ? {
          ...base,
          archive: { compression: "none", layout, imagesDir: "checkpoint", ...(dumpedAt ? { dumpedAt } : {}) },
        }
      : base,
  );
}

const spec = {
  hostname: "web-1",
  process: { args: ["nginx", "-g", "daemon off;"], env: ["PATH=/usr/bin", "TERM=xterm"] },
  mounts: [
    { destination: "/proc", type: "proc", source: "proc" },
    { destination: "/data" },
    { type: 7, source: ["x"] },
  ],
};

describe("container", () => {
  it("is null without config.dump or spec.dump", () => {
    expect(container(checkpoint({ "network.status": {} }, "podman"))).toBeNull();
  });

  it("Podman: config.dump's names, network.status's addresses by interface, the rootfs diff's size", () => {
    const cp = checkpoint(
      {
        "config.dump": {
          id: "abc123",
          name: "web",
          rootfsImageName: "docker.io/library/nginx:latest",
          rootfsImageRef: "sha256:ffff",
          runtime: "runc",
          createdTime: "2026-11-29T13:00:00Z",
          checkpointedTime: "2026-11-29T13:30:00Z",
        },
        "spec.dump": spec,
        "network.status": {
          podman: {
            interfaces: {
              eth0: {
                subnets: [{ ipnet: "10.88.0.5/16" }, { gateway: "10.88.0.1" }, { ipnet: "fd00::5/64" }],
                mac_address: "aa:bb:cc:dd:ee:ff",
              },
            },
          },
          other: { interfaces: { eth1: { subnets: "nope" } } },
        },
        "rootfs-diff.tar": new Uint8Array(1536),
      },
      "podman",
      "2026-11-29T13:31:00Z",
    );
    expect(container(cp)).toEqual({
      engine: "podman",
      id: "abc123",
      name: "web",
      image: "docker.io/library/nginx:latest",
      runtime: "runc",
      created: "2026-11-29T13:00:00Z",
      checkpointed: "2026-11-29T13:30:00Z",
      hostname: "web-1",
      command: ["nginx", "-g", "daemon off;"],
      env: ["PATH=/usr/bin", "TERM=xterm"],
      mounts: [
        { destination: "/proc", type: "proc", source: "proc" },
        { destination: "/data", type: null, source: null },
        { destination: "", type: null, source: null },
      ],
      network: [
        { interface: "eth0", addresses: ["10.88.0.5/16", "fd00::5/64"], mac: "aa:bb:cc:dd:ee:ff" },
        { interface: "eth1", addresses: [], mac: null },
      ],
      rootfsDiffBytes: 1536,
    });
  });

  it("Podman's older names: the image reference and OCIRuntime; the archive's time when config.dump has none", () => {
    const cp = checkpoint(
      { "config.dump": { rootfsImageRef: "sha256:ffff", OCIRuntime: "crun" } },
      "podman",
      "2026-11-29T13:31:00Z",
    );
    expect(container(cp)).toMatchObject({
      image: "sha256:ffff",
      runtime: "crun",
      checkpointed: "2026-11-29T13:31:00Z",
      id: null,
      hostname: null,
      command: null,
      mounts: [],
      network: [],
      rootfsDiffBytes: null,
    });
  });

  it("CRI-O: the container from the spec's annotations", () => {
    const annotations = {
      "io.kubernetes.cri-o.ContainerID": "c0ffee",
      "io.kubernetes.cri-o.ContainerName": "k8s_web_pod",
      "io.kubernetes.cri-o.ImageName": "quay.io/x/web:1",
      "io.kubernetes.cri-o.Created": "2026-11-29T12:00:00Z",
    };
    expect(container(checkpoint({ "spec.dump": { ...spec, annotations } }, "cri-o"))).toMatchObject({
      engine: "cri-o",
      id: "c0ffee",
      name: "k8s_web_pod",
      image: "quay.io/x/web:1",
      created: "2026-11-29T12:00:00Z",
      runtime: null,
      checkpointed: null,
      hostname: "web-1",
    });
  });

  it("containerd and plain archives: the engine only where the layout names it", () => {
    expect(container(checkpoint({ "spec.dump": spec }, "containerd"))?.engine).toBe("containerd");
    expect(container(checkpoint({ "spec.dump": spec }, "plain"))?.engine).toBeNull();
    expect(container(checkpoint({ "spec.dump": spec }))?.engine).toBeNull();
  });

  it("takes nothing from files that are not JSON objects, or from values of the wrong type", () => {
    for (const bad of ["not json", "[1, 2]", '"text"', "null", "7"]) {
      const v = container(checkpoint({ "config.dump": bad, "spec.dump": bad }, "podman"));
      expect(v, bad).toMatchObject({ id: null, name: null, hostname: null, command: null, env: null, mounts: [] });
    }
    const wrong = container(
      checkpoint(
        {
          "config.dump": { id: 5, name: ["web"], runtime: {} },
          "spec.dump": { hostname: 1, process: { args: ["a", 2], env: "PATH=/" }, mounts: "x", annotations: [] },
        },
        "podman",
      ),
    );
    expect(wrong).toMatchObject({
      id: null,
      name: null,
      runtime: null,
      hostname: null,
      command: null,
      env: null,
      mounts: [],
    });
  });

  it("metadataJson gives JSON objects only; engine files that cannot be read still make a container view", () => {
    for (const bad of ["[1, 2]", '"text"', "null", "7", "not json"])
      expect(metadataJson(checkpoint({ "config.dump": bad }), "config.dump"), bad).toBeUndefined();
    expect(metadataJson(checkpoint({ "config.dump": { a: 1 } }), "config.dump")).toEqual({ a: 1 });
    for (const only of ["config.dump", "spec.dump"])
      expect(container(checkpoint({ [only]: "not json" }, "podman")), only).toMatchObject({ id: null, network: [] });
  });

  it("a network whose interfaces are not an object has none, whatever their value", () => {
    for (const interfaces of ["eth0", ["eth0"], 7, true]) {
      const v = container(checkpoint({ "config.dump": {}, "network.status": { podman: { interfaces } } }, "podman"));
      expect(v?.network, JSON.stringify(interfaces)).toEqual([]);
    }
  });

  it("sizes metadata over the limit and never parses it", () => {
    const big = (name: string) => ({
      size: METADATA_LIMIT + 1,
      bytes: () => {
        throw new Error(`${name} was read`);
      },
    });
    const base = memorySource(new Map(), { companions: new Map([["ctr.log", new Uint8Array(1)]]) });
    const companions = new Map(base.companions);
    for (const n of ["config.dump", "spec.dump", "network.status", "descriptors.json", "rootfs-diff.tar"])
      companions.set(n, big(n) as never);
    const cp = new Checkpoint({ ...base, companions });
    expect(container(cp)).toMatchObject({ id: null, hostname: null, network: [], rootfsDiffBytes: METADATA_LIMIT + 1 });
    expect(metadataNotes(cp)).toEqual(
      ["config.dump", "spec.dump", "network.status", "descriptors.json"].map(
        (n) => `${n} has ${METADATA_LIMIT + 1} bytes, over the 16 MiB limit for parsed metadata; not read`,
      ),
    );
    // Only engine metadata is named: other big members are not parsed anyway.
    const others = new Map(base.companions);
    for (const n of [
      "my-config.dump",
      "config.dump.bak",
      "network.status.old",
      "my-network.status",
      "rootfs-diff.tar",
      "x.jsonl",
      "a/b.json",
    ])
      others.set(n, big(n) as never);
    expect(metadataNotes(new Checkpoint({ ...base, companions: others }))).toEqual([
      `a/b.json has ${METADATA_LIMIT + 1} bytes, over the 16 MiB limit for parsed metadata; not read`,
    ]);
    // Over the limit, even valid JSON is not read.
    const over = new Uint8Array(METADATA_LIMIT + 1).fill(0x20);
    over.set(new TextEncoder().encode('{"hostname":"edge"}'));
    expect(container(checkpoint({ "spec.dump": over }))?.hostname).toBeNull();
    // At the limit, a file is read.
    const at = new Uint8Array(METADATA_LIMIT).fill(0x20);
    at.set(new TextEncoder().encode('{"hostname":"edge"}'));
    expect(container(checkpoint({ "spec.dump": at }))?.hostname).toBe("edge");
    expect(metadataNotes(checkpoint({ "spec.dump": at }))).toEqual([]);
  });
});
