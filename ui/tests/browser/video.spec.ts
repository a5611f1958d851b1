// Videos in the real built window (headless Chromium, backend mocked): a
// video result is a card with a play mark and the time of its best moment;
// the viewer plays it from that moment, and the moments strip jumps to
// each. The video is a real WebM made by ffmpeg (the set-up installs it).
import { expect, test } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const mock = fileURLToPath(new URL("./mock-ipc.js", import.meta.url));

let videoUrl = "";

test.beforeAll(() => {
  const out = join(mkdtempSync(join(tmpdir(), "clipdex-video-")), "clip.webm");
  execFileSync("ffmpeg", [
    "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10",
    "-t", "6", "-c:v", "libvpx", "-b:v", "200k", out,
  ]);
  videoUrl = "data:video/webm;base64," + readFileSync(out).toString("base64");
});

test.beforeEach(async ({ page }) => {
  await page.addInitScript((url) => ((window as any).__videoUrl = url), videoUrl);
  await page.addInitScript({ path: mock });
  await page.goto("/");
  await expect(page.getByRole("searchbox", { name: "Search your photos" })).toBeVisible();
});

test("a video result shows its best moment's time, plays from it, and jumps between its moments", async ({ page }) => {
  await page.getByRole("searchbox").fill("kids on a red sled");
  const results = page.getByRole("list", { name: /Results for kids on a red sled/ });
  const card = results.getByRole("listitem").nth(1);
  // A film mark with the time, in the card and in its name for screen readers.
  await expect(card).toContainText("00:03");
  await expect(card.getByTitle("Video")).toBeVisible();
  await expect(card.getByRole("button")).toHaveAccessibleName(/kids-1\.mp4, video at 00:03/);
  // Photos have neither.
  await expect(results.getByRole("listitem").first().getByTitle("Video")).toHaveCount(0);

  await card.getByRole("button").click();
  const viewer = page.getByRole("dialog", { name: /kids-1\.mp4/ });
  const player = viewer.locator("video");
  await expect(player).toBeVisible();
  // It starts at the best moment (3.5 s), not from the start, and plays on.
  const now = () => player.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(1);
  const start = await now();
  expect(start).toBeGreaterThanOrEqual(3.4);
  expect(start).toBeLessThan(4.5);
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => !v.paused)).toBe(true);

  // The strip: moments in the order they happen, the one on screen marked.
  const strip = viewer.getByRole("list", { name: "Moments" });
  await expect(strip.getByRole("button")).toHaveText(["00:00", "00:01", "00:03"]);
  await expect(strip.getByRole("button", { name: "Play from 00:03" })).toHaveAttribute("aria-current", "true");
  await strip.getByRole("button", { name: "Play from 00:01" }).click();
  const jumped = await now();
  expect(jumped).toBeGreaterThanOrEqual(1);
  expect(jumped).toBeLessThan(2);
  await expect(strip.getByRole("button", { name: "Play from 00:01" })).toHaveAttribute("aria-current", "true");

  // WCAG AA with the player and the strip on screen.
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);

  // → goes on to the next result: a photo again.
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("dialog", { name: /kids-2\.jpg/ }).locator("video")).toHaveCount(0);
});

test("videos waiting for ffmpeg are listed with the reason", async ({ page }) => {
  await page.evaluate(() => {
    (window as any).__status.skipped = [
      { path: "/photos/beach.mp4", reason: "skipped: videos need ffmpeg, which was not found (install it, or put it beside Clipdex)" },
    ];
    (window as any).__emit("library-changed");
  });
  const footer = page.getByRole("contentinfo");
  await footer.getByRole("button", { name: "1 video not indexed yet" }).click();
  const panel = page.getByRole("dialog", { name: /Library/ });
  await expect(panel.getByRole("heading", { name: "Videos not indexed yet (1)" })).toBeVisible();
  await expect(panel).toContainText("videos need ffmpeg");
  await expect(panel.getByRole("list", { name: "Videos not indexed yet" })).toContainText("/photos/beach.mp4");
});

test("the library is counted as photos and videos", async ({ page }) => {
  const footer = page.getByRole("contentinfo");
  await expect(footer.getByRole("button", { name: "4 photos" })).toBeVisible();
  await page.evaluate(() => {
    Object.assign((window as any).__status, { items: 5, videos: 1 });
    (window as any).__emit("library-changed");
  });
  await expect(footer.getByRole("button", { name: "4 photos, 1 video" })).toBeVisible();
  await footer.getByRole("button", { name: "4 photos, 1 video" }).click();
  await expect(page.getByRole("dialog", { name: /Library/ })).toContainText("4 photos, 1 video");
});
