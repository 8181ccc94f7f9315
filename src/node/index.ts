/** criu-image/node: file and directory helpers for Node.js. */
export { syncDir, TEMP_PREFIX, writeFileAtomic, writeTemp } from "./atomic.js";
export {
  isDirectory,
  listCheckpointDir,
  loadCheckpointDir,
  openImageFile,
  readImageFile,
  writeImageFile,
  writeRawImageFile,
} from "./files.js";
