/**
 * Files that are not CRIU images but belong beside them. CRIU writes its
 * logs into the images folder by default; runc and crun write
 * descriptors.json into every container checkpoint; container engines put
 * their metadata beside the images folder in an archive. Knowing them lets
 * verify accept real checkpoints and still point at a stray file.
 */

/** [file name pattern, what writes it] for files found in an images folder. */
const IN_IMAGES: readonly [RegExp, string][] = [
  [/^(dump|pre-dump|restore|page-server|lazy-pages|cpuinfo|check)(-\d+)?\.log$/, "CRIU's log"],
  [/^criu\.log$/, "CRIU's log"],
  [/^descriptors\.json$/, "runc/crun: what the root task's fds 0-2 were at dump time"],
  [/^stats-(dump|restore)\.json$/, "CRIU statistics, as JSON"],
  [/^restore\.pid$|^restore-pid$/, "the restored task's pid"],
  [/^\.gitkeep$|^\.keep$/, "an empty placeholder"],
];

/** [path pattern, what writes it] for files beside the images folder in container archives. */
const BESIDE_IMAGES: readonly [RegExp, string][] = [
  [/^config\.dump$/, "the container engine's container configuration (JSON)"],
  [/^spec\.dump$/, "the OCI runtime spec (JSON)"],
  [/^network\.status$/, "the network setup result (JSON)"],
  [/^stats-dump$/, "CRIU's dump statistics (an image)"],
  [/^ctr\.log$/, "the container's log"],
  [/^devshm-checkpoint\.tar$/, "the container's /dev/shm"],
  [/^rootfs-diff\.tar$/, "files changed in the container's root file system"],
  [/^deleted\.files$/, "files deleted from the container's root file system (JSON)"],
  [/^bind\.mounts$/, "bind mounts to restore (JSON)"],
  [/^pod\.(dump|options)$/, "Podman pod metadata (JSON)"],
  [/^status\.dump$|^status$/, "the container's status (JSON)"],
  [/^container\.(dump|log)$/, "containerd's container metadata"],
  [/^(artifacts|checkpoint-volumes)\//, "container volume and artifact contents"],
  [/^io\.kubernetes\.cri-o\./, "CRI-O metadata"],
  [/^manifest\.json$|^index\.json$|^oci-layout$|^blobs\//, "OCI image layout"],
];

function match(table: readonly [RegExp, string][], name: string): string | undefined {
  for (const [re, what] of table) if (re.test(name)) return what;
  return undefined;
}

/** What writes this non-image file of an images folder, or undefined for an unknown file. */
export function companionInImages(name: string): string | undefined {
  return match(IN_IMAGES, name);
}

/** What writes this file beside the images folder of an archive, or undefined. */
export function companionBesideImages(path: string): string | undefined {
  return match(BESIDE_IMAGES, path) ?? match(IN_IMAGES, path);
}
