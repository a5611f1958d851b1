// The real built window in headless Chromium, its backend mocked
// (mock-ipc.js): typing (one IPC call per search), stale answers, dropping
// and pasting images (registered once, searched by token), the
// heatmap matrix and overlay, the failures list, keyboard use, the library
// panel, settings, the query's outline, the virtualised grid, a backend
// that fails at start, and WCAG AA checks (axe) in both themes.
import { expect, test, type Locator, type Page } from "@playwright/test";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";

const mock = fileURLToPath(new URL("./mock-ipc.js", import.meta.url));

// A real PNG (1×1), as a dropped or pasted file would carry.
const PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

async function calls(page: Page, cmd: string) {
  return page.evaluate((c) => (window as any).__calls.filter((x: any) => x.cmd === c), cmd);
}

/** Every call made so far, in the order asked. */
async function allCalls(page: Page): Promise<any[]> {
  return page.evaluate(() => (window as any).__calls);
}

/** Drops (or pastes) files with `bytes` (base64) on the window, as the web view delivers them. */
async function giveImages(page: Page, how: "drop" | "paste", files: { name: string; b64: string; type?: string }[]) {
  await page.evaluate(
    ([how, files]) => {
      const dt = new DataTransfer();
      for (const f of files as { name: string; b64: string; type?: string }[]) {
        const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, { type: f.type ?? "image/png" }));
      }
      if (how === "paste") {
        window.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
      } else {
        window.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
        window.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    },
    [how, files] as const,
  );
}

test.beforeEach(async ({ page }) => {
  await page.addInitScript({ path: mock });
  await page.goto("/");
  await expect(page.getByRole("searchbox", { name: "Search your photos" })).toBeVisible();
});

test("typing a query shows results in words, and / focuses the box", async ({ page }) => {
  await page.locator("body").click();
  await page.keyboard.press("/");
  await expect(page.getByRole("searchbox")).toBeFocused();
  await page.keyboard.type("kids on a red sled");
  const results = page.getByRole("list", { name: /Results for kids on a red sled/ });
  await expect(results.getByRole("listitem")).toHaveCount(4);
  await expect(results.getByRole("listitem").first()).toContainText("Strong match");
  await expect(results.getByRole("listitem").nth(1)).toContainText("Good match");
  // No raw cosine anywhere on the card, in its name or its tooltip.
  await expect(results.getByRole("listitem").first()).not.toContainText("0.310");
  await expect(results.getByRole("button", { name: "kids-0.jpg, Strong match" })).toBeVisible();
  await expect(results.getByRole("listitem").first()).toContainText("kids-0.jpg");
  const sent = await calls(page, "search");
  expect(sent.at(-1).args).toMatchObject({ query: "kids on a red sled", images: [] });
  // The count is exact: every match, none of the weaker ones.
  await expect(page.locator(".count")).toHaveText("4 matches");
});

test("a slow answer to an older query never replaces a newer one", async ({ page }) => {
  await page.evaluate(() => ((window as any).__delays = { cat: 1500 }));
  const box = page.getByRole("searchbox");
  await box.fill("cat");
  await box.press("Enter"); // "cat" is sent now and answers late
  // The race is real: "cat" is asked (and not yet answered) before "dog" is typed.
  const searches = async () => (await calls(page, "search")).filter((c: any) => c.args.query !== "");
  await expect.poll(async () => (await searches()).map((c: any) => [c.args.query, c.answered])).toEqual([["cat", null]]);
  await box.fill("dog");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: /Results for dog/ })).toBeVisible();
  // The newer answer is shown while the older one is still on its way...
  expect((await searches()).find((c: any) => c.args.query === "cat").answered).toBeNull();
  // ...which then comes back, last.
  await expect.poll(async () => (await searches()).every((c: any) => c.answered !== null), { timeout: 5000 }).toBe(true);
  const [cat, dog, ...others] = await searches();
  expect(others).toEqual([]);
  expect([cat.args.query, dog.args.query]).toEqual(["cat", "dog"]);
  expect(cat.asked).toBeLessThan(dog.asked);
  expect(cat.answered).toBeGreaterThan(dog.answered);
  expect(cat.answeredAt).toBeGreaterThan(dog.answeredAt);
  expect(cat.failed).toBe(false);
  // Give the window time to (wrongly) show it, then check it did not.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 200)))));
  await expect(page.getByRole("list", { name: /Results for dog/ })).toBeVisible();
  await expect(page.getByRole("list", { name: /Results for cat/ })).toHaveCount(0);
  await expect(page.getByText("dog-0.jpg")).toBeVisible();
  await expect(page.getByText("cat-0.jpg")).toHaveCount(0);
  await expect(page.getByRole("searchbox")).toHaveValue("dog");
});

