// The grid benchmark (bench/grid.bench.ts) against the built window, in
// Debian's Chromium like the browser tests. Not part of `scripts/dev test`.
import { defineConfig } from "@playwright/test";
import base from "../playwright.config";

export default defineConfig({
  ...base,
  testDir: ".",
  testMatch: "*.bench.ts",
  timeout: 600_000,
});
