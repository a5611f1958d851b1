// The screenshots in docs/screenshots/: the real desktop app (debug build)
// with the fixture library, at the window's minimum size (640×420) and at
// 1280×800, in the light and the dark theme, for the library browsed, a
// search's results, the viewer and the heatmap. Run by scripts/screens.sh.
//   node tests/e2e/screens.e2e.mjs APP OUT_DIR
import { mkdirSync } from "node:fs";
import { KEY, check, driver, session, until } from "./webdriver.mjs";

const [app, out] = process.argv.slice(2);
const { wd } = driver();
const { sid, s, run, shot, keys } = await session(wd, app);
const settled = () => run(`return [...document.images].every(i => i.complete && i.naturalWidth > 0)`);
const gridName = () => run(`return document.querySelector("ul.grid")?.getAttribute("aria-label") ?? null`);
const type = (text) =>
  run(`const i = document.querySelector("input[type=search]"); i.value = arguments[0]; i.dispatchEvent(new Event("input", { bubbles: true }));`, [text]);
const QUERY = "a red motorcycle";

try {
  mkdirSync(out, { recursive: true });
  await until("the window", () => run(`return !!document.querySelector("input[type=search]")`));
  for (const theme of ["light", "dark"]) {
    await run(`localStorage.setItem("clipdex.settings", JSON.stringify({ theme: arguments[0] })); location.reload();`, [theme]);
    await until(`the ${theme} theme`, () => run(`return document.documentElement.dataset.theme === arguments[0] && !!document.querySelector("ul.grid")`, [theme]));
    for (const [w, h] of [[1280, 800], [640, 420]]) {
      await wd("POST", s("/window/rect"), { width: w, height: h });
      const inner = await until("the window's size", async () => {
        const [iw, ih] = await run(`return [innerWidth, innerHeight]`);
        return Math.abs(iw - w) <= 2 && Math.abs(ih - h) <= 40 ? [iw, ih] : null;
      });
      const tag = `${w}x${h}-${theme}`;
      // The library browsed, as the window opens on it.
      await run(`location.reload()`);
      await until("the library", async () => (await gridName()) === "All photos" && (await run(`return !document.querySelector(".search .spinner")`)));
      await until("thumbnails", settled);
      await shot(out, `browse-${tag}.png`);
      // A search's results.
      await type(QUERY);
      await until("the results", async () => (await gridName()) === `Results for ${QUERY}` && (await run(`return !document.querySelector(".search .spinner")`)));
      await until("thumbnails", settled);
      await shot(out, `search-${tag}.png`);
      // The viewer on the first result.
      await run(`document.querySelector("li.card button.open").click()`);
      await until("the viewer", () => run(`const i = document.querySelector(".viewer img.large"); return !!(i && i.complete && i.naturalWidth > 0)`));
      await shot(out, `viewer-${tag}.png`);
      await keys(KEY.escape);
      await until("the viewer to close", () => run(`return !document.querySelector(".viewer")`));
      // The heatmap, and where the query matches in the first result.
      await run(`[...document.querySelectorAll(".views button")].find(b => b.textContent.includes("Heatmap")).click()`);
      await until("the heatmap", () => run(`return document.querySelectorAll(".overlay span").length === 16`));
      await until("thumbnails", settled);
      await shot(out, `heatmap-${tag}.png`);
      await run(`[...document.querySelectorAll(".views button")].find(b => b.textContent.includes("Grid")).click()`);
      check(true, `${tag}: browse, search, viewer and heatmap (${inner.join("×")} inside)`);
    }
  }
} finally {
  await wd("DELETE", `/session/${sid}`).catch(() => {});
}
console.log("screens: all taken");
