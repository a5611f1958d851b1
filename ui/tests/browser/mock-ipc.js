// @ts-check
// A scripted stand-in for the Rust side, installed before the page loads:
// the same commands, argument names and DTO shapes as src-tauri (its answers
// are type-checked against the generated src/wire.ts by `npm run check`),
// canned answers, and a record of every call in `window.__calls`: its command
// and arguments, when it was asked (`asked`: the call's place in the order
// calls were made; `askedAt`: performance.now()) and, once it is settled, when
// it was answered (`answered`: its place in the order answers went back,
// across all commands; `answeredAt`) and whether it failed (`failed`).
// Plain JavaScript: it runs in the page as it is (page.addInitScript).

/** @typedef {import("../../src/wire").ErrorCode} ErrorCode */
/** @typedef {import("../../src/wire").IpcError} IpcError */
/** @typedef {import("../../src/wire").Hit} Hit */
/** @typedef {import("../../src/wire").Camera} Camera */
/** @typedef {import("../../src/wire").SearchResult} SearchResult */
/** @typedef {import("../../src/wire").Outline} Outline */
/** @typedef {import("../../src/wire").Status} Status */
/** @typedef {import("../../src/wire").Summary} Summary */
/** @typedef {import("../../src/wire").IndexEvent} IndexEvent */
/** @typedef {import("../../src/wire").HeatMatrix} HeatMatrix */
/** @typedef {import("../../src/wire").RegionMap} RegionMap */
/** @typedef {import("../../src/wire").ModelsList} ModelsList */
/** @typedef {import("../../src/wire").ModelEntry} ModelEntry */
/** @typedef {import("../../src/wire").AppInfo} AppInfo */
/** @typedef {import("../../src/wire").ItemText} ItemText */
/**
 * A channel as Tauri's `Channel` serialises it: its callback's id.
 * @typedef {{ id: number, __index?: number }} ChannelRef
 */
/**
 * `search`'s arguments, as ipc.ts sends them.
 * @typedef {{ query: string, limit?: number, offset?: number, minScore: number | null, strictness?: string, mode?: string, sort?: string, images: string[], lang: string }} SearchArgs
 */
/**
 * One recorded call.
 * @typedef {{ cmd: string, args: any, asked: number, askedAt: number, answered: number | null, answeredAt: number | null, failed: boolean | null }} Call
 */
/**
 * The commands, each with the answer the Rust side gives (a promise for the long ones).
 * @typedef {{
 *   library_status: () => Status,
 *   search: (a: SearchArgs) => SearchResult,
 *   query_image: (a: { data: string }) => string,
 *   cameras: () => Camera[],
 *   open_item: (a: { id: string, reveal: boolean }) => null,
 *   item_text: (a: { id: string }) => ItemText,
 *   set_language: (a: { tag: string }) => null,
 *   "plugin:dialog|open": () => string | string[] | null,
 *   remove_folder: (a: { folder: string }) => boolean,
 *   cancel_indexing: () => boolean,
 *   pause_indexing: (a: { paused: boolean }) => boolean,
 *   index_folders: (a: { folders: string[], onEvent: ChannelRef }) => Promise<Summary>,
 *   retry_failures: (a: { paths: string[], onEvent: ChannelRef }) => Promise<Summary>,
 *   heatmap_matrix: (a: { prompts: string[], items: string[] }) => HeatMatrix,
 *   heatmap_region: (a: { id: string, text: string, onEvent: ChannelRef }) => RegionMap,
 *   cancel_heatmap: () => boolean,
 *   models_list: () => ModelsList,
 *   models_pull: (a: { id: string, onEvent: ChannelRef }) => Promise<ModelEntry>,
 *   models_install: (a: { path: string, onEvent: ChannelRef }) => Promise<ModelEntry>,
 *   cancel_model_task: () => boolean,
 *   app_info: () => AppInfo,
 *   library_open: (a: { path: string }) => Status,
 *   "plugin:event|listen": (a: { event: string, handler: number }) => number,
 *   "plugin:event|unlisten": () => null,
 * }} Handlers
 */
