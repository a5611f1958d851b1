// Typing a filter never wipes the page (issue 16, point 7): a half-typed
// query keeps the last results, dimmed; where it stops making sense is said
// after a pause (or on Enter), with a way to search it as plain words; and
// the filter being typed gets help: a date picker, the library's cameras and folders.
import { expect, test, type Page } from "@playwright/test";
import { fileURLToPath } from "node:url";

const mock = fileURLToPath(new URL("./mock-ipc.js", import.meta.url));
const searches = (page: Page) => page.evaluate(() => (window as any).__calls.filter((c: any) => c.cmd === "search").map((c: any) => c.args.query));

test.beforeEach(async ({ page }) => {
  await page.addInitScript({ path: mock });
  await page.addInitScript(() => {
    const bad = (position: number) => ({ parts: [], error: { position, expected: "a date as YYYY-MM-DD" } });
    (window as any).__outlinesAtStart = { "sled after:2024-0": bad(12), "sled after:": bad(11), "ticket after:": bad(13) };
  });
  await page.goto("/");
  await page.evaluate(() => Object.assign((window as any).__outlines, (window as any).__outlinesAtStart));
});

test("a half-typed filter keeps the results, dimmed, and says what is wrong only after a pause", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.fill("sled");
  await box.press("Enter");
  const grid = page.getByRole("list", { name: "Results for sled" });
  await expect(grid.locator("li.card")).toHaveCount(4);
  await box.pressSequentially(" after:2024-0", { delay: 30 });
  // Still typing: the results stay, dimmed, and no error is shouted yet.
  await expect(grid.locator("li.card")).toHaveCount(4);
  await expect(page.locator("main")).toHaveClass(/stale/);
  expect(await page.locator("main > *").first().evaluate((el) => Number(getComputedStyle(el).opacity))).toBeLessThan(0.6);
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByText(/No matches/)).toHaveCount(0);
  // After a pause in typing it says where, and the results are still there.
  await expect(page.getByRole("alert")).toContainText("expected a date as YYYY-MM-DD", { timeout: 3000 });
  await expect(grid.locator("li.card")).toHaveCount(4);
});

test("after after: a date picker fills in the date", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.fill("sled");
  await box.press("Enter");
  await box.pressSequentially(" after:");
  const picker = page.getByLabel("From the day");
  await expect(picker).toBeVisible();
  await picker.fill("2024-06-01");
  await expect(box).toHaveValue("sled after:2024-06-01 ");
  await expect(box).toBeFocused();
  await expect.poll(() => searches(page)).toContain("sled after:2024-06-01");
  await expect(page.locator("main")).not.toHaveClass(/stale/);
});

test("camera: offers the library's cameras and folder: its folders", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.fill("camera:pix");
  const pixel = page.getByRole("button", { name: /^Pixel 7 · 3 photos/ });
  await expect(pixel).toBeVisible();
  await expect(page.getByRole("button", { name: /^Canon/ })).toHaveCount(0);
  await pixel.click();
  // A filter's value is one word: the camera's first one matches it.
  await expect(box).toHaveValue("camera:Pixel ");
  await box.fill("sled folder:");
  await page.getByRole("button", { name: "/photos" }).click();
  await expect(box).toHaveValue("sled folder:/photos ");
});

test("Enter says at once where the query stops, and it can be searched as plain words", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.fill("ticket after:");
  await box.press("Enter");
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("expected a date", { timeout: 800 });
  await alert.getByRole("button", { name: "Search as plain text" }).click();
  await expect(box).toHaveValue('"ticket after:"');
  await expect.poll(() => searches(page)).toContain('"ticket after:"');
  await expect(page.getByRole("list", { name: /Results for "ticket after:"/ })).toBeVisible();
});