test("a dropped image is registered once by its bytes, then searched by its token", async ({ page }) => {
  await giveImages(page, "drop", [{ name: "beach.png", b64: PNG_B64 }]);
  await expect(page.getByRole("list", { name: /Results for beach.png/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Remove beach.png from the query" })).toBeVisible();
  const registered = await calls(page, "query_image");
  expect(registered.map((c: any) => c.args)).toEqual([{ data: PNG_B64 }]);
  expect(registered[0].failed).toBe(false);
  // The token the backend gave for it.
  const tokens: string[] = await page.evaluate(() => Array.from((window as any).__queryImages));
  expect(tokens).toHaveLength(1);
  expect(tokens[0]).toMatch(/^qimg-/);
  const sent = await calls(page, "search");
  const images = sent.at(-1).args.images;
  expect(images).toEqual(tokens);
  // Searching again (text added, Enter) sends the token again: the picture is not registered again.
  const box = page.getByRole("searchbox");
  await box.fill("sunset");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: /Results for sunset/ })).toBeVisible();
  expect((await calls(page, "search")).at(-1).args).toMatchObject({ query: "sunset", images });
  expect(await calls(page, "query_image")).toHaveLength(1);
  expect(JSON.stringify((await calls(page, "search")).map((c: any) => c.args))).not.toContain(PNG_B64);
  // The same picture dropped again is one more chip, registered once for it (the same bytes, the same token).
  await giveImages(page, "drop", [{ name: "beach.png", b64: PNG_B64 }]);
  await expect(page.getByRole("button", { name: "Remove beach.png from the query" })).toHaveCount(2);
  await expect.poll(async () => (await calls(page, "search")).at(-1).args.images).toEqual([images[0], images[0]]);
  expect((await calls(page, "query_image")).map((c: any) => c.args)).toEqual([{ data: PNG_B64 }, { data: PNG_B64 }]);
  await box.press("Enter");
  await expect.poll(async () => (await calls(page, "search")).length).toBe(sent.length + 3);
  expect((await calls(page, "search")).at(-1).args.images).toEqual([images[0], images[0]]);
  expect(await calls(page, "query_image")).toHaveLength(2);
});

test("a pasted image is registered once, then searched by its token", async ({ page }) => {
  await giveImages(page, "paste", [{ name: "", b64: PNG_B64 }]);
  await expect(page.getByRole("list", { name: /Results for pasted image/ })).toBeVisible();
  expect((await calls(page, "query_image")).map((c: any) => c.args)).toEqual([{ data: PNG_B64 }]);
  const search = (await calls(page, "search")).at(-1);
  expect(search.args.images).toHaveLength(1);
  expect(search.args.images[0]).toMatch(/^qimg-/);
});

test("a file that is not a picture is refused with the engine's error and not added", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.fill("sled");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: /Results for sled/ }).getByRole("listitem")).toHaveCount(4);
  const searches = (await calls(page, "search")).length;
  // Says it is a PNG; its bytes say otherwise.
  await giveImages(page, "drop", [{ name: "notes.png", b64: btoa("just some text, not a picture") }]);
  const alert = page.getByRole("alert").filter({ hasText: "format" });
  await expect(alert).toBeVisible();
  const refused = await calls(page, "query_image");
  expect(refused).toHaveLength(1);
  expect(refused[0].failed).toBe(true);
  await expect(page.getByRole("button", { name: "Remove notes.png from the query" })).toHaveCount(0);
  // Nothing was searched with it: the results shown stay.
  expect((await calls(page, "search")).length).toBe(searches);
  await expect(page.getByRole("list", { name: /Results for sled/ }).getByRole("listitem")).toHaveCount(4);
});

