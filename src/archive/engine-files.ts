/** The engines' metadata files beside a checkpoint's images (Podman, CRI-O, containerd): JSON, read and rewritten. */
export const ENGINE_FILES: readonly string[] = [
  "config.dump",
  "spec.dump",
  "network.status",
  "container.dump",
  "status.dump",
];
