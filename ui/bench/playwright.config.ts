// The grid benchmark (bench/grid.bench.ts) against the built window, in
// Debian's Chromium like the browser tests. Not part of `scripts/dev test`.
import { defineConfig } from "@playwright/test";
import { fileURLToPath } from "node:url";
import base from "../playwright.config";

export default defineConfig({
  ...base,
  testDir: ".",
  testMatch: "*.bench.ts",
  timeout: 600_000,
  // Serve ui/dist, as the browser tests do.
  webServer: { ...(base.webServer as object), cwd: fileURLToPath(new URL("..", import.meta.url)) } as never,
});
