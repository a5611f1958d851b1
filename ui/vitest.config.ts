import { defineConfig } from "vitest/config";

// Unit tests live beside the code; the browser tests (tests/browser) are Playwright's.
export default defineConfig({
  test: { include: ["src/**/*.test.ts"] },
});