test("the heatmap matrix colours cells and the overlay shows where it matches", async ({ page }) => {
  await page.evaluate(() => {
    const part = (start: number, atomStart: number, end: number, label: string, weight: number) => ({ start, atomStart, end, kind: "text", label, weight });
    (window as any).__outlines["beach 2:sunset"] = { parts: [part(0, 0, 5, "beach", 1), part(6, 8, 14, "sunset", 2)], error: null };
  });
  const box = page.getByRole("searchbox");
  await box.fill("beach 2:sunset");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: /Results for/ })).toBeVisible();
  await page.getByRole("button", { name: "Heatmap" }).click();
  const table = page.getByRole("table");
  // The rows are the query's terms as the engine read them (the grid's own rule).
  await expect(table.getByRole("rowheader")).toHaveText(["beach", "sunset"]);
  await expect(table.getByRole("cell")).toHaveCount(8);
  // Cividis, stretched over the cells shown: the best cell is the top colour, the worst the bottom one.
  await expect(table.getByRole("cell").first()).toHaveCSS("background-color", "rgb(253, 231, 55)");
  await expect(table.getByRole("cell").last()).toHaveCSS("background-color", "rgb(0, 34, 78)");
  // In words by default: no cosine in the cells or their tooltips.
  await expect(table.getByRole("cell").first()).toHaveAttribute("title", "beach · item-0.jpg: a match");
  await expect(table).not.toContainText("0.300");
  // Each column is labelled with its file; the legend names the calibrated marks.
  await expect(table.getByRole("columnheader").nth(1)).toContainText("item-0.jpg");
  await expect(page.locator(".legend")).toContainText("unrelated");
  await expect(page.locator(".legend")).toContainText("match line");
  await expect(page.getByText("4 of 4 results")).toBeVisible();
  const matrixCall = (await calls(page, "heatmap_matrix")).at(-1);
  expect(matrixCall.args.prompts).toEqual(["beach", "sunset"]);
  // Adding a prompt adds a row.
  await page.getByRole("textbox", { name: "Add a prompt" }).fill("dog");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(table.getByRole("rowheader")).toHaveText(["beach", "sunset", "dog"]);
  // The best result's region map: 16 cells, clear where it matches (the left half, outlined), dimmed elsewhere.
  await expect(page.getByText(/Where “beach” matches/)).toBeVisible();
  const cells = page.locator(".overlay span");
  await expect(cells).toHaveCount(16);
  await expect(cells.first()).toHaveCSS("background-color", "rgba(0, 0, 0, 0)");
  await expect(cells.first()).toHaveClass(/best/);
  await expect(cells.nth(3)).toHaveCSS("background-color", "rgba(0, 0, 0, 0.6)");
  // Clicking a column shows that item's map; "Open preview" opens it.
  await table.getByRole("button", { name: /item-2\.jpg/ }).click();
  await expect(page.locator(".region strong")).toHaveText("beach-2.jpg");
  await page.getByRole("button", { name: "Open preview" }).click();
  await expect(page.getByRole("dialog", { name: "Preview: beach-2.jpg" })).toBeVisible();
  await page.keyboard.press("Escape");
  // Exports.
  const csv = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  expect((await csv).suggestedFilename()).toBe("clipdex-heatmap.csv");
  const png = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export PNG" }).click();
  expect((await png).suggestedFilename()).toBe("clipdex-heatmap.png");
});

test("the heatmap shows twelve results at first, says of how many, and shows more on request", async ({ page }) => {
  await page.evaluate(() => ((window as any).__total = { "a red sled": 20 }));
  const box = page.getByRole("searchbox");
  await box.fill("a red sled");
  await box.press("Enter");
  await page.getByRole("button", { name: "Heatmap" }).click();
  const table = page.getByRole("table");
  // "a red sled" is one term in the grid, so one row here.
  await expect(table.getByRole("rowheader")).toHaveText(["a red sled"]);
  await expect(table.getByRole("cell")).toHaveCount(12);
  await expect(page.getByText("12 of 20 results")).toBeVisible();
  await page.getByRole("button", { name: "Show more" }).click();
  await expect(table.getByRole("cell")).toHaveCount(20);
  await expect(page.getByText("20 of 20 results")).toBeVisible();
  await expect(page.getByRole("button", { name: "Show more" })).toHaveCount(0);
});

test("the failures list says which files could not be read and why, and retries them", async ({ page }) => {
  await page.getByRole("button", { name: "1 could not be read" }).click();
  const panel = page.getByRole("dialog", { name: "Library" });
  await expect(panel).toContainText("/photos/broken.jpg");
  await expect(panel).toContainText("the image data is truncated");
  await panel.getByRole("button", { name: "Retry broken.jpg" }).click();
  await expect(panel).toContainText("None: every file was read.");
  expect((await calls(page, "retry_failures"))[0].args.paths).toEqual(["/photos/broken.jpg"]);
  await expect(page.getByRole("button", { name: /could not be read/ })).toHaveCount(0);
});

test("the footer's facts read as words, separated by spaced dots", async ({ page }) => {
  // Svelte drops the space that starts an {#if} block: each separator is an expression.
  // The model as people call it (the registry's name), and where it runs.
  await expect(page.locator("footer")).toContainText("CLIP ViT-B/32 (OpenAI) · CPU");
  await expect(page.locator("footer")).not.toContainText("@12345678");
  await expect(page.locator("footer")).toContainText("4 photos");
  // Words, not internals: no content hash, no library path (Settings › About has it).
  await expect(page.locator("footer")).not.toContainText("@12345678");
  await expect(page.locator("footer")).not.toContainText("/home/me/.local/share/clipdex/library");
});

