// A scripted stand-in for the Rust side, installed before the page loads:
// the same commands, argument names and DTO shapes as src-tauri, canned
// answers, and a record of every call in `window.__calls`: its command and
// arguments, when it was asked (`asked`: the call's place in the order calls
// were made; `askedAt`: performance.now()) and, once it is settled, when it
// was answered (`answered`: its place in the order answers went back, across
// all commands; `answeredAt`) and whether it failed (`failed`).
(() => {
  const callbacks = new Map();
  let nextId = 1;
  const calls = [];
  window.__calls = calls;
  let answers = 0;
  // A few colours, shared: the same URL is one decoded image however many cards show it.
  const swatches = new Map();
  const swatch = (hue) => {
    const h = Math.round(hue) % 360;
    if (!swatches.has(h)) {
      swatches.set(
        h,
        "data:image/svg+xml," +
          encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="hsl(${h},70%,50%)"/></svg>`),
      );
    }
    return swatches.get(h);
  };
  const hit = (name, score, i) => ({
    id: String(i).padStart(64, "a"),
    path: `/photos/${name}.jpg`,
    paths: [`/photos/${name}.jpg`],
    score,
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
  });
  // `window.__total[query]` makes a query match that many items (paged like the real command).
  window.__total = {};
  const results = (q, offset = 0, limit = 60) => {
    const word = (q || "photo").split(/[ ,]/)[0] || "photo";
    const total = window.__total[q] ?? 4;
    const n = Math.max(0, Math.min(limit, total - offset));
    return Array.from({ length: n }, (_, k) => {
      const i = offset + k;
      return hit(`${word}-${i}`, 0.31 - i * (0.2 / Math.max(total, 10)), i);
    });
  };
  // Outlines the real parser would give, per query; anything else is one text term.
  window.__outlines = {};
  // Answers can be delayed per query, to test that a slow old answer never wins.
  window.__delays = {};
  const status = {
    library: "/home/me/.local/share/clipdex/library",
    items: 4,
    files: 5,
    folders: ["/photos"],
    modelId: "ViT-B-32__openai@12345678",
    modelDir: "/models/ViT-B-32__openai",
    failures: [{ path: "/photos/broken.jpg", reason: "the image data is truncated" }],
    indexing: false,
    paused: false,
    pending: 0,
    watching: [{ folder: "/photos", mode: "events" }],
    models: [],
    device: { provider: "cpu", fallbackReason: null },
  };
  // Tests change the library behind the window's back through this.
  window.__status = status;
  const handlers = {
    library_status: () => {
      if (window.__failStatus) {
        throw { code: "store_failed", message: "cannot open the library at /home/me/.local/share/clipdex/library: permission denied" };
      }
      // A fresh copy each time, as JSON over IPC would be.
      return JSON.parse(JSON.stringify(status));
    },
    search: (a) => ({
      hits: a.query || (a.images || []).length ? results(a.query || "similar", a.offset, a.limit) : [],
      cutoff: 0.2,
      defaultCutoff: true,
      belowCutoff: 2,
    }),
    query_outline: (a) =>
      window.__outlines[a.query] ?? {
        parts: [{ start: 0, atomStart: 0, end: a.query.length, kind: "text", label: a.query.trim(), weight: 1 }],
        error: null,
      },
    open_item: () => null,
    // The folder picker: what the test chose (null: the user cancelled).
    "plugin:dialog|open": () => window.__pick ?? null,
    remove_folder: (a) => {
      const had = status.folders.includes(a.folder);
      status.folders = status.folders.filter((f) => f !== a.folder);
      status.watching = status.watching.filter((w) => w.folder !== a.folder);
      return had;
    },
    cancel_indexing: () => {
      window.__run && (window.__run.cancelled = true);
      return !!window.__run;
    },
    pause_indexing: (a) => {
      if (!window.__run) return false;
      window.__run.paused = a.paused;
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
    models_list: () => ({ entries: [], modelsDir: "/models", device: status.device }),
    "plugin:event|listen": (a) => {
      listeners.push(a);
      return nextId++;
    },
    "plugin:event|unlisten": () => null,
  };
  function runIndex(channel, total, folders) {
    const run = (window.__run = { paused: false, cancelled: false });
    status.folders.push(...folders.filter((f) => !status.folders.includes(f)));
    send(channel, { event: "started", data: { folders } });
    return new Promise((resolve) => {
      let done = 0;
      const tick = () => {
        if (run.cancelled || done >= total) {
          window.__run = null;
          const summary = { indexed: done, reused: 0, skipped: 0, removed: 0, failed: [], cancelled: run.cancelled, seconds: 1 };
          status.items += done;
          send(channel, { event: "finished", data: { summary } });
          resolve(summary);
          return;
        }
        if (!run.paused) {
          done = Math.min(total, done + 4);
          send(channel, {
            event: "progress",
            data: { phase: "indexing", total, done, indexed: done, reused: 0, skipped: 0, failed: 0, removed: 0, current: `/photos/new/img-${done}.jpg` },
          });
        }
        setTimeout(tick, window.__tick ?? 50);
      };
      tick();
    });
  }
  // Events the Rust side would emit: window.__emit("library-changed").
  const listeners = [];
  window.__emit = (event) => {
    for (const l of listeners.filter((l) => l.event === event)) {
      const cb = callbacks.get(l.handler);
      if (cb) cb({ event, id: 0, payload: null });
    }
  };
  function send(channel, message) {
    const id = channel && channel.id;
    const cb = callbacks.get(id);
    if (!cb) return;
    channel.__index = (channel.__index || 0);
    cb({ message, index: channel.__index++ });
  }
  window.__TAURI_INTERNALS__ = {
    transformCallback(cb, once) {
      const id = nextId++;
      callbacks.set(id, (m) => {
        if (once) callbacks.delete(id);
        cb(m);
      });
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    async invoke(cmd, args = {}) {
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
      const settle = (failed) => {
        call.answered = answers++;
        call.answeredAt = performance.now();
        call.failed = failed;
      };
      try {
        const h = handlers[cmd];
        if (!h) throw { code: "internal", message: `no mock for ${cmd}` };
        const delay = cmd === "search" ? window.__delays[args.query] || 0 : 0;
        if (delay) await new Promise((r) => setTimeout(r, delay));
        const answer = await h(args);
        settle(false);
        return answer;
      } catch (e) {
        settle(true);
        throw e;
      }
    },
    convertFileSrc: (p) => p,
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
  };
})();
