/** criu-image/inspect: a checkpoint as plain data: processes, files, sockets, mounts, namespaces, container. */
export { type ContainerView, container } from "./container.js";
export { type FdView, FileTable, taskFds } from "./files.js";
export { type InspectOptions, type InspectReport, inspectCheckpoint } from "./inspect.js";
export { type MountView, mounts } from "./mounts.js";
export { type NamespacesView, type NetAddressView, type NetDeviceView, namespaces, parseIfaddr } from "./namespaces.js";
export { cmdlineAndEnvPages } from "./pages-policy.js";
export { type CredsView, type ProcessView, processes, type ThreadView } from "./processes.js";
export {
  type NetlinkSocketView,
  type PacketSocketView,
  type SocketsView,
  sockets,
  type UnixSocketView,
} from "./sockets.js";
export { dumpStats, type StatsView } from "./stats.js";
