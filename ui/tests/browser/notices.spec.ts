// The window's notices (issue 16, point 9): a run's summary is a toast in
// words that closes itself, and "Loading more…" shows only while a page loads.
import { expect, test, type Page } from "@playwright/test";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";

const mock = fileURLToPath(new URL("./mock-ipc.js", import.meta.url));

async function start(page: Page, state: Record<string, unknown> = {}) {
  await page.addInitScript((s) => ((window as any).__firstRun = s), state);
  await page.addInitScript({ path: mock });
  await page.goto("/");
}

test("a finished index says what it added in words, then the notice closes itself", async ({ page }) => {
  await start(page, { items: 0, files: 0, folders: [], failures: [], watching: [], suggestedFolder: "/home/me/Pictures" });
  await page.evaluate(() => ((window as any).__tick = 10));
  await page.getByRole("button", { name: "Add your Pictures folder" }).click();
  const toast = page.getByRole("status").filter({ hasText: "photos added" });
  await expect(toast).toHaveText(/^200 photos added\.\s*Close$/);
  await expect(page.getByText(/unchanged \./)).toHaveCount(0);
  // Closes by itself after a few seconds.
  await expect(toast).toHaveCount(0, { timeout: 12_000 });
});

test("a run's notice closes with Close, and stays while the pointer is on it", async ({ page }) => {
  await start(page, { items: 0, files: 0, folders: [], failures: [], watching: [], suggestedFolder: "/home/me/Pictures" });
  await page.evaluate(() => ((window as any).__tick = 10));
  await page.getByRole("button", { name: "Add your Pictures folder" }).click();
  const toast = page.getByRole("status").filter({ hasText: "photos added" });
  await expect(toast).toBeVisible();
  await toast.hover();
  await page.waitForTimeout(9_000);
  await expect(toast).toBeVisible();
  await toast.getByRole("button", { name: "Close" }).click();
  await expect(toast).toHaveCount(0);
});

test("Loading more… shows while the next page loads, and goes away once it is in", async ({ page }) => {
  await start(page);
  await page.evaluate(() => ((window as any).__total = { everything: 1000 }));
  const box = page.getByRole("searchbox");
  await box.fill("everything");
  await box.press("Enter");
  await expect(page.locator("li.card").first()).toBeVisible();
  const loading = page.getByRole("status").filter({ hasText: "Loading more…" });
  // More results exist, but nothing is loading: no spinner over the last row.
  await expect(loading).toHaveCount(0);
  await page.evaluate(() => ((window as any).__delays = { everything: 1500 }));
  await page.getByTestId("results").evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(loading).toBeVisible();
  await expect(loading).toHaveCount(0, { timeout: 5_000 });
  const asked = await page.evaluate(() => (window as any).__calls.filter((c: any) => c.cmd === "search" && c.args.query === "everything").length);
  expect(asked).toBe(2);
});

for (const scheme of ["dark", "light"] as const) {
  test(`WCAG AA (axe): the run's notice in the ${scheme} theme`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await start(page, { items: 0, files: 0, folders: [], failures: [], watching: [], suggestedFolder: "/home/me/Pictures" });
    await page.evaluate(() => ((window as any).__tick = 10));
    await page.getByRole("button", { name: "Add your Pictures folder" }).click();
    const toast = page.getByRole("status").filter({ hasText: "photos added" });
    await toast.hover();
    const found = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).include(".toast").analyze();
    expect(found.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
  });
}
