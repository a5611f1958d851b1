// A first run in the real built window, its backend mocked (mock-ipc.js):
// no model (the registry's models, the recommended one first; a download
// with progress and cancel; an offline install from a picked folder), no
// folders (the Pictures folder offered), and the first index running (a
// search shows what is indexed so far, and again as more arrives), and
// opening another library from Settings.
import { expect, test, type Page } from "@playwright/test";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";

const mock = fileURLToPath(new URL("./mock-ipc.js", import.meta.url));

async function calls(page: Page, cmd: string): Promise<any[]> {
  return page.evaluate((c) => (window as any).__calls.filter((x: any) => x.cmd === c), cmd);
}

/** Opens the window on a library in the given state (before the mock backend starts). */
async function start(page: Page, state: Record<string, unknown>) {
  await page.addInitScript((s) => ((window as any).__firstRun = s), state);
  await page.addInitScript({ path: mock });
  await page.goto("/");
}

const NEW = { needsModel: true, items: 0, files: 0, folders: [], failures: [], watching: [], modelId: null, modelName: null, modelDir: null, suggestedFolder: "/home/me/Pictures" };

test("with no model, the window offers the registry's models, the recommended one first, and downloads it with progress and cancel", async ({ page }) => {
  await start(page, NEW);
  await expect(page.getByRole("heading", { name: "Choose how Clipdex sees your photos" })).toBeVisible();
  // No error on a first run, and no search box to type into yet.
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByRole("searchbox")).toHaveCount(0);
  const models = page.locator("ul.models > li");
  await expect(models).toHaveCount(2);
  // Each model by the name people know it by, the recommended one first.
  await expect(models.first()).toContainText("CLIP ViT-B/32 (OpenAI)");
  await expect(models.first()).toContainText("Recommended");
  await expect(models.first()).toContainText("About 605 MB to download");
  await expect(models.first()).toContainText("Reads en");
  await expect(models.first()).toContainText("Licence MIT");
  await expect(models.first()).toContainText("ImageNet-1k zero-shot top-1 63.3");
  await expect(models.nth(1)).not.toContainText("Recommended");
  await expect(models.nth(1)).toContainText("Reads 5 languages");

  const a11y = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(a11y.violations.map((v) => `${v.id}: ${v.nodes.length}`)).toEqual([]);

  // Downloading: how far, in megabytes, and a way to stop.
  await page.evaluate(() => ((window as any).__tick = 100));
  await models.first().getByRole("button", { name: "Download" }).click();
  const task = page.locator("section.task");
  await expect(task).toContainText(/Downloading CLIP ViT-B\/32 \(OpenAI\)… \d+ MB of 605 MB/);
  await expect(task.getByRole("progressbar")).toBeVisible();
  await expect(page.getByRole("button", { name: "Download" }).first()).toBeDisabled();
  await task.getByRole("button", { name: "Cancel" }).click();
  await expect(task).toHaveCount(0);
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect((await calls(page, "cancel_model_task")).length).toBe(1);
  await expect(page.getByRole("heading", { name: "Choose how Clipdex sees your photos" })).toBeVisible();

  // Again, to the end: the library's next step is its photos.
  await page.evaluate(() => ((window as any).__tick = 10));
  await models.first().getByRole("button", { name: "Download" }).click();
  await expect(page.getByRole("heading", { name: "Add your photos" })).toBeVisible();
  expect((await calls(page, "models_pull")).map((c) => c.args.id)).toEqual(["ViT-B-32__openai", "ViT-B-32__openai"]);
});

test("offline, a model is installed from a folder the user picks", async ({ page }) => {
  await start(page, NEW);
  await page.evaluate(() => ((window as any).__pick = "/media/usb/tiny-clip"));
  await page.getByRole("button", { name: "Install from a folder…" }).click();
  await expect(page.getByRole("heading", { name: "Add your photos" })).toBeVisible();
  const picked = await calls(page, "plugin:dialog|open");
  expect(picked[0].args.options.directory).toBe(true);
  expect((await calls(page, "models_install")).map((c) => c.args.path)).toEqual(["/media/usb/tiny-clip"]);
  // Nothing was downloaded.
  expect(await calls(page, "models_pull")).toEqual([]);
});

test("a cancelled pick installs nothing", async ({ page }) => {
  await start(page, NEW);
  await page.getByRole("button", { name: "Install from an archive…" }).click();
  await expect(page.getByRole("heading", { name: "Choose how Clipdex sees your photos" })).toBeVisible();
  expect(await calls(page, "models_install")).toEqual([]);
});

test("with no folders, the Pictures folder is offered; the first index starts at once and a search shows what is indexed so far", async ({ page }) => {
  await start(page, { ...NEW, needsModel: false, modelId: null, modelName: null });
  await expect(page.getByRole("heading", { name: "Add your photos" })).toBeVisible();
  await expect(page.locator(".empty")).toContainText("/home/me/Pictures");
  await page.evaluate(() => ((window as any).__tick = 200));
  await page.getByRole("button", { name: "Add your Pictures folder" }).click();
  expect((await calls(page, "index_folders")).map((c) => c.args.folders)).toEqual([["/home/me/Pictures"]]);
  await expect(page.getByRole("region", { name: "Indexing" })).toContainText(/Indexing \d+ of 200/);

  // A search typed now searches what is there, and again as more arrives.
  await page.getByRole("searchbox", { name: "Search your photos" }).fill("a red sled");
  await expect(page.locator("li.card").first()).toBeVisible();
  const first = (await calls(page, "search")).length;
  // Searched again while the index still runs (not only when it ends).
  const during = async () => ((await page.evaluate(() => !!(window as any).__run)) ? (await calls(page, "search")).length : -1);
  await expect.poll(during, { timeout: 6000 }).toBeGreaterThan(first);
  expect((await calls(page, "index_folders")).length).toBe(1);
});

test("Settings says which version this is and where the library and models live", async ({ page }) => {
  await start(page, {});
  await page.keyboard.press("Control+,");
  const about = page.getByRole("region", { name: "About Clipdex" });
  await expect(about).toContainText("Version 0.1.0");
  await expect(about).toContainText("/home/me/.local/share/clipdex/library");
  await expect(about).toContainText("/home/me/.cache/clipdex/models");
});

test("another library opens from a picked folder; a folder of photos is refused and the open library stays", async ({ page }) => {
  await start(page, {});
  await expect(page.getByRole("button", { name: "4 photos" })).toBeVisible();
  await page.keyboard.press("Control+,");
  const about = page.getByRole("region", { name: "About Clipdex" });
  const open = about.getByRole("button", { name: "Open another library…" });

  await page.evaluate(() => ((window as any).__pick = "/home/me/Pictures"));
  await open.click();
  await expect(about.getByRole("alert")).toContainText("not a Clipdex library");
  await expect(about.getByTestId("library-path")).toHaveText("/home/me/.local/share/clipdex/library");

  const before = (await calls(page, "library_status")).length;
  await page.evaluate(() => ((window as any).__pick = "/media/usb/trip-library"));
  await open.click();
  await expect(about.getByTestId("library-path")).toHaveText("/media/usb/trip-library");
  await expect(about.getByRole("alert")).toHaveCount(0);
  expect((await calls(page, "library_open")).map((c) => c.args.path)).toEqual(["/home/me/Pictures", "/media/usb/trip-library"]);
  // The window asks the new library for its status: empty, so it offers the Pictures folder.
  await expect.poll(async () => (await calls(page, "library_status")).length).toBeGreaterThan(before);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: "Add your Pictures folder" })).toBeVisible();
});