test("keyboard: the models panel opens with Ctrl+Shift+M and closes with Esc", async ({ page }) => {
  await page.keyboard.press("Control+Shift+M");
  await expect(page.getByRole("dialog", { name: "Models" })).toBeVisible();
  await expect(page.getByText("Runs on")).toContainText("CPU");
  // Where models are installed (the offline advice points here).
  await expect(page.getByRole("dialog", { name: "Models" })).toContainText("Models folder: /home/me/.cache/clipdex/models");
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
  await expect(preview).toContainText("Good match");
  await expect(preview).not.toContainText("cosine");
  await expect(preview).toContainText("2 of 4");
  // The grid's ring stays on the photo shown, and follows ← and → in the viewer.
  const ring = page.locator("li.card.active");
  await expect(ring).toHaveCount(1);
  await expect(ring).toContainText("a-1.jpg");
  await page.keyboard.press("ArrowRight");
  const next = page.getByRole("dialog", { name: "Preview: a-2.jpg" });
  await expect(next).toContainText("3 of 4");
  await expect(ring).toContainText("a-2.jpg");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await expect(page.getByRole("dialog", { name: "Preview: a-0.jpg" })).toContainText("1 of 4");
  await expect(page.getByRole("button", { name: "Previous photo" })).toBeDisabled();
  await page.keyboard.press("ArrowRight");
  await expect(preview).toBeVisible();
  // I hides the info pane, and it stays hidden for the next photo.
  await page.keyboard.press("i");
  await expect(preview.getByRole("complementary", { name: "Info" })).toHaveCount(0);
  await page.keyboard.press("ArrowRight");
  await expect(next.getByRole("complementary", { name: "Info" })).toHaveCount(0);
  await page.keyboard.press("i");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Escape");
  await expect(preview).toHaveCount(0);
  await expect(cards.nth(1)).toBeFocused();
  await expect(ring).toContainText("a-1.jpg");
  // The ring is drawn from the grid's own index: it leaves with the focus.
  await box.focus();
  await expect(ring).toHaveCount(0);
  // More like this searches by the item.
  await cards.nth(2).click();
  await page.getByRole("button", { name: "More like this" }).click();
  await expect(box).toHaveValue(/^similar:a{63}2$/);
  expect((await calls(page, "search")).at(-1).args.query).toMatch(/^similar:/);
});

const ID = (i: number) => String(i).padStart(64, "a");

