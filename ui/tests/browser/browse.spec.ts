// The window opens on the library and a query never empties it (issue 16,
// points 1 and 2): an empty query browses every photo newest first under
// month headings, filters alone browse too, and a search shows its matches
// first, then the weaker ones below a line, with an exact count.
import { expect, test, type Page } from "@playwright/test";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";

const mock = fileURLToPath(new URL("./mock-ipc.js", import.meta.url));

async function start(page: Page, state: Record<string, unknown> = {}) {
  await page.addInitScript((s) => ((window as any).__firstRun = s), state);
  await page.addInitScript({ path: mock });
  await page.goto("/");
}

const searches = (page: Page) => page.evaluate(() => (window as any).__calls.filter((c: any) => c.cmd === "search").map((c: any) => c.args));

test("the window opens on the library, newest first, under month headings", async ({ page }) => {
  // 30 photos, four days apart from 28 December 2024 back.
  await start(page, { items: 30 });
  const grid = page.getByRole("list", { name: "All photos" });
  await expect(grid).toBeVisible();
  await expect(page.locator(".count")).toHaveText("30 photos");
  const headings = grid.getByRole("heading", { level: 2 });
  await expect(headings.first()).toHaveText("December 2024");
  await expect(headings.nth(1)).toHaveText("November 2024");
  // December holds photos 0–6 (28 Dec to 4 Dec); November starts on a row of its own.
  const first = await page.locator('button.open[data-index="0"]').boundingBox();
  const nov = await page.locator('button.open[data-index="7"]').boundingBox();
  expect(first && nov && Math.abs(nov.x - first.x) < 1).toBe(true);
  // Browsing shows no scores, and says when each photo is from.
  await expect(page.locator(".score")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "photo-0.jpg, Dec 28, 2024" })).toBeVisible();
  // No hint text in the page: the search box's placeholder says what to do,
  // and the query syntax shows only once the user clicks into the box.
  await expect(page.getByRole("searchbox")).toHaveAttribute("placeholder", /Describe a photo/);
  await expect(page.getByRole("searchbox")).toBeFocused();
  await expect(page.getByRole("region", { name: "Query syntax" })).toHaveCount(0);
  await page.getByRole("searchbox").click();
  await expect(page.getByRole("region", { name: "Query syntax" })).toBeVisible();
  expect((await searches(page))[0]).toMatchObject({ query: "", offset: 0 });
});

test("a query replaces the library with results; clearing the box brings the library back", async ({ page }) => {
  await start(page, { items: 30 });
  const box = page.getByRole("searchbox");
  await box.fill("sled");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: "Results for sled" })).toBeVisible();
  await expect(page.locator(".score").first()).toBeVisible();
  await box.fill("");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: "All photos" })).toBeVisible();
  await expect(page.locator(".count")).toHaveText("30 photos");
});

test("filters alone browse the photos they keep, counted exactly, and page in as it scrolls", async ({ page }) => {
  await start(page, { items: 30 });
  await page.evaluate(() => {
    const w = window as any;
    w.__outlines["after:2024-06-01"] = { parts: [{ start: 0, atomStart: 0, end: 16, kind: "filter", label: "after:2024-06-01", weight: null }], error: null };
    w.__total["after:2024-06-01"] = 500;
  });
  const box = page.getByRole("searchbox");
  await box.fill("after:2024-06-01");
  await box.press("Enter");
  await expect(page.locator(".count")).toHaveText("500 photos");
  await expect(page.getByRole("list", { name: "All photos" })).toBeVisible();
  await page.getByTestId("results").evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect.poll(async () => (await searches(page)).filter((a: any) => a.query === "after:2024-06-01").map((a: any) => a.offset)).toEqual([0, 120]);
  // Every page joins up: the last photo is reachable with End.
  await page.locator("button.open").first().focus();
  await page.keyboard.press("End");
  await expect(page.getByRole("button", { name: /^photo-499\.jpg/ })).toBeFocused();
});

