// End to end, the installed package's first run: the packaged app (from a
// .deb unpacked into a temporary root, with a new home: no model, no library,
// no ONNX Runtime but the one it carries), driven over WebDriver under Xvfb.
// No model → the registry's models are offered → install the fixture model
// from a folder (picked in the real GTK file dialog, typed into with
// xdotool) → the Pictures folder is offered and indexed → search → results.
// Run by scripts/package-test.sh.
//   node tests/e2e/first-run.e2e.mjs APP MODEL_DIR PICTURES_DIR VERSION SCREENSHOT_DIR
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { ELEMENT, check, driver, session, until } from "./webdriver.mjs";

const [app, modelDir, pictures, version, shots] = process.argv.slice(2);
const { wd } = driver();
const { s, run, shot, end } = await session(wd, app);
const text = () => run(`return document.body.innerText`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const xdotool = (...args) => execFileSync("xdotool", args, { stdio: ["ignore", "pipe", "pipe"] }).toString().trim();

/** Picks `path` in the open GTK file dialog titled `title`, as a user typing it would. */
async function pick(title, path) {
  const win = await until(`the "${title}" dialog`, () => {
    try {
      return xdotool("search", "--onlyvisible", "--name", title).split("\n")[0] || null;
    } catch {
      return null;
    }
  }, 20000);
  await sleep(700);
  xdotool("windowfocus", "--sync", win);
  // A "/" opens the dialog's location entry (what is typed while it opens
  // is lost, so the whole path is typed again into it); Return goes to the
  // folder, and Return again chooses it.
  xdotool("type", "/");
  await sleep(700);
  xdotool("key", "ctrl+a");
  xdotool("type", "--delay", "20", path);
  await sleep(1000);
  for (let i = 0; i < 3; i++) {
    xdotool("key", "Return");
    await sleep(1200);
    const open = (() => {
      try {
        return xdotool("search", "--onlyvisible", "--name", title);
      } catch {
        return "";
      }
    })();
    if (!open) return;
  }
  throw new Error(`the "${title}" dialog did not close after choosing ${path}`);
}

try {
  mkdirSync(shots, { recursive: true });
  // 1. No model: no error, the registry's models, the recommended one first.
  await until("the first-run screen", async () => (await text()).includes("Choose how Clipdex sees your photos"));
  const offered = await run(`return [...document.querySelectorAll("ul.models > li")].map(li => li.innerText)`);
  check(offered.length >= 2 && /Recommended/.test(offered[0]) && /About .* to download/.test(offered[0]) && /Licence/.test(offered[0]),
    `with no model the window offers ${offered.length} models to download, the recommended one first, with size and licence`);
  check(!(await run(`return !!document.querySelector("[role=alert]")`)), "and shows no error");
  await shot(shots, "first-run-models.png");

  // 2. Offline: the fixture model, from a folder picked in the real dialog.
  await run(`[...document.querySelectorAll("button")].find(b => b.textContent.includes("Install from a folder")).click()`);
  await pick("Choose a model folder", modelDir);
  await until("the model installed", async () => (await text()).includes("Add your photos"), 60000);
  check(true, `the model in ${modelDir} was installed from the folder dialog`);

  // 3. No folders: the Pictures folder is offered; indexing starts at once.
  const empty = await run(`return document.querySelector(".empty")?.innerText ?? ""`);
  check(empty.includes(pictures), `the window offers the Pictures folder (${pictures})`);
  await shot(shots, "first-run-folders.png");
  await run(`[...document.querySelectorAll("button")].find(b => b.textContent.includes("Add your Pictures folder")).click()`);
  const footer = await until("the first index", () =>
    run(`const f = document.querySelector("footer")?.textContent ?? ""; return /12 photos/.test(f) && !document.querySelector("section.progress") ? f : null`), 120000);
  check(/12 photos/.test(footer), `the first index took the 12 photos in Pictures (${footer.trim().slice(0, 50)}…)`);

  // 4. Search: the photo named for it comes first.
  const box = await until("the search box", () => wd("POST", s("/element"), { using: "css selector", value: "input[type=search]" }));
  await wd("POST", s(`/element/${box[ELEMENT]}/value`), { text: "a red motorcycle" });
  const cards = await until("results", async () => {
    const named = await run(`return document.querySelector("ul.grid")?.getAttribute("aria-label") === "Results for a red motorcycle"`);
    const c = named && (await run(`return [...document.querySelectorAll("li.card .name")].map(n => n.textContent)`));
    return c && c.length > 0 && c;
  });
  check(cards[0] === "motorcycle_left.png", `searching "a red motorcycle" shows motorcycle_left.png first (${cards.slice(0, 4).join(", ")})`);
  await until("thumbnails", () => run(`return [...document.images].every(i => i.complete && i.naturalWidth > 0)`));
  await shot(shots, "first-run-search.png");

  // 5. The version the package carries is the one the window says.
  await run(`document.querySelector("button[aria-label=Settings]").click()`);
  const about = await until("the About section", () => run(`return document.querySelector(".about")?.innerText.includes("Version") ? document.querySelector(".about").innerText : null`));
  check(about.includes(`Version ${version}`), `Settings › About says Version ${version}`);
} catch (e) {
  console.error(`first-run e2e failed; the window said:\n${String(await text().catch(() => "(no page)")).slice(0, 1500)}`);
  await shot(shots, "first-run-failure.png").catch(() => {});
  throw e;
} finally {
  await end();
}
console.log("first-run e2e: all checks passed");
