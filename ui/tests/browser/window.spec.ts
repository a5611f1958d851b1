// The real built window in headless Chromium, its backend mocked
// (mock-ipc.js): typing, stale answers, dropping and pasting images, the
// heatmap matrix and overlay, the failures list, keyboard use.
import { expect, test, type Page } from "@playwright/test";
import { fileURLToPath } from "node:url";

const mock = fileURLToPath(new URL("./mock-ipc.js", import.meta.url));

// A real PNG (1×1), as a dropped or pasted file would carry.
const PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

async function calls(page: Page, cmd: string) {
  return page.evaluate((c) => (window as any).__calls.filter((x: any) => x.cmd === c), cmd);
}

test.beforeEach(async ({ page }) => {
  await page.addInitScript({ path: mock });
  await page.goto("/");
  await expect(page.getByRole("searchbox", { name: "Search your photos" })).toBeVisible();
});

test("typing a query shows results with scores, and / focuses the box", async ({ page }) => {
  await page.locator("body").click();
  await page.keyboard.press("/");
  await expect(page.getByRole("searchbox")).toBeFocused();
  await page.keyboard.type("kids on a red sled");
  const results = page.getByRole("list", { name: /Results for kids on a red sled/ });
  await expect(results.getByRole("listitem")).toHaveCount(4);
  await expect(results.getByRole("listitem").first()).toContainText("0.310");
  await expect(results.getByRole("listitem").first()).toContainText("kids-0.jpg");
  const sent = await calls(page, "search");
  expect(sent.at(-1).args).toMatchObject({ query: "kids on a red sled", images: [] });
  await expect(page.getByText("2 more below the cutoff")).toBeVisible();
});

test("a slow answer to an older query never replaces a newer one", async ({ page }) => {
  await page.evaluate(() => ((window as any).__delays = { cat: 1500 }));
  const box = page.getByRole("searchbox");
  await box.fill("cat");
  await box.press("Enter"); // "cat" is sent now and answers late
  await box.fill("dog");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: /Results for dog/ })).toBeVisible();
  await page.waitForTimeout(1800); // the "cat" answer has arrived by now
  await expect(page.getByRole("list", { name: /Results for dog/ })).toBeVisible();
  await expect(page.getByText("cat-0.jpg")).toHaveCount(0);
});

test("dropping an image searches by its bytes", async ({ page }) => {
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "beach.png", { type: "image/png" }));
    window.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    window.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, PNG_B64);
  await expect(page.getByRole("list", { name: /Results for beach.png/ })).toBeVisible();
  const sent = await calls(page, "search");
  expect(sent.at(-1).args.images).toEqual([PNG_B64]);
  await expect(page.getByRole("button", { name: "Remove beach.png from the query" })).toBeVisible();
});

test("pasting an image searches by its bytes", async ({ page }) => {
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "", { type: "image/png" }));
    window.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  }, PNG_B64);
  await expect(page.getByRole("list", { name: /Results for pasted image/ })).toBeVisible();
  expect((await calls(page, "search")).at(-1).args.images).toEqual([PNG_B64]);
});

test("the heatmap matrix colours cells and the overlay shows where it matches", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.fill("beach, sunset");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: /Results for/ })).toBeVisible();
  await page.getByRole("button", { name: "Heatmap" }).click();
  const table = page.getByRole("table");
  await expect(table.getByRole("rowheader")).toHaveText(["beach", "sunset"]);
  await expect(table.getByRole("cell")).toHaveCount(8);
  // Level 1 is red, level 0 blue, on the calibrated scale.
  await expect(table.getByRole("cell").first()).toHaveCSS("background-color", "rgb(255, 0, 0)");
  await expect(table.getByRole("cell").first()).toHaveAttribute("title", /cosine 0\.300/);
  const matrixCall = (await calls(page, "heatmap_matrix")).at(-1);
  expect(matrixCall.args.prompts).toEqual(["beach", "sunset"]);
  // Adding a prompt adds a row.
  await page.getByRole("textbox", { name: "Add a prompt" }).fill("dog");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(table.getByRole("rowheader")).toHaveText(["beach", "sunset", "dog"]);
  // The best result's region map: 16 cells, hot on the left half.
  await expect(page.getByText(/Where “beach” matches/)).toBeVisible();
  const cells = page.locator(".overlay span");
  await expect(cells).toHaveCount(16);
  await expect(cells.first()).toHaveCSS("background-color", "rgb(255, 0, 0)");
  await expect(cells.nth(3)).toHaveCSS("background-color", "rgb(0, 0, 255)");
  // Exports.
  const csv = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  expect((await csv).suggestedFilename()).toBe("clipdex-heatmap.csv");
  const png = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export PNG" }).click();
  expect((await png).suggestedFilename()).toBe("clipdex-heatmap.png");
});

test("the failures list says which files could not be read and why", async ({ page }) => {
  await page.getByRole("button", { name: "1 could not be read" }).click();
  const list = page.getByRole("complementary");
  await expect(list).toContainText("/photos/broken.jpg");
  await expect(list).toContainText("the image data is truncated");
});

test("keyboard: the models panel opens with Ctrl+Shift+M and closes with Esc", async ({ page }) => {
  await page.keyboard.press("Control+Shift+M");
  await expect(page.getByRole("dialog", { name: "Models" })).toBeVisible();
  await expect(page.getByText("Runs on")).toContainText("CPU");
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Models" })).toHaveCount(0);
});

test("arrows move through the results, Enter opens the preview, Esc closes it", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.fill("a red sled");
  await box.press("Enter");
  const cards = page.getByRole("list", { name: /Results for a red sled/ }).getByRole("button");
  await expect(cards).toHaveCount(4);
  await box.press("ArrowDown");
  await expect(cards.nth(0)).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await expect(cards.nth(1)).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await expect(cards.nth(0)).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Enter");
  const preview = page.getByRole("dialog", { name: "Preview: a-1.jpg" });
  await expect(preview).toBeVisible();
  await expect(preview).toContainText("/photos/a-1.jpg");
  await expect(preview).toContainText("640 × 480");
  await expect(preview).toContainText("#2 by meaning");
  await page.keyboard.press("Escape");
  await expect(preview).toHaveCount(0);
  await expect(cards.nth(1)).toBeFocused();
  // More like this searches by the item.
  await cards.nth(2).click();
  await page.getByRole("button", { name: "More like this" }).click();
  await expect(box).toHaveValue(/^similar:a{63}2$/);
  expect((await calls(page, "search")).at(-1).args.query).toMatch(/^similar:/);
});
