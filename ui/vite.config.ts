import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The UI is always served from the assets Tauri embeds at build time (no dev server in the app),
// so relative asset paths and a fixed output folder are all it needs.
export default defineConfig({
  plugins: [react()],
  base: "./",
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari15",
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