/**
 * What the tests read and set on `window`.
 * @typedef {{
 *   __calls: Call[],
 *   __total: Record<string, number>,
 *   __matches: Record<string, number>,
 *   __cameras?: { name: string, photos: number }[],
 *   __outlines: Record<string, Outline>,
 *   __queryImages: Set<string>,
 *   __delays: Record<string, number>,
 *   __status: Status,
 *   __failStatus?: boolean,
 *   __pick?: string | string[] | null,
 *   __run?: { paused: boolean, cancelled: boolean } | null,
 *   __tick?: number,
 *   __firstRun?: Partial<Status>,
 *   __videoUrl?: string,
 *   __fetch?: { cancelled: boolean } | null,
 *   __emit: (event: string) => void,
 *   __TAURI_INTERNALS__: unknown,
 * }} MockGlobals
 */
(() => {
  const w = /** @type {Window & MockGlobals} */ (/** @type {unknown} */ (window));
  /** @type {Map<number, (m: any) => void>} */
  const callbacks = new Map();
  let nextId = 1;
  /** @type {Call[]} */
  const calls = [];
  w.__calls = calls;
  let answers = 0;
  // A few colours, shared: the same URL is one decoded image however many cards show it.
  /** @type {Map<number, string>} */
  const swatches = new Map();
  /** @param {number} hue @returns {string} */
  const swatch = (hue) => {
    const h = Math.round(hue) % 360;
    if (!swatches.has(h)) {
      swatches.set(
        h,
        "data:image/svg+xml," +
          encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="hsl(${h},70%,50%)"/></svg>`),
      );
    }
    return /** @type {string} */ (swatches.get(h));
  };
  /** @param {string} name @param {number} score @param {number} i @returns {Hit} */
  const hit = (name, score, i) => ({
    id: String(i).padStart(64, "a"),
    path: `/photos/${name}.jpg`,
    paths: [`/photos/${name}.jpg`],
    score,
    level: null,
    matchedBy: [],
    width: 640,
    height: 480,
    thumbnail: swatch(i * 40),
    image: swatch(i * 40 + 10),
    takenAt: null,
    date: Date.UTC(2024, 0, 1 + i),
    camera: null,
    lens: null,
    caption: null,
    tags: [{ label: name, score: 0.3 }],
    why: { vectorRank: i + 1, keywordRank: null, keywordFields: [], fused: 0.02 },
    kind: "photo",
    time: null,
    moments: [],
    textMatch: [],
  });
  // A photo of a shop sign (640 × 480) and the words read in it, where they are.
  const SIGN_WORDS = [
    { text: "ACME", x: 0.1, y: 0.1, w: 0.25, h: 0.1 },
    { text: "HARDWARE", x: 0.4, y: 0.1, w: 0.5, h: 0.1 },
    { text: "OPEN", x: 0.1, y: 0.7, w: 0.2, h: 0.08 },
  ];
  const sign =
    "data:image/svg+xml," +
    encodeURIComponent(
      `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="480" fill="#6b4a2f"/>` +
        SIGN_WORDS.map((s) => `<rect x="${s.x * 640}" y="${s.y * 480}" width="${s.w * 640}" height="${s.h * 480}" fill="#fff"/>`).join("") +
        `</svg>`,
    );
  /**
   * A search for "acme": its first result is the sign, found by the word on it.
   * @param {Hit} h @returns {Hit}
   */
  const withSign = (h) => ({
    ...h,
    path: "/photos/shop.jpg",
    paths: ["/photos/shop.jpg"],
    image: sign,
    matchedBy: ["words"],
    why: { ...h.why, keywordRank: 1, keywordFields: ["text: ACME"] },
    textMatch: SIGN_WORDS.slice(0, 1),
  });
  /**
   * With `window.__videoUrl` set, the second result of a search is a video
   * (played from that URL) found at 3.5 s, with three moments.
   * @param {Hit} h @returns {Hit}
   */
  const asVideo = (h) => ({
    ...h,
    path: h.path.replace(/\.jpg$/, ".mp4"),
    paths: [h.path.replace(/\.jpg$/, ".mp4")],
    kind: "video",
    time: 3.5,
    image: w.__videoUrl ?? h.image,
    moments: [
      { time: 3.5, thumbnail: swatch(200) },
      { time: 0, thumbnail: swatch(220) },
      { time: 1, thumbnail: swatch(240) },
    ],
  });
  // `window.__total[query]` makes a query rank that many items (paged like
  // the real command); `window.__matches[query]`, how many of them are above the cutoff.
  w.__total = {};
  w.__matches = {};
  /** The score of the `i`th of `total` results. @param {number} i @param {number} total */
  const score = (i, total) => 0.31 - i * (0.2 / Math.max(total, 10));
  /**
   * The browsed library's months (UTC), newest first, as the engine counts them.
   * @param {number} total @returns {{ year: number, month: number, count: number }[]}
   */
  const monthsOf = (total) => {
    /** @type {{ year: number, month: number, count: number }[]} */
    const out = [];
    for (let i = 0; i < total; i++) {
      const d = new Date(Date.UTC(2024, 11, 28, 12) - i * 4 * 86_400_000);
      const [year, month] = [d.getUTCFullYear(), d.getUTCMonth() + 1];
      const last = out.at(-1);
      if (last && last.year === year && last.month === month) last.count++;
      else out.push({ year, month, count: 1 });
    }
    return out;
  };
  /**
   * The library browsed: photos newest first, four days apart from 28 Dec 2024 back.
   * @param {number} total @param {number} [offset] @param {number} [limit] @returns {Hit[]}
   */
  const browse = (total, offset = 0, limit = 60) =>
    Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, k) => {
      const i = offset + k;
      const h = hit(`photo-${i}`, 0, i);
      return { ...h, date: Date.UTC(2024, 11, 28, 12) - i * 4 * 86_400_000, why: { ...h.why, vectorRank: null, fused: 0 } };
    });
  /** @param {string} q @param {number} [offset] @param {number} [limit] @returns {Hit[]} */
  const results = (q, offset = 0, limit = 60) => {
    const word = (q || "photo").split(/[ ,]/)[0] || "photo";
    const total = w.__total[q] ?? 4;
    const n = Math.max(0, Math.min(limit, total - offset));
    return Array.from({ length: n }, (_, k) => {
      const i = offset + k;
      const h = hit(`${word}-${i}`, score(i, total), i);
      if (i === 0 && word.toLowerCase() === "acme") return withSign(h);
      return i === 1 && w.__videoUrl ? asVideo(h) : h;
    });
  };
  // Outlines the real parser would give, per query; anything else is one text term.
  w.__outlines = {};
  /**
   * The query as the engine reads it (trimmed, as the real `search` reads it).
   * @param {string} query @returns {Outline}
   */
  const outline = (query) => {
    const text = query.trim();
    if (w.__outlines[text]) return w.__outlines[text];
    if (!text) return { parts: [], error: null };
    return { parts: [{ start: 0, atomStart: 0, end: text.length, kind: "text", label: text, weight: 1 }], error: null };
  };
  // Tokens of the query images registered so far (`query_image`), as the engine holds them.
  /** @type {Set<string>} */
  const queryImages = new Set();
  w.__queryImages = queryImages;
  /**
   * A refusal as the Rust side sends it: `{code, message}`.
   * @param {ErrorCode} code @param {string} message @returns {IpcError}
   */
  const refusal = (code, message) => ({ code, message });
  // Answers can be delayed per query, to test that a slow old answer never wins.
  w.__delays = {};
  /** @type {Status} */
  const status = {
    library: "/home/me/.local/share/clipdex/library",
    items: 4,
    videos: 0,
    files: 5,
    folders: ["/photos"],
    modelId: "ViT-B-32__openai@12345678",
    modelName: "CLIP ViT-B/32 (OpenAI)",
    modelDir: "/models/ViT-B-32__openai",
    failures: [{ path: "/photos/broken.jpg", reason: "the image data is truncated" }],
    skipped: [],
    indexing: false,
    paused: false,
    pending: 0,
    watching: [{ folder: "/photos", mode: "events" }],
    models: [],
    device: { provider: "cpu", fallbackReason: null },
    needsModel: false,
    suggestedFolder: null,
    text: { engine: "tesseract 5.3.0", offReason: null, languages: ["eng"], read: 4, withText: 1, waiting: 0 },
    // A first run: set by a test's init script before this one runs.
    ...(w.__firstRun ?? {}),
  };
  // Tests change the library behind the window's back through this.
  w.__status = status;
  /**
   * A token for an image's bytes: the same bytes give the same token (a
   * 32-bit FNV-1a of the base64 here; the engine hashes the bytes).
   * @param {string} data @returns {string}
   */
  const tokenOf = (data) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < data.length; i++) {
      h ^= data.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return "qimg-" + h.toString(16).padStart(8, "0");
  };
  /** @type {Handlers} */
  const handlers = {
    library_status: () => {
      if (w.__failStatus) {
        throw refusal("store_failed", "cannot open the library at /home/me/.local/share/clipdex/library: permission denied");
      }
      // A fresh copy each time, as JSON over IPC would be.
      return JSON.parse(JSON.stringify(status));
    },
    /** @param {SearchArgs} a @returns {SearchResult} */
    search: (a) => {
      const text = a.query.trim();
      const images = a.images || [];
      const unknown = images.find((t) => !queryImages.has(t));
      if (unknown) throw refusal("bad_argument", `the query image ${unknown} is no longer held; add the picture again`);
      const o = outline(text);
      /** @type {Omit<SearchResult, "outline">} */
      const none = { hits: [], cutoff: null, defaultCutoff: false, belowCutoff: 0, matches: null, total: null, months: [], browsed: false };
      // A query that stops making sense: no hits, and no error.
      if (o.error) return { ...none, outline: o };
      // No terms (empty, or filters alone): the library, newest first.
      if (images.length === 0 && o.parts.every((p) => p.kind === "filter")) {
        if (status.items === 0 || status.needsModel) return { ...none, outline: o };
        const total = w.__total[text] ?? status.items;
        return { ...none, hits: browse(total, a.offset, a.limit), total, months: monthsOf(total), browsed: true, outline: o };
      }
      const total = w.__total[text] ?? 4;
      // Matches score at least the cutoff (0.2); the rest follow as weaker ones.
      const matches = w.__matches[text] ?? Array.from({ length: total }, (_, i) => score(i, total)).filter((s) => s >= 0.2).length;
      // Levels as the engine reads them against its marks: the matches are good (the first strong), the rest weak.
      /** @type {(h: Hit, k: number) => Hit} */
      const level = (h, k) => {
        const i = (a.offset ?? 0) + k;
        return { ...h, level: i >= matches ? "weak" : i === 0 ? "strong" : "good" };
      };
      return {
        hits: results(text || "similar", a.offset, a.limit).map(level),
        cutoff: 0.2,
        defaultCutoff: true,
        belowCutoff: total - matches,
        matches,
        total: null,
        months: [],
        browsed: false,
        outline: o,
      };
    },
    // A dropped or pasted picture, registered once: refused unless it is a PNG or a JPEG.
    /** @param {{ data: string }} a @returns {string} */
    query_image: (a) => {
      let head = "";
      try {
        head = atob(a.data.trim().slice(0, 12));
      } catch (e) {
        throw refusal("bad_argument", `the picture is not valid base64: ${e}`);
      }
      const png = head.startsWith("\x89PNG\r\n\x1a\n");
      const jpeg = head.startsWith("\xff\xd8\xff");
      if (!png && !jpeg) throw refusal("bad_image", "cannot read <query image>: the format could not be determined");
      const token = tokenOf(a.data.trim());
      queryImages.add(token);
      return token;
    },
    // The library's cameras, most photos first (tests set `window.__cameras`).
    cameras: () => w.__cameras ?? [{ name: "Pixel 7", photos: 3 }, { name: "Canon EOS R5", photos: 1 }],
    open_item: () => null,
    set_language: () => null,
    /** @param {{ id: string }} a @returns {ItemText} */
    item_text: (a) =>
      a.id === hit("", 0, 0).id
        ? { text: SIGN_WORDS.map((s) => s.text).join(" "), words: SIGN_WORDS }
        : { text: "", words: [] },
    // The folder picker: what the test chose (null: the user cancelled).
    "plugin:dialog|open": () => w.__pick ?? null,
    remove_folder: (a) => {
      const had = status.folders.includes(a.folder);
      status.folders = status.folders.filter((f) => f !== a.folder);
      status.watching = status.watching.filter((x) => x.folder !== a.folder);
      return had;
    },
    cancel_indexing: () => {
      w.__run && (w.__run.cancelled = true);
      return !!w.__run;
    },
    pause_indexing: (a) => {
      if (!w.__run) return false;
      w.__run.paused = a.paused;
      return true;
    },
    // A scripted run: progress every 50 ms (none while paused) until done or cancelled.
    index_folders: (a) => runIndex(a.onEvent, 200, a.folders),
    retry_failures: (a) => {
      const before = status.failures.length;
      status.failures = status.failures.filter((f) => a.paths.length && !a.paths.includes(f.path));
      return runIndex(a.onEvent, before - status.failures.length, []);
    },
    heatmap_matrix: (a) => ({
      prompts: a.prompts,
      items: a.items.map((id, i) => ({ id, path: `/photos/item-${i}.jpg`, thumbnail: swatch(i * 40) })),
      cosines: a.prompts.map((_, r) => a.items.map((_, i) => 0.3 - 0.05 * i - 0.1 * r)),
      levels: a.prompts.map((_, r) => a.items.map((_, i) => Math.max(0, 1 - 0.25 * i - 0.3 * r))),
      low: 0.1,
      high: 0.3,
      scale: "calibrated",
    }),
    heatmap_region: (a) => {
      const ch = a.onEvent;
      for (let d = 6; d <= 30; d += 6) send(ch, [d, 30]);
      const cells = Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0.3 : 0.1));
      return { rows: 4, cols: 4, cells, levels: cells.map((c) => (c - 0.1) / 0.2), whole: 0.25, passes: 30, dense: false, cached: false };
    },
    cancel_heatmap: () => false,
    models_list: () => ({ entries: registry.map((e) => ({ ...e })), modelsDir: "/home/me/.cache/clipdex/models", device: status.device }),
    // A download: 605 MB in steps every 50 ms, until done or cancelled.
    models_pull: (a) => fetchModel(a.onEvent, `${a.id}/visual/model.onnx`, 605e6, a.id),
    models_install: (a) => fetchModel(a.onEvent, "visual/model.onnx", 2e6, a.path.split("/").pop() || "model"),
    cancel_model_task: () => {
      w.__fetch && (w.__fetch.cancelled = true);
      return !!w.__fetch;
    },
    app_info: () => ({ version: "0.1.0", library: status.library, models: "/home/me/.cache/clipdex/models", videoBase: null }),
    // Another library: a folder of photos is refused, as the engine does; an
    // empty folder opens as a new, empty library.
    library_open: (a) => {
      if (a.path.endsWith("/Pictures")) {
        throw refusal("bad_argument", `${a.path} already holds other files and is not a Clipdex library; choose an empty folder or an existing library`);
      }
      Object.assign(status, { library: a.path, items: 0, files: 0, folders: [], failures: [], watching: [], suggestedFolder: "/home/me/Pictures" });
      return JSON.parse(JSON.stringify(status));
    },
    "plugin:event|listen": (a) => {
      listeners.push(a);
      return nextId++;
    },
    "plugin:event|unlisten": () => null,
  };
  /** @param {string} id @param {boolean} dflt @param {number} sizeMb @param {string} licence @returns {ModelEntry} */
  const entry = (id, dflt, sizeMb, licence) => ({
    id,
    name: dflt ? "CLIP ViT-B/32 (OpenAI)" : "Multilingual CLIP ViT-B/32 (LAION-5B)",
    known: true,
    default: dflt,
    repo: `immich-app/${id}`,
    dim: 512,
    sizeMb,
    languages: dflt ? ["en"] : ["en", "de", "fr", "ja", "zh"],
    languagesNote: null,
    languagePrefix: false,
    licence,
    quality: [{ benchmark: "ImageNet-1k", metric: "zero-shot top-1", value: dflt ? 63.3 : 69.1, source: "open_clip results" }],
    summary: dflt ? "Fast and small; a good start." : "Reads many languages; larger and slower.",
    installed: false,
    bytes: null,
    commit: null,
    library: null,
  });
  // The registry as models_list gives it, the default not first (the window puts it first).
  const registry = [entry("xlm-roberta-base-ViT-B-32__laion5b_s13b_b90k", false, 1100, "MIT"), entry("ViT-B-32__openai", true, 605, "MIT")];
  /**
   * A scripted model fetch over `channel`: progress until done (the library
   * then has a model) or cancelled (refused with code "cancelled").
   * @param {ChannelRef} channel @param {string} file @param {number} total @param {string} id @returns {Promise<ModelEntry>}
   */
  function fetchModel(channel, file, total, id) {
    const run = (w.__fetch = { cancelled: false });
    return new Promise((resolve, reject) => {
      let done = 0;
      const tick = () => {
        if (run.cancelled) {
          w.__fetch = null;
          reject(refusal("cancelled", "cancelled; what was fetched is kept"));
          return;
        }
        if (done >= total) {
          w.__fetch = null;
          status.needsModel = false;
          resolve({ ...(registry.find((e) => e.id === id) ?? entry(id, false, 2, "")), known: registry.some((e) => e.id === id), installed: true });
          return;
        }
        done = Math.min(total, done + total / 40);
        send(channel, { file, done, total });
        setTimeout(tick, w.__tick ?? 50);
      };
      tick();
    });
  }
  /**
   * A scripted index run over `channel`.
   * @param {ChannelRef} channel @param {number} total @param {string[]} folders @returns {Promise<Summary>}
   */
  function runIndex(channel, total, folders) {
    const run = (w.__run = { paused: false, cancelled: false });
    status.folders.push(...folders.filter((f) => !status.folders.includes(f)));
    sendEvent(channel, { event: "started", data: { folders } });
    return new Promise((resolve) => {
      let done = 0;
      const tick = () => {
        if (run.cancelled || done >= total) {
          w.__run = null;
          /** @type {Summary} */
          const summary = { indexed: done, reused: 0, skipped: 0, removed: 0, failed: [], cancelled: run.cancelled, seconds: 1 };
          status.items += done;
          sendEvent(channel, { event: "finished", data: { summary } });
          resolve(summary);
          return;
        }
        if (!run.paused) {
          done = Math.min(total, done + 4);
          sendEvent(channel, {
            event: "progress",
            data: { phase: "indexing", total, done, indexed: done, reused: 0, skipped: 0, failed: 0, removed: 0, current: `/photos/new/img-${done}.jpg` },
          });
        }
        setTimeout(tick, w.__tick ?? 50);
      };
      tick();
    });
  }
  // Events the Rust side would emit: window.__emit("library-changed").
  /** @type {{ event: string, handler: number }[]} */
  const listeners = [];
  w.__emit = (event) => {
    for (const l of listeners.filter((l) => l.event === event)) {
      const cb = callbacks.get(l.handler);
      if (cb) cb({ event, id: 0, payload: null });
    }
  };
  /** @param {ChannelRef} channel @param {unknown} message */
  function send(channel, message) {
    const cb = channel && callbacks.get(channel.id);
    if (!cb) return;
    channel.__index = channel.__index || 0;
    cb({ message, index: channel.__index++ });
  }
  /** An index run's event, as the Rust side sends it. @param {ChannelRef} channel @param {IndexEvent} event */
  const sendEvent = (channel, event) => send(channel, event);
  w.__TAURI_INTERNALS__ = {
    /** @param {(m: any) => void} cb @param {boolean} [once] */
    transformCallback(cb, once) {
      const id = nextId++;
      callbacks.set(id, (m) => {
        if (once) callbacks.delete(id);
        cb(m);
      });
      return id;
    },
    /** @param {number} id */
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    /** @param {string} cmd @param {Record<string, any>} [args] */
    async invoke(cmd, args = {}) {
      /** @type {Call} */
      const call = {
        cmd,
        args: JSON.parse(JSON.stringify(args, (k, v) => (v && v.id && k === "onEvent" ? "channel" : v))),
        asked: calls.length,
        askedAt: performance.now(),
        answered: null,
        answeredAt: null,
        failed: null,
      };
      calls.push(call);
      /** @param {boolean} failed */
      const settle = (failed) => {
        call.answered = answers++;
        call.answeredAt = performance.now();
        call.failed = failed;
      };
      try {
        const h = /** @type {Record<string, ((a: any) => unknown) | undefined>} */ (/** @type {unknown} */ (handlers))[cmd];
        if (!h) throw refusal("internal", `no mock for ${cmd}`);
        const delay = cmd === "search" ? w.__delays[args.query] || 0 : 0;
        if (delay) await new Promise((r) => setTimeout(r, delay));
        const answer = await h(args);
        settle(false);
        return answer;
      } catch (e) {
        settle(true);
        throw e;
      }
    },
    /** @param {string} p */
    convertFileSrc: (p) => p,
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
  };
})();
