// End to end: the real desktop app (debug build) with a real library and the
// fixture model, driven over W3C WebDriver by tauri-driver (which runs
// WebKitWebDriver) under Xvfb. Browses the library (an empty query), types a query, moves through the
// results with the keyboard (the selection ring), opens the viewer and goes through it with ← and → (the full
// picture over media://), finds a photo by the words on it (OCR), checks the real parser's syntax error, opens the
// library panel, drops an image, opens the heatmap, adds a video to the
// watched folder and plays it from the moment a dropped photo finds, and
// saves screenshots. Run by scripts/e2e.sh.
//   node tests/e2e/app.e2e.mjs APP LIBRARY PHOTOS_DIR SCREENSHOT_DIR VIDEO
import { copyFileSync, readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ELEMENT, KEY, check, driver, session, until } from "./webdriver.mjs";

const [app, library, photos, shots, video] = process.argv.slice(2);
const { wd } = driver();
const { sid, s, run, shot, keys } = await session(wd, app);
// Cards as [file name, score] pairs, in order.
const cards = () =>
  run(`return [...document.querySelectorAll("li.card")].map(c => [c.querySelector(".name")?.textContent, Number(c.querySelector(".score")?.textContent)])`);
// The grid's name: "All photos" while browsing, "Results for <query>" after a search.
const gridName = () => run(`return document.querySelector("ul.grid")?.getAttribute("aria-label") ?? null`);
// Rendering is done when every thumbnail has loaded.
const settled = () => run(`return [...document.images].every(i => i.complete && i.naturalWidth > 0)`);