test("the library panel adds and removes folders, and pauses, resumes and cancels indexing", async ({ page }) => {
  await page.keyboard.press("Control+Shift+L");
  const panel = page.getByRole("dialog", { name: "Library" });
  await expect(panel).toContainText("/photos");
  await expect(panel).toContainText("Watched by file events");
  // Tab stays in the panel (a modal dialog): Shift+Tab from the first control goes to the last.
  await expect(panel.getByRole("button", { name: "Close the library panel" })).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  expect(await panel.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await page.keyboard.press("Tab");
  await expect(panel.getByRole("button", { name: "Close the library panel" })).toBeFocused();

  // Add a folder: progress with photos/s, time left and the current file.
  await page.evaluate(() => ((window as any).__pick = ["/more-photos"]));
  await panel.getByRole("button", { name: "Add folder…" }).click();
  const run = panel.getByRole("region", { name: "Indexing" });
  await expect(run).toContainText(/Indexing \d+ of 200/);
  await expect(run).toContainText(/[\d.]+ photos\/s/);
  await expect(run).toContainText(/about .* left/);
  await expect(run).toContainText(/\/photos\/new\/img-\d+\.jpg/);

  // Pause: nothing moves; resume: it goes on.
  await run.getByRole("button", { name: "Pause" }).click();
  await expect(run).toContainText("Paused");
  const at = await page.evaluate(() => (window as any).__calls.filter((c: any) => c.cmd === "pause_indexing").length);
  expect(at).toBe(1);
  const text1 = await run.locator(".current").textContent();
  await page.waitForTimeout(300);
  expect(await run.locator(".current").textContent()).toBe(text1);
  await run.getByRole("button", { name: "Resume" }).click();
  await expect(run).not.toContainText("Paused");
  await expect(run.locator(".current")).not.toHaveText(text1 ?? "");
  expect((await calls(page, "pause_indexing")).map((c: any) => c.args.paused)).toEqual([true, false]);

  // Cancel: it stops, and says so.
  await run.getByRole("button", { name: "Cancel" }).click();
  await expect(panel).toContainText(/Last run: \d+ indexed.* — cancelled/);
  const folders = panel.getByRole("list", { name: "Folders" }).getByRole("listitem");
  await expect(folders.filter({ hasText: "/more-photos" })).toBeVisible();

  // Remove a folder: asked first; the photos stay on disk.
  await panel.getByRole("button", { name: "Remove /photos" }).click();
  await expect(panel).toContainText("Remove photos from the library? The photos stay on disk.");
  await panel.getByRole("group", { name: "Confirm removing /photos" }).getByRole("button", { name: "Remove" }).click();
  await expect(folders).toHaveCount(1);
  await expect(folders).toContainText("/more-photos");
  expect((await calls(page, "remove_folder"))[0].args.folder).toBe("/photos");
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect(page.getByRole("searchbox")).toBeFocused();
});

test("100,000 results: the grid keeps a screenful in the page, pages in as it scrolls, and End reaches the last", async ({ page }) => {
  await page.evaluate(() => {
    (window as any).__total = { everything: 100000 };
    (window as any).__matches = { everything: 100000 };
  });
  const box = page.getByRole("searchbox");
  await box.fill("everything");
  await box.press("Enter");
  const list = page.getByRole("list", { name: /Results for everything/ });
  await expect(list.getByRole("listitem").first()).toBeVisible();
  // The count is exact from the first page on.
  await expect(page.locator(".count")).toHaveText("100,000 matches");
  const scroller = page.getByTestId("results");
  // Scroll to the bottom until every page is in.
  const started = Date.now();
  for (let i = 0; i < 400; i++) {
    const n = await page.evaluate(() => (window as any).__calls.filter((c: any) => c.cmd === "search").length);
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForTimeout(20);
    if (n >= 101 && (await page.locator('button.open[data-index="99999"]').count()) > 0) break;
  }
  const elapsed = Date.now() - started;
  await expect(page.locator('button.open[data-index="99999"]')).toBeVisible();
  // Only what is in view (plus a little) is in the page.
  const inPage = await list.getByRole("listitem").count();
  expect(inPage).toBeGreaterThan(4);
  expect(inPage).toBeLessThan(120);
  const pages = (await calls(page, "search")).filter((c: any) => c.args.query === "everything");
  expect(pages.map((c: any) => c.args.offset).slice(0, 3)).toEqual([0, 120, 1120]);
  // Keys reach anywhere: Home, then End.
  await list.getByRole("button").first().focus();
  await page.keyboard.press("Home");
  await expect(page.getByRole("button", { name: /^everything-0\.jpg/ })).toBeFocused();
  await page.keyboard.press("End");
  await expect(page.getByRole("button", { name: /^everything-99999\.jpg/ })).toBeFocused();
  // Scrolling through 100,000 is a matter of frames, not seconds per screen.
  const frame = await scroller.evaluate(async (el) => {
    const t0 = performance.now();
    for (let k = 0; k < 30; k++) {
      el.scrollTop = Math.floor((k / 30) * el.scrollHeight);
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
    return (performance.now() - t0) / 30;
  });
  expect(frame).toBeLessThan(100);
  console.log(`100k results: loaded in ${elapsed} ms; ${inPage} cards in the page; ${frame.toFixed(1)} ms per scrolled frame`);
});

test("a query that stops making sense is marked where, and the results shown stay", async ({ page }) => {
  await page.evaluate(() => {
    (window as any).__outlines["cat after:someday"] = { parts: [], error: { position: 10, expected: "a date as YYYY-MM-DD" } };
  });
  const box = page.getByRole("searchbox");
  await box.click();
  await expect(page.getByRole("region", { name: "Query syntax" })).toContainText("after:2024-06-01");
  await box.fill("cat");
  await box.press("Enter");
  const results = page.getByRole("list", { name: /Results for cat/ });
  await expect(results.getByRole("listitem")).toHaveCount(4);
  await box.fill("cat after:someday");
  const alert = page.locator("#syntax-error");
  await expect(alert).toContainText("expected a date as YYYY-MM-DD");
  await expect(alert.locator("mark")).toHaveText("s");
  await expect(box).toHaveAttribute("aria-invalid", "true");
  // One search call, answered with the outline's error and no hits...
  const asked = (await calls(page, "search")).filter((c: any) => c.args.query === "cat after:someday");
  expect(asked).toHaveLength(1);
  expect(asked[0].failed).toBe(false);
  // ...and the previous results stay.
  await expect(results.getByRole("listitem")).toHaveCount(4);
  await expect(page.getByText("cat-0.jpg")).toBeVisible();
  await expect(page.getByText(/No matches/)).toHaveCount(0);
});

test("one IPC call per keystroke burst: a search, whose answer carries the outline", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.focus();
  const before = (await allCalls(page)).length;
  await box.pressSequentially("red sled", { delay: 20 });
  await expect(page.getByRole("list", { name: /Results for red sled/ }).getByRole("listitem")).toHaveCount(4);
  await expect(page.getByLabel("searching")).toHaveCount(0);
  // Let any straggling call (a second timer, an outline) show up.
  await page.waitForTimeout(400);
  const since = (await allCalls(page)).slice(before);
  expect(since.map((c: any) => [c.cmd, c.args.query])).toEqual([["search", "red sled"]]);
  expect(since[0].failed).toBe(false);
});

test("leading spaces: the outline (counted in the trimmed query) edits the text as typed", async ({ page }) => {
  await page.evaluate(() => {
    (window as any).__outlines["cat 2:dog"] = {
      parts: [
        { start: 0, atomStart: 0, end: 3, kind: "text", label: "cat", weight: 1 },
        { start: 4, atomStart: 6, end: 9, kind: "text", label: "dog", weight: 2 },
      ],
      error: null,
    };
  });
  const box = page.getByRole("searchbox");
  await box.fill("  cat 2:dog");
  await box.press("Enter");
  const weight = page.getByRole("group", { name: "Query terms and weights" }).getByRole("spinbutton", { name: "weight: dog" });
  await expect(weight).toHaveValue("2");
  expect((await calls(page, "search")).at(-1).args.query).toBe("cat 2:dog");
  await weight.fill("3");
  await weight.press("Enter");
  await expect(box).toHaveValue("  cat 3:dog");
});

test("dragging a result into the search box adds it as a term whose weight can be set", async ({ page }) => {
  const id = ID(1);
  const q1 = `cat similar:${id}`;
  const q2 = `cat 2:similar:${id}`;
  const parts = (w: number, q: string) => ({
    parts: [
      { start: 0, atomStart: 0, end: 3, kind: "text", label: "cat", weight: 1 },
      { start: 4, atomStart: q.indexOf("similar:"), end: q.length, kind: "similar", label: id, weight: w },
    ],
    error: null,
  });
  await page.evaluate(([a, b, pa, pb]) => {
    (window as any).__outlines[a as string] = pa;
    (window as any).__outlines[b as string] = pb;
  }, [q1, q2, parts(1, q1), parts(2, q2)] as const);
  const box = page.getByRole("searchbox");
  await box.fill("cat");
  await box.press("Enter");
  // The drag as the web view delivers it: dragstart on the result fills the
  // transfer; dragover and drop on the box read it.
  await page.evaluate(() => {
    const dt = new DataTransfer();
    const card = document.querySelector('button.open[data-index="1"]')!;
    const input = document.querySelector('input[type="search"]')!;
    card.dispatchEvent(new DragEvent("dragstart", { dataTransfer: dt, bubbles: true, cancelable: true }));
    input.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    input.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.locator(".dropzone")).toHaveCount(0);
  await expect(box).toHaveValue(q1);
  const terms = page.getByRole("group", { name: "Query terms and weights" });
  const weight = terms.getByRole("spinbutton", { name: `weight: like ${id.slice(0, 8)}` });
  await expect(weight).toHaveValue("1");
  await expect(terms.locator("img")).toHaveCount(1);
  await weight.fill("2");
  await weight.press("Enter");
  await expect(box).toHaveValue(q2);
  await expect.poll(async () => (await calls(page, "search")).some((c: any) => c.args.query === q2)).toBe(true);
});

test("the preview shows the picture large and opens it or its folder on the desktop", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.fill("sled");
  await box.press("Enter");
  await page.getByRole("button", { name: /^sled-2\.jpg/ }).click();
  const preview = page.getByRole("dialog", { name: "Preview: sled-2.jpg" });
  const img = preview.locator("img.large");
  await expect(img).toHaveAttribute("src", /svg/);
  await expect(img).toHaveAttribute("alt", "sled-2");
  expect(await img.evaluate((el: HTMLImageElement) => el.getBoundingClientRect().width)).toBeGreaterThan(300);
  // Open is the main action; the rest are in a menu.
  await preview.getByRole("button", { name: "Open", exact: true }).click();
  await preview.getByRole("button", { name: "More actions" }).click();
  await preview.getByRole("menuitem", { name: "Show in folder" }).click();
  expect((await calls(page, "open_item")).map((c: any) => c.args)).toEqual([
    { id: ID(2), reveal: false },
    { id: ID(2), reveal: true },
  ]);
  // The keyboard's way to do what dragging to the box does.
  await preview.getByRole("button", { name: "More actions" }).click();
  await preview.getByRole("menuitem", { name: "Add to query" }).click();
  await expect(box).toHaveValue(`sled similar:${ID(2)}`);
  await expect(box).toBeFocused();
  await box.press("Enter");
  await page.getByRole("button", { name: /^sled-2\.jpg/ }).click();
  await page.getByRole("dialog", { name: "Preview: sled-2.jpg" }).getByRole("button", { name: "More like this" }).click();
  await expect(box).toHaveValue(`similar:${ID(2)}`);
});

test("settings: theme, language and default cutoff apply at once and are kept", async ({ page }) => {
  await page.keyboard.press("Control+,");
  const panel = page.getByRole("dialog", { name: "Settings" });
  await panel.getByLabel("Theme").selectOption("light");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  // The backend hears the window's language (it reads the text in pictures in it).
  await expect.poll(async () => (await calls(page, "set_language")).at(-1)?.args).toEqual({ tag: "en-US" });
  await panel.getByLabel("Language").selectOption("de");
  await expect(page.getByRole("dialog", { name: "Einstellungen" })).toBeVisible();
  await expect.poll(async () => (await calls(page, "set_language")).at(-1)?.args).toEqual({ tag: "de" });
  // A fixed cutoff is a number: offered only once scores show as numbers.
  await expect(page.getByRole("radio", { name: "Fest" })).toHaveCount(0);
  await page.getByRole("checkbox", { name: "Trefferwerte als Zahlen zeigen" }).check();
  await page.getByRole("radio", { name: "Fest" }).check();
  await page.keyboard.press("Escape");
  const box = page.getByRole("searchbox", { name: "Fotos durchsuchen" });
  await expect(box).toHaveAttribute("placeholder", /Beschreibe ein Foto/);
  await box.fill("Schlitten");
  await box.press("Enter");
  await expect.poll(async () => (await calls(page, "search")).at(-1)?.args).toMatchObject({ query: "Schlitten", lang: "de", minScore: 0.2 });
  await page.keyboard.press("Control+Shift+M");
  await expect(page.getByRole("dialog", { name: "Modelle" })).toContainText("Läuft auf");
  await page.keyboard.press("Escape");
  // Kept across restarts.
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await expect(page.getByRole("searchbox", { name: "Fotos durchsuchen" })).toBeVisible();
});

test("a backend that fails at start still shows a window with the error and a way on", async ({ page }) => {
  await page.addInitScript(() => {
    (window as any).__failStatus = true;
  });
  await page.reload();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Clipdex could not open your library");
  await expect(alert).toContainText("store_failed");
  await expect(alert).toContainText("permission denied");
  await expect(alert).toContainText("Nothing was changed or lost");
  await page.evaluate(() => ((window as any).__failStatus = false));
  await alert.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByRole("searchbox", { name: "Search your photos" })).toBeFocused();
});

