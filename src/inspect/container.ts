/**
 * The one reader of container-engine metadata: the container a checkpoint
 * came from, from the engine's files beside the images (Podman's
 * config.dump and network.status, the OCI spec.dump of every engine, CRI-O's
 * and containerd's annotations). `info`, `inspect`, the explorer and the
 * rewrite of engine addresses all read it here, so they name a container
 * the same way. Files over METADATA_LIMIT are sized, never parsed.
 */
import { METADATA_LIMIT } from "../archive/index.js";
import type { Checkpoint } from "../checkpoint/checkpoint.js";

/** The container a checkpoint archive came from, from its engine's metadata files (null where not known). */
export interface ContainerView {
  engine: "podman" | "cri-o" | "containerd" | null;
  id: string | null;
  name: string | null;
  image: string | null;
  runtime: string | null;
  created: string | null;
  /** When the dump was written (its images' time stamp in the archive). */
  checkpointed: string | null;
  hostname: string | null;
  command: string[] | null;
  /** The OCI spec's environment (the container's, not read from memory). */
  env: string[] | null;
  mounts: { destination: string; type: string | null; source: string | null }[];
  /** Addresses from network.status, by interface. */
  network: { interface: string; addresses: string[]; mac: string | null }[];
  rootfsDiffBytes: number | null;
}

/** A metadata file parsed as a JSON object; undefined when absent, too big, not JSON or not an object. */
export function metadataJson(cp: Checkpoint, path: string): Record<string, unknown> | undefined {
  const f = cp.source.companions.get(path);
  if (!f || f.size > METADATA_LIMIT) return undefined;
  try {
    const v = JSON.parse(new TextDecoder().decode(f.bytes()));
    return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const strs = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v : null);

/** Metadata members too big to parse: a note each (they are sized, never read). */
export function metadataNotes(cp: Checkpoint): string[] {
  const out: string[] = [];
  for (const [path, f] of cp.source.companions) {
    if (/^(config|spec|pod|container|status)\.dump$|^network\.status$|\.json$/.test(path) && f.size > METADATA_LIMIT) {
      out.push(`${path} has ${f.size} bytes, over the ${METADATA_LIMIT >> 20} MiB limit for parsed metadata; not read`);
    }
  }
  return out;
}

/** null when the checkpoint did not come in a container engine's archive. */
export function container(cp: Checkpoint): ContainerView | null {
  const layout = cp.source.archive?.layout;
  const config = metadataJson(cp, "config.dump");
  const spec = metadataJson(cp, "spec.dump");
  if (!config && !spec && !cp.source.companions.has("config.dump") && !cp.source.companions.has("spec.dump"))
    return null;
  const annotations = obj(spec?.annotations);
  const proc = obj(spec?.process);
  const network: ContainerView["network"] = [];
  const status = metadataJson(cp, "network.status");
  for (const netw of Object.values(status ?? {})) {
    for (const [name, iface] of Object.entries(obj(obj(netw).interfaces))) {
      const i = obj(iface);
      const subnets = Array.isArray(i.subnets) ? i.subnets : [];
      network.push({
        interface: name,
        addresses: subnets.map((s) => str(obj(s).ipnet)).filter((x): x is string => x !== null),
        mac: str(i.mac_address),
      });
    }
  }
  return {
    engine: layout === "podman" || layout === "cri-o" || layout === "containerd" ? layout : null,
    id: str(config?.id) ?? str(annotations["io.kubernetes.cri-o.ContainerID"]),
    name: str(config?.name) ?? str(annotations["io.kubernetes.cri-o.ContainerName"]),
    image:
      str(config?.rootfsImageName) ?? str(config?.rootfsImageRef) ?? str(annotations["io.kubernetes.cri-o.ImageName"]),
    runtime: str(config?.runtime) ?? str(config?.OCIRuntime),
    created: str(config?.createdTime) ?? str(annotations["io.kubernetes.cri-o.Created"]),
    checkpointed: str(config?.checkpointedTime) ?? cp.source.archive?.dumpedAt ?? null,
    hostname: str(spec?.hostname),
    command: strs(proc.args),
    env: strs(proc.env),
    mounts: (Array.isArray(spec?.mounts) ? spec.mounts : []).map((m) => {
      const o = obj(m);
      return { destination: str(o.destination) ?? "", type: str(o.type), source: str(o.source) };
    }),
    network,
    rootfsDiffBytes: cp.source.companions.get("rootfs-diff.tar")?.size ?? null,
  };
}