try {
  mkdirSync(shots, { recursive: true });
  const box = await until("the search box", () => wd("POST", s("/element"), { using: "css selector", value: "input[type=search]" }));
  const status = await until("the library status", () =>
    run(`return document.querySelector("footer")?.textContent.includes("photos") ? document.querySelector("footer").textContent : null`),
  );
  check(/12 photos/.test(status), `the footer counts the library's 12 photos (${status.trim().slice(0, 60)}…)`);

  // The window opens on the library: every photo, newest first, under a month heading.
  const browsed = await until("the library browsed", async () => ((await gridName()) === "All photos" ? cards() : null));
  const browse = await run(`return [document.querySelector(".count")?.textContent, document.querySelector("ul.grid h2")?.textContent]`);
  check(browse[0] === "12 photos" && /\d{4}/.test(browse[1] ?? ""), `an empty query browses the 12 photos under a month heading (${browse.join(", ")})`);
  const scores = await run(`return document.querySelectorAll("li.card .score").length`);
  check(browsed.length === 12 && scores === 0, `browsing shows all 12 photos and no scores (${browsed.length} cards, ${scores} scores)`);
  await until("thumbnails to render", settled);
  await shot(shots, "browse.png");

  // Typing a query: the file named for it comes first (keywords plus meaning).
  await wd("POST", s(`/element/${box[ELEMENT]}/value`), { text: "a red motorcycle" });
  const typed = await until("results for the typed query", async () => {
    const c = (await gridName()) === "Results for a red motorcycle" && (await cards());
    return c && c.length > 0 && c;
  });
  check(typed[0][0] === "motorcycle_left.png", `typing "a red motorcycle" puts motorcycle_left.png first (${typed.map((c) => c[0]).join(", ")})`);
  await until("thumbnails to render", settled);
  await shot(shots, "search.png");

  // The keyboard: ↓ from the box to the grid, → to the second result. The
  // selection ring is drawn from the grid's own index (WebKitGTK shows no
  // :focus-visible for these moves).
  await run(`document.querySelector("input[type=search]").focus()`);
  await keys(KEY.down, KEY.right);
  const ring = await until("the selection ring", () =>
    run(`const li = document.querySelector("li.card.active"); if (!li) return null; const s = getComputedStyle(li);
         return [li.querySelector("button.open").dataset.index, document.activeElement === li.querySelector("button.open"), s.outlineStyle, s.outlineWidth]`),
  );
  check(ring[0] === "1" && ring[1] === true && ring[2] === "solid" && ring[3] === "3px", `↓ → focuses the second result and draws its ring (${ring.join(", ")})`);
  await shot(shots, "focus-ring.png");

  // Enter opens the viewer on it: the picture itself (media://, by id), not the thumbnail.
  const viewer = () => run(`return document.querySelector(".viewer")?.getAttribute("aria-label") ?? null`);
  await keys(KEY.enter);
  await until("the viewer", async () => (await viewer()) === `Preview: ${typed[1][0]}`);
  const large = await until("the viewer's picture", () =>
    run(`const i = document.querySelector(".viewer img.large"); return i && i.complete && i.naturalWidth > 0 && i.currentSrc.includes("media") ? [i.naturalWidth, i.naturalHeight, document.querySelector(".viewer dl").textContent, i.getBoundingClientRect().width] : null`),
  );
  const size = /(\d+) × (\d+)/.exec(large[2]);
  check(size && Number(size[1]) === large[0] && Number(size[2]) === large[1], `the viewer shows the full picture, ${large[0]}×${large[1]} (the thumbnail is smaller)`);
  check(large[3] > 500, `the viewer fills the window (the picture is ${Math.round(large[3])} px wide)`);
  // → and ← go through the results; the grid's ring follows behind.
  await keys(KEY.right);
  const third = await until("the next photo", async () => ((await viewer()) === `Preview: ${typed[2][0]}` ? viewer() : null));
  const behind = await run(`return document.querySelector("li.card.active button.open")?.dataset.index ?? null`);
  check(third && behind === "2", `→ shows the third result (${typed[2][0]}) and the ring follows (${behind})`);
  await keys(KEY.left);
  await until("the previous photo", async () => (await viewer()) === `Preview: ${typed[1][0]}`);
  await until("thumbnails to render", settled);
  await shot(shots, "viewer.png");
  // Esc closes it, and the focus and ring are back on the result it showed.
  await keys(KEY.escape);
  const back = await until("the grid again", () =>
    run(`return document.querySelector(".viewer") ? null : [document.activeElement?.dataset?.index, document.querySelector("li.card.active button.open")?.dataset.index]`),
  );
  check(back[0] === "1" && back[1] === "1", `Esc closes the viewer; the focus and the ring are on the second result (${back.join(", ")})`);

  // Words in a picture: brick.png carries a sign reading ACME HARDWARE (read
  // by Tesseract when the library was indexed); "acme" finds it first, with a
  // "Text" badge, and the viewer marks the word on the picture.
  await run(`const i = document.querySelector("input[type=search]"); i.value = "acme"; i.dispatchEvent(new Event("input", { bubbles: true }));`);
  const byWords = await until("results for acme", async () => {
    const c = (await gridName()) === "Results for acme" && (await cards());
    return c && c.length > 0 && c;
  });
  const badge = await run(`return document.querySelector("li.card .text-badge")?.textContent ?? null`);
  check(byWords[0][0] === "brick.png" && badge === "Text", `"acme" finds brick.png first by the words on its sign, badged (${byWords[0][0]}, ${badge})`);
  await run(`document.querySelector("li.card button.open").click()`);
  const marked = await until("the word marked on the picture", () =>
    run(`const m = [...document.querySelectorAll(".viewer .found mark")]; return m.length ? m.map(x => x.title) : null`),
  );
  check(marked.includes("ACME"), `the viewer marks ACME on the picture (${marked.join(", ")})`);
  await until("thumbnails to render", settled);
  await shot(shots, "text-in-photo.png");
  await keys(KEY.escape);
  await until("the grid again", () => run(`return document.querySelector(".viewer") ? null : true`));
  // Back to the typed query: the steps below read its results (scores in words).
  await run(`const i = document.querySelector("input[type=search]"); i.value = "a red motorcycle"; i.dispatchEvent(new Event("input", { bubbles: true }));`);
  await until("results for the typed query again", async () => ((await gridName()) === "Results for a red motorcycle" ? true : null));

  // A query that stops making sense: the real parser says where and what it expected.
  await run(`const i = document.querySelector("input[type=search]"); i.value = "a cat after:someday"; i.dispatchEvent(new Event("input", { bubbles: true }));`);
  const syntax = await until("the syntax error", () => run(`return document.querySelector("#syntax-error")?.textContent || null`));
  const mark = await run(`return document.querySelector("#syntax-error mark")?.textContent`);
  check(syntax.includes("expected a date as YYYY-MM-DD") && mark === "s", `"a cat after:someday" is marked at "someday": ${syntax.trim()}`);

  // The library panel: the folder, how it is watched, the files that could not be read.
  await run(`[...document.querySelectorAll("footer button")].find(b => /photos/.test(b.textContent)).click()`);
  const panel = await until("the library panel", () =>
    run(`const d = document.querySelector("[role=dialog][aria-labelledby=library-title]"); return d && /Watched/.test(d.textContent) ? d.textContent : null`),
  );
  check(panel.includes(photos) && /Watched by (file events|polling)/.test(panel), `the library panel lists ${photos} and how it is watched`);
  await shot(shots, "library.png");
  await run(`document.querySelector("[aria-labelledby=library-title] header button").click()`);

  // Scores show in words; Settings › "Show match scores as numbers" shows the cosines.
  const words = await run(`return [...document.querySelectorAll("li.card .score")].map(s => s.textContent)`);
  check(words.length > 0 && words.every((w) => /match$/.test(w)), `scores show in words by default (${[...new Set(words)].join(", ")})`);
  await run(`document.querySelector("button[aria-label=Settings]").click()`);
  await until("the settings panel", () => run(`return !!document.querySelector("input[type=checkbox]")`));
  check(await run(`const c = document.querySelector("input[type=checkbox]"); c.click(); return c.checked`), "Settings › Show match scores as numbers is on");
  await run(`[...document.querySelectorAll("[role=dialog] button")].find(b => b.textContent.trim() === "Close").click()`);

  // Dropping an image: the same photo comes first, at cosine ~1.
  await run(`document.querySelector("input[type=search]").value = ""; document.querySelector("input[type=search]").dispatchEvent(new Event("input", { bubbles: true }));`);
  const b64 = readFileSync(join(photos, "chelsea.png")).toString("base64");
  await run(
    `const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
     const dt = new DataTransfer();
     dt.items.add(new File([bytes], "chelsea.png", { type: "image/png" }));
     window.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));`,
    [b64],
  );
  const dropped = await until("results for the dropped image", async () => {
    const c = (await gridName()) === "Results for chelsea.png" && (await cards());
    return c && c.length > 0 && c[0][0] === "chelsea.png" && c;
  });
  check(dropped[0][1] > 0.99, `dropping chelsea.png finds chelsea.png first at cosine ${dropped[0][1]}`);

  // The heatmap view: prompts × results, its rows the query's terms as the
  // engine reads them (the grid's chips), and where the first prompt matches.
  const twoTerms = 'a red motorcycle 2:"a cat"';
  await run(`const i = document.querySelector("input[type=search]"); i.value = arguments[0]; i.dispatchEvent(new Event("input", { bubbles: true }));`, [twoTerms]);
  await until("results again", async () => (await gridName()) === `Results for ${twoTerms}` && (await cards()).length > 0);
  const chips = await run(`return [...document.querySelectorAll(".parts .part .label")].map(l => l.textContent)`);
  await run(`[...document.querySelectorAll(".views button")].find(b => b.textContent.includes("Heatmap")).click()`);
  const rows = await until("the heatmap matrix", () =>
    run(`const r = [...document.querySelectorAll("table th[scope=row]")].map(t => t.textContent); return r.length ? r : null`),
  );
  check(rows.join("|") === "a red motorcycle|a cat" && chips.join("|") === rows.join("|"), `the matrix has one row per term, as the grid's chips (${rows.join(", ")} / ${chips.join(", ")})`);
  const colours = await run(`return [...document.querySelectorAll("table td")].map(td => getComputedStyle(td).backgroundColor)`);
  check(colours.includes("rgb(253, 231, 55)") && colours.includes("rgb(0, 34, 78)"), `the cells run the whole cividis scale, stretched over those shown (${colours.length} cells)`);
  const overlay = await until("the region overlay", () => run(`return document.querySelectorAll(".overlay span").length || null`));
  check(overlay === 16, "the region overlay has 4×4 cells");
  await until("thumbnails to render", settled);
  await shot(shots, "heatmap.png");

  // A video copied into the watched folder is indexed by the watcher; a
  // photo dropped on the window finds it at the moment that photo shows
  // (coffee.png is on screen from 2 s to 6 s), and the viewer plays it from there.
  await run(`[...document.querySelectorAll(".views button")].find(b => b.textContent.includes("Grid")).click()`);
  copyFileSync(video, join(photos, "holiday.webm"));
  const counted = await until(
    "the watcher to index the video",
    () => run(`const f = document.querySelector("footer")?.textContent ?? ""; return /12 photos, 1 video/.test(f) ? f : null`),
    120000,
  );
  check(/12 photos, 1 video/.test(counted), `the video added to the watched folder is indexed while the app runs, and counted as one (${counted.trim().slice(0, 40)}…)`);
  const coffee = readFileSync(join(photos, "coffee.png")).toString("base64");
  await run(`const i = document.querySelector("input[type=search]"); i.value = ""; i.dispatchEvent(new Event("input", { bubbles: true }));`);
  await run(
    `const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
     const dt = new DataTransfer();
     dt.items.add(new File([bytes], "coffee.png", { type: "image/png" }));
     window.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));`,
    [coffee],
  );
  const film = await until("the video among the results", () =>
    run(`const c = [...document.querySelectorAll("li.card")].find(c => c.querySelector(".name")?.textContent === "holiday.webm");
         return c ? [c.querySelector("button.open").dataset.index, c.querySelector(".film")?.textContent ?? null] : null`),
  );
  const [at] = /\d\d:\d\d/.exec(film[1] ?? "") ?? [""];
  const seconds = Number(at.slice(0, 2)) * 60 + Number(at.slice(3));
  check(film[1] !== null && seconds >= 2 && seconds < 6, `the video's card has a film mark at coffee.png's moment (${film[1]})`);
  await run(`document.querySelector('li.card button.open[data-index="${film[0]}"]').click()`);
  const playing = await until("the video to play from its moment", () =>
    run(`const v = document.querySelector(".viewer video");
         return v && v.readyState >= 2 && !v.paused ? [v.currentTime, v.currentSrc, v.videoWidth] : null`),
    30000,
  );
  check(playing[0] >= 2 && playing[0] < 6 && playing[2] > 0, `the viewer plays holiday.webm from ${playing[0].toFixed(2)} s (coffee.png's moment)`);
  check(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\//.test(playing[1]), `from the app's loopback server, by id and token (${playing[1].replace(/[0-9a-f]{32}/, "<token>").slice(0, 60)}…)`);
  const strip = await run(`return [...document.querySelectorAll(".viewer .moments button")].map(b => b.textContent.trim())`);
  check(strip.length >= 2 && strip[0] === "00:00", `the moments strip shows the video's moments in order (${strip.join(", ")})`);
  const pictures = await until("the moments' pictures", () =>
    run(`const i = [...document.querySelectorAll(".viewer .moments img")]; return i.length && i.every(x => x.complete && x.naturalWidth > 0) ? i.length : null`),
  );
  check(pictures === strip.length, `each moment shows its own picture (thumb://, by the moment's id) (${pictures})`);
  await run(`document.querySelector(".viewer .moments button").click()`);
  const jumped = await until("the jump to the first moment", () =>
    run(`const v = document.querySelector(".viewer video"); return v && v.currentTime < 1.9 ? [v.currentTime] : null`),
  );
  check(jumped[0] < 1.9, `clicking the first moment seeks to it (${jumped[0].toFixed(2)} s)`);
  await shot(shots, "video.png");
  await keys(KEY.escape);
} catch (e) {
  // What the window showed when it failed, for the log and a screenshot.
  const text = await run(`return document.body.innerText`).catch(() => "(no page)");
  console.error(`e2e failed; the window said:\n${String(text).slice(0, 1500)}`);
  const status = await wd("POST", s("/execute/async"), {
    script: `const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke("library_status").then(v => done("ok " + JSON.stringify(v).slice(0, 300)), e => done("error " + JSON.stringify(e)));`,
    args: [],
  }).catch((err) => `(no answer: ${err.message})`);
  console.error(`library_status answers: ${status}`);
  await shot(shots, "failure.png").catch(() => {});
  throw e;
} finally {
  await wd("DELETE", `/session/${sid}`).catch(() => {});
}
console.log("e2e: all checks passed");
