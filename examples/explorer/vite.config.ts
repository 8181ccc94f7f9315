import { defineConfig } from "vite";

// A static site: relative asset paths, so the built folder opens from anywhere (a file server, a CI artifact).
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 2048 },
  server: { port: 5174 },
});
