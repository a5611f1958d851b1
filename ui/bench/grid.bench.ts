// Benchmark, not a test: the virtualised results grid against a plain grid
// with every card in the page (what the window did before), on the same
// cards, in the same Chromium, in the same run. Prints one line per size.
//   npx playwright test --config bench/playwright.config.ts
import { test } from "@playwright/test";
import { fileURLToPath } from "node:url";

const mock = fileURLToPath(new URL("../tests/browser/mock-ipc.js", import.meta.url));

/** ms per frame while jumping through the list: 30 scroll positions, one frame each. */
const scrollFrames = `async (el) => {
  const t0 = performance.now();
  for (let k = 0; k < 30; k++) {
    el.scrollTop = Math.floor((k / 30) * (el.scrollHeight - el.clientHeight));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }
  return (performance.now() - t0) / 30;
}`;

for (const n of [1_000, 10_000, 100_000]) {
  test(`grid ${n}`, async ({ page }) => {
    test.setTimeout(600_000);
    await page.addInitScript({ path: mock });
    await page.goto("/");
    await page.evaluate((t) => ((window as any).__total = { everything: t }), n);

    // Clipdex: type, then scroll until every page is in.
    const t0 = Date.now();
    const box = page.getByRole("searchbox");
    await box.fill("everything");
    await box.press("Enter");
    await page.locator("li.card").first().waitFor();
    const firstMs = Date.now() - t0;
    const scroller = page.getByTestId("results");
    const want = `${n.toLocaleString("en-US")} results`;
    while ((await page.locator(".count").textContent()) !== want) {
      await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.waitForTimeout(5);
    }
    const allMs = Date.now() - t0;
    const ours = await scroller.evaluate(new Function(`return (${scrollFrames})`)() as (el: Element) => Promise<number>);
    const cards = await page.locator("li.card").count();

    // The plain grid: the same hits, every card in the page, the same CSS classes.
    const plain = await page.evaluate(async (count) => {
      const hits = await (window as any).__TAURI_INTERNALS__.invoke("search", { query: "everything", offset: 0, limit: count });
      const main = document.querySelector("main")!;
      main.innerHTML = "";
      main.style.overflowY = "auto";
      const t = performance.now();
      const ul = document.createElement("ul");
      ul.className = "grid plain";
      ul.style.cssText = "display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px;list-style:none;padding:0 16px";
      ul.innerHTML = hits.hits
        .map((h: any) => `<li class="card"><button class="open"><img src="${h.thumbnail}" alt="" loading="lazy"><span class="score">${h.score.toFixed(3)}</span><span class="name">${h.path}</span></button></li>`)
        .join("");
      main.appendChild(ul);
      void main.scrollHeight;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return { renderMs: performance.now() - t, el: null };
    }, n);
    const plainFrame = await page.locator("main").evaluate(new Function(`return (${scrollFrames})`)() as (el: Element) => Promise<number>);
    console.log(
      `BENCH grid n=${n}: clipdex first screen ${firstMs} ms, all ${n} paged in ${allMs} ms, ${cards} cards in the page, ` +
        `${ours.toFixed(1)} ms/frame | plain grid: render ${plain.renderMs.toFixed(0)} ms, ${plainFrame.toFixed(1)} ms/frame | ` +
        `frame ratio plain/clipdex ${(plainFrame / ours).toFixed(1)}×`,
    );
  });
}