/** Relative luminance (WCAG) of a computed `rgb(r, g, b)` colour. */
function luminance(css: string): number {
  const m = css.match(/rgba?\((\d+),\s*(\d+),\s*(\d+)/);
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  const [r, g, b] = m.slice(1, 4).map((x) => {
    const c = Number(x) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

for (const theme of ["dark", "light"] as const) {
  const other = theme === "dark" ? "light" : "dark";
  test(`WCAG AA (axe): results, preview, library and settings in the ${theme} theme`, async ({ page }) => {
    // The system asks for the other theme: only the saved setting can give this one.
    // The setting is stored before the window's scripts run: the running window
    // saves its settings whenever the system's scheme changes, and that write
    // could otherwise land after this one.
    await page.emulateMedia({ colorScheme: other });
    await page.addInitScript((t) => localStorage.setItem("clipdex.settings", JSON.stringify({ theme: t })), theme);
    await page.reload();

    /** The window really shows `theme`: the attribute, and the colours it brings, which differ from the other theme's. */
    const themed = async (what: string) => {
      await expect(page.locator("html"), `${what}: data-theme`).toHaveAttribute("data-theme", theme);
      const look = await page.evaluate((o) => {
        const root = document.documentElement;
        const read = () => ({
          background: getComputedStyle(document.body).backgroundColor,
          bg: getComputedStyle(root).getPropertyValue("--bg").trim(),
          text: getComputedStyle(root).getPropertyValue("--text").trim(),
          scheme: getComputedStyle(root).colorScheme,
        });
        const shown = read();
        // The other theme's colours, for comparison (synchronous: never painted).
        const was = root.getAttribute("data-theme")!;
        root.setAttribute("data-theme", o);
        const alt = read();
        root.setAttribute("data-theme", was);
        return { shown, alt, again: read() };
      }, other);
      expect(look.again, `${what}: theme restored after comparing`).toEqual(look.shown);
      expect(look.shown.scheme, `${what}: color-scheme`).toBe(theme);
      expect(look.shown.bg, `${what}: --bg differs between themes`).not.toBe(look.alt.bg);
      expect(look.shown.text, `${what}: --text differs between themes`).not.toBe(look.alt.text);
      expect(look.shown.background, `${what}: body background differs between themes`).not.toBe(look.alt.background);
      const l = luminance(look.shown.background);
      if (theme === "dark") expect(l, `${what}: a dark background (${look.shown.background})`).toBeLessThan(0.2);
      else expect(l, `${what}: a light background (${look.shown.background})`).toBeGreaterThan(0.8);
    };
    /** Nothing moves: no finite animation or transition is running, and two frames have been painted. */
    const settled = async () => {
      await page.waitForFunction(() =>
        document.getAnimations().every((a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity),
      );
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))));
    };
    /** A dialog really open: visible, its first control focused, settled. */
    const opened = async (dialog: Locator, first: Locator) => {
      await expect(dialog).toHaveCount(1);
      await expect(dialog).toBeVisible();
      await expect(first).toBeFocused();
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
      await settled();
    };
    /** Scans the whole window; with `within`, checks that the scan covered it (and it stayed open). */
    const scan = async (what: string, within?: Locator) => {
      await themed(what);
      const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
      const found = r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      expect(found, `${what} (${theme})`).toEqual([]);
      if (within) {
        await expect(within, `${what}: still open after the scan`).toBeVisible();
        const targets = r.passes.flatMap((v) => v.nodes.map((n) => n.target)).filter((t) => t.length === 1).map((t) => String(t[0]));
        const inside = await within.evaluate(
          (el, sels) =>
            sels.filter((s) => {
              try {
                const n = document.querySelector(s);
                return n !== null && el.contains(n);
              } catch {
                return false;
              }
            }).length,
          targets,
        );
        expect(inside, `${what}: axe checked nodes inside it`).toBeGreaterThan(0);
      }
      await themed(what);
    };

    const box = page.getByRole("searchbox");
    await box.fill("sled");
    await box.press("Enter");
    const results = page.getByRole("list", { name: /Results for sled/ });
    await expect(results.getByRole("listitem")).toHaveCount(4);
    await expect(page.getByLabel("searching")).toHaveCount(0);
    await settled();
    await scan("results", results);

    await page.getByRole("button", { name: /^sled-0\.jpg/ }).click();
    const preview = page.getByRole("dialog", { name: "Preview: sled-0.jpg" });
    await opened(preview, preview);
    await expect.poll(() => preview.locator("img.large").evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
    await scan("preview", preview);
    await page.keyboard.press("Escape");
    await expect(preview).toHaveCount(0);

    await page.keyboard.press("Control+Shift+L");
    const library = page.getByRole("dialog", { name: "Library" });
    await opened(library, library.getByRole("button", { name: "Close the library panel" }));
    await expect(library.getByRole("list", { name: "Folders" })).toContainText("/photos");
    await scan("library panel", library);
    await page.keyboard.press("Escape");
    await expect(library).toHaveCount(0);

    await page.keyboard.press("Control+,");
    const settings = page.getByRole("dialog", { name: "Settings" });
    await opened(settings, settings.getByLabel("Theme"));
    await expect(settings.getByLabel("Theme")).toHaveValue(theme);
    await scan("settings", settings);
    await page.keyboard.press("Escape");
    await expect(settings).toHaveCount(0);

    await page.keyboard.press("Control+Shift+M");
    const models = page.getByRole("dialog", { name: "Models" });
    await expect(models.getByText("Runs on")).toBeVisible();
    await opened(models, models.getByRole("button", { name: "Close the models panel" }));
    await scan("models panel", models);
    await page.keyboard.press("Escape");
    await expect(models).toHaveCount(0);

    await page.keyboard.press("Control+Shift+H");
    const heatmap = page.getByRole("region", { name: "Similarity heatmap" });
    await expect(heatmap).toBeVisible();
    await expect(heatmap.getByRole("table").getByRole("cell")).toHaveCount(4);
    await expect(heatmap.locator(".overlay span")).toHaveCount(16);
    await expect(heatmap.getByText(/Where “sled” matches/)).toBeVisible();
    await settled();
    await scan("heatmap", heatmap);
  });
}

test("a change from the watcher is offered, not forced: the preview and the scroll stay", async ({ page }) => {
  const box = page.getByRole("searchbox");
  await box.fill("sled");
  await box.press("Enter");
  await page.getByRole("button", { name: /^sled-1\.jpg/ }).click();
  const before = (await calls(page, "search")).length;
  await page.evaluate(() => (window as any).__emit("library-changed"));
  const offer = page.getByRole("button", { name: "The library changed — refresh the results" });
  await expect(offer).toBeVisible();
  await expect(page.getByRole("dialog", { name: "Preview: sled-1.jpg" })).toBeVisible();
  expect((await calls(page, "search")).length).toBe(before);
  await page.keyboard.press("Escape");
  await offer.click();
  await expect(offer).toHaveCount(0);
  expect((await calls(page, "search")).length).toBe(before + 1);
});

test("clearing the box while a search is still running stops the spinner", async ({ page }) => {
  await page.evaluate(() => ((window as any).__delays = { slow: 1500 }));
  const box = page.getByRole("searchbox");
  await box.fill("slow");
  await box.press("Enter");
  await expect(page.getByLabel("searching")).toBeVisible();
  await box.fill("");
  await box.press("Enter");
  await expect(page.getByLabel("searching")).toHaveCount(0, { timeout: 1000 });
  await page.waitForTimeout(1700);
  await expect(page.getByRole("list", { name: /Results for/ })).toHaveCount(0);
});

test("sorted by date, the longer list is asked again whole (pages of a date sort cannot join up)", async ({ page }) => {
  await page.evaluate(() => {
    (window as any).__total = { everything: 3000 };
    (window as any).__matches = { everything: 3000 };
  });
  const box = page.getByRole("searchbox");
  await box.fill("everything");
  await box.press("Enter");
  await expect(page.locator(".count")).toHaveText("3,000 matches");
  await page.getByRole("button", { name: /^Filters/ }).click();
  await page.getByRole("combobox", { name: "Sort" }).selectOption("date");
  await page.keyboard.press("Escape");
  await expect(page.locator(".count")).toHaveText("3,000 matches");
  const scroller = page.getByTestId("results");
  const dates = async () => (await calls(page, "search")).filter((c: any) => c.args.sort === "date").map((c: any) => [c.args.offset, c.args.limit]);
  for (let i = 0; i < 40 && !(await dates()).some(([, limit]: number[]) => limit === 2000); i++) {
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForTimeout(50);
  }
  await expect(page.locator("li.card")).not.toHaveCount(0);
  const dated = await dates();
  expect(dated).toEqual([[0, 120], [0, 1120], [0, 2000]]);
});

test("opening the library panel shows the library as it is now (a change it was not told of)", async ({ page }) => {
  await expect(page.locator("footer")).toContainText("watching 1 folder");
  await page.evaluate(() => {
    (window as any).__status.watching = [{ folder: "/photos", mode: "polling (the inotify watch limit is reached)" }];
  });
  await page.keyboard.press("Control+Shift+L");
  const panel = page.getByRole("dialog", { name: "Library" });
  await expect(panel).toContainText("Watched by polling: the inotify watch limit is reached");
});
