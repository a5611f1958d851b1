// Words in pictures in the real built window (headless Chromium, backend
// mocked): a result found by words read in its picture has a "Text" badge;
// the viewer marks the words on the picture, where they are, at any window
// size; its info pane shows all the words, which copy with one click; the
// library panel says whether text is read, and why not.
import { expect, test } from "@playwright/test";
import { fileURLToPath } from "node:url";

const mock = fileURLToPath(new URL("./mock-ipc.js", import.meta.url));

test.beforeEach(async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.addInitScript({ path: mock });
  await page.goto("/");
  await expect(page.getByRole("searchbox", { name: "Search your photos" })).toBeVisible();
});

/** The mark's box as fractions of the picture's drawn rectangle (object-fit: contain). */
async function markedAt(page: import("@playwright/test").Page) {
  return page.evaluate(() => {
    const img = document.querySelector(".viewer img.large") as HTMLImageElement;
    const r = img.getBoundingClientRect();
    const scale = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
    const [w, h] = [img.naturalWidth * scale, img.naturalHeight * scale];
    const [left, top] = [r.left + (r.width - w) / 2, r.top + (r.height - h) / 2];
    return [...document.querySelectorAll(".viewer .found mark")].map((m) => {
      const b = m.getBoundingClientRect();
      return { title: m.getAttribute("title"), x: (b.left - left) / w, y: (b.top - top) / h, w: b.width / w, h: b.height / h };
    });
  });
}

test("words found in a picture are badged, marked where they are, and copied", async ({ page }) => {
  await page.getByRole("searchbox").fill("acme");
  const results = page.getByRole("list", { name: /Results for acme/ });
  const first = results.getByRole("listitem").first();
  await expect(first.getByText("Text", { exact: true })).toBeVisible();
  await expect(first.getByRole("button")).toHaveAccessibleName(/shop\.jpg, .*words in the photo/);
  // Other results were not found by words: no badge.
  await expect(results.getByRole("listitem").nth(1).getByText("Text", { exact: true })).toHaveCount(0);

  await first.getByRole("button").click();
  const viewer = page.getByRole("dialog", { name: "Preview: shop.jpg" });
  await expect(viewer.locator(".found mark")).toHaveCount(1);
  for (const size of [{ width: 1280, height: 860 }, { width: 700, height: 900 }]) {
    await page.setViewportSize(size);
    // The box covers the word on the picture (0.1, 0.1, 0.25 × 0.1), a few pixels' margin aside.
    const off = async () => {
      const [m] = await markedAt(page);
      return m?.title === "ACME" ? Math.max(Math.abs(m.x - 0.1), Math.abs(m.y - 0.1), Math.abs(m.w - 0.25), Math.abs(m.h - 0.1)) : 1;
    };
    await expect.poll(off).toBeLessThan(0.03);
  }

  // The info pane: every word read, and a button that copies them.
  const infoButton = viewer.getByRole("button", { name: "Info" });
  if ((await infoButton.getAttribute("aria-pressed")) !== "true") await infoButton.click();
  const info = viewer.getByRole("complementary", { name: "Info" });
  await expect(info).toContainText("Text in the photo");
  await expect(info).toContainText("ACME HARDWARE OPEN");
  await info.getByRole("button", { name: "Copy text" }).click();
  await expect(viewer.getByRole("status")).toHaveText("Text copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("ACME HARDWARE OPEN");

  // A photo without words: no marks, nothing to copy.
  await page.keyboard.press("ArrowRight");
  const next = page.getByRole("dialog", { name: /acme-1\.jpg/ });
  await expect(next).toBeVisible();
  await expect(next.locator(".found mark")).toHaveCount(0);
  await expect(next.getByRole("complementary", { name: "Info" })).not.toContainText("Text in the photo");
});

test("the library panel says whether text in photos is read", async ({ page }) => {
  const footer = page.getByRole("contentinfo");
  await footer.getByRole("button", { name: "4 photos" }).click();
  const panel = page.getByRole("dialog", { name: /Library/ });
  await expect(panel).toContainText("Photos with words in them: 1 · tesseract 5.3.0, eng");
  await page.evaluate(() => {
    (window as any).__status.text = {
      engine: null,
      offReason: "Tesseract is not installed (apt install tesseract-ocr, brew install tesseract, or the Windows installer)",
      languages: [],
      read: 0,
      withText: 0,
      waiting: 0,
    };
    (window as any).__emit("library-changed");
  });
  await expect(panel).toContainText("Text in photos is off: Tesseract is not installed");
});