test("a search shows its matches, then the weaker ones below a line, and counts only the matches", async ({ page }) => {
  await start(page);
  await page.evaluate(() => {
    (window as any).__total = { sled: 12, cat: 6 };
    (window as any).__matches = { sled: 3, cat: 0 };
  });
  const box = page.getByRole("searchbox");
  await box.fill("sled");
  await box.press("Enter");
  const grid = page.getByRole("list", { name: "Results for sled" });
  await expect(grid.locator("li.card")).toHaveCount(12);
  await expect(page.locator(".count")).toHaveText("3 matches");
  const line = grid.getByRole("heading", { name: "Weaker matches" });
  await expect(line).toBeVisible();
  // The line sits between the third and the fourth result, which starts a row.
  const [third, line_, fourth] = await Promise.all([
    page.locator('button.open[data-index="2"]').boundingBox(),
    line.boundingBox(),
    page.locator('button.open[data-index="3"]').boundingBox(),
  ]);
  const first = await page.locator('button.open[data-index="0"]').boundingBox();
  expect(third && line_ && fourth && first).toBeTruthy();
  expect(line_!.y).toBeGreaterThan(third!.y + third!.height - 1);
  expect(fourth!.y).toBeGreaterThan(line_!.y);
  expect(Math.abs(fourth!.x - first!.x)).toBeLessThan(1);
  // ↓ from a match goes over the line to the weaker result below it.
  await page.locator('button.open[data-index="1"]').focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.locator('button.open[data-index="4"]')).toBeFocused();
  // A query with no close match still shows the nearest photos, and says so.
  await box.fill("cat");
  await box.press("Enter");
  await expect(page.locator(".count")).toHaveText("No close matches");
  await expect(page.getByRole("heading", { name: "No close matches — the nearest photos" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Results for cat" }).locator("li.card")).toHaveCount(6);
  await expect(page.getByText(/No matches for/)).toHaveCount(0);
});

for (const scheme of ["dark", "light"] as const) {
  test(`WCAG AA (axe): the library browsed and the weaker matches line, ${scheme} theme`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await start(page, { items: 30 });
    await expect(page.getByRole("list", { name: "All photos" })).toBeVisible();
    const scan = async () => {
      const found = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
      return found.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`);
    };
    expect(await scan()).toEqual([]);
    await page.evaluate(() => ((window as any).__matches = { sled: 1 }));
    await page.getByRole("searchbox").fill("sled");
    await page.getByRole("searchbox").press("Enter");
    await expect(page.getByRole("heading", { name: "Weaker matches" })).toBeVisible();
    expect(await scan()).toEqual([]);
  });
}

test("Strict, Balanced and Loose move the line; numbers show only when asked for", async ({ page }) => {
  await start(page);
  const box = page.getByRole("searchbox");
  await box.fill("sled");
  await box.press("Enter");
  const strictness = page.getByRole("radiogroup", { name: "Matches" });
  await expect(strictness.getByRole("radio", { name: "Balanced" })).toBeChecked();
  // No cosine slider and no numbers by default.
  await expect(page.getByRole("slider")).toHaveCount(0);
  await expect(page.locator("li.card").first()).not.toContainText(/\d\.\d{3}/);
  await strictness.getByText("Strict").click();
  await expect.poll(async () => (await searches(page)).at(-1)).toMatchObject({ query: "sled", strictness: "strict", minScore: null });
  await strictness.getByText("Loose").click();
  await expect.poll(async () => (await searches(page)).at(-1)).toMatchObject({ strictness: "loose" });
  // Settings › Show match scores as numbers: cosines on the cards, in the preview and a slider.
  await page.keyboard.press("Control+,");
  await page.getByRole("checkbox", { name: "Show match scores as numbers" }).check();
  await page.keyboard.press("Escape");
  await expect(page.locator("li.card .score").first()).toHaveText("0.310");
  await page.getByRole("button", { name: /^Filters/ }).click();
  await expect(page.getByRole("slider", { name: "Relevance cutoff" })).toBeVisible();
  await page.keyboard.press("Escape");
  await page.locator("li.card button.open").first().click();
  await expect(page.getByRole("dialog", { name: /Preview/ })).toContainText("cosine 0.310 · #1 by meaning");
});

test("the viewer fills the window at any size, and its path breaks only between folders", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await start(page);
  const box = page.getByRole("searchbox");
  await box.fill("alpine-butterflies");
  await box.press("Enter");
  await page.getByRole("button", { name: /^alpine-butterflies-1\.jpg/ }).click();
  const viewer = page.getByRole("dialog", { name: "Preview: alpine-butterflies-1.jpg" });
  await expect(viewer).toBeVisible();
  const box1280 = await viewer.locator("img.large").boundingBox();
  expect(box1280!.width).toBeGreaterThan(700);
  // Each folder and the file name stay whole: one line each.
  const lines = await viewer.locator("#viewer-path .seg").evaluateAll((els) => els.map((e) => [e.textContent, e.getClientRects().length]));
  expect(lines).toEqual([["/", 1], ["photos/", 1], ["alpine-butterflies-1.jpg", 1]]);
  // At the window's minimum size the viewer still fits: no sideways scrolling, the photo and its controls in view.
  await page.setViewportSize({ width: 640, height: 420 });
  expect(await viewer.evaluate((v) => v.scrollWidth <= v.clientWidth)).toBe(true);
  expect((await viewer.locator("img.large").boundingBox())!.width).toBeGreaterThan(200);
  for (const name of ["Close", "Open", "Next photo", "More actions"]) await expect(viewer.getByRole("button", { name, exact: true })).toBeInViewport();
});

test("at the minimum window size the photos keep the room: one line of controls, Filters in a popover, folded while scrolling", async ({ page }) => {
  await page.setViewportSize({ width: 640, height: 420 });
  await start(page);
  await page.evaluate(() => ((window as any).__total = { sled: 200 }));
  const box = page.getByRole("searchbox");
  await box.fill("sled");
  await box.press("Enter");
  const tools = page.getByRole("region", { name: "Result options" });
  await expect(tools).toBeVisible();
  expect((await tools.boundingBox())!.height).toBeLessThan(48);
  const grid = page.getByTestId("results");
  expect((await grid.boundingBox())!.height).toBeGreaterThan(250);
  // Sort, how to match (and the cosine slider, with numbers) are in one popover.
  await expect(page.getByRole("combobox", { name: "Sort" })).toHaveCount(0);
  const filters = page.getByRole("button", { name: /^Filters/ });
  await filters.click();
  const pop = page.getByRole("dialog", { name: "Filters" });
  await pop.getByRole("combobox", { name: "Sort" }).selectOption("date");
  await expect(filters).toContainText("Filters · 1");
  await page.keyboard.press("Escape");
  await expect(pop).toHaveCount(0);
  await expect(filters).toBeFocused();
  // Scrolling down the results folds the bar away; scrolling back up brings it back.
  await grid.evaluate((el) => (el.scrollTop = 400));
  await grid.evaluate((el) => el.dispatchEvent(new Event("scroll")));
  await grid.evaluate((el) => (el.scrollTop = 900));
  await expect(tools).toHaveCount(0);
  await grid.evaluate((el) => (el.scrollTop = 700));
  await expect(tools).toBeVisible();
});

test("the timeline on the right edge jumps through the years, loading what it needs", async ({ page }) => {
  // 400 photos, four days apart: from 28 December 2024 back into 2020.
  await start(page, { items: 400 });
  const timeline = page.getByRole("slider", { name: "Timeline" });
  await expect(timeline).toBeVisible();
  for (const year of ["2024", "2023", "2022", "2021"]) await expect(timeline).toContainText(year);
  await expect(timeline).toHaveAttribute("aria-valuetext", "December 2024");
  // Page Down: a year on, its newest month at the top of the grid.
  await timeline.focus();
  await page.keyboard.press("PageDown");
  await expect(timeline).toHaveAttribute("aria-valuetext", "December 2023");
  const heading = async () =>
    page.evaluate(() => {
      const top = document.querySelector('[data-testid="results"]')!.getBoundingClientRect().top;
      const hs = [...document.querySelectorAll("ul.grid h2")].filter((h) => h.getBoundingClientRect().bottom > top);
      return hs[0]?.textContent ?? null;
    });
  await expect.poll(heading).toBe("December 2023");
  // A click near the bottom: the pages before it load, and the grid is there.
  const box = (await timeline.boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height * 0.97);
  await expect.poll(heading, { timeout: 10_000 }).toMatch(/2020/);
  const offsets = (await searches(page)).filter((a: any) => a.query === "").map((a: any) => a.offset);
  expect(offsets).toEqual([0, 120, 1120].slice(0, offsets.length));
  expect(offsets.length).toBeGreaterThanOrEqual(2);
});
