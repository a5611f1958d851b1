// A scripted stand-in for the Rust side, installed before the page loads:
// the same commands, argument names and DTO shapes as src-tauri, canned
// answers, and a record of every call in `window.__calls`.
(() => {
  const callbacks = new Map();
  let nextId = 1;
  const calls = [];
  window.__calls = calls;
  const swatch = (hue) =>
    "data:image/svg+xml," +
    encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="hsl(${hue},70%,50%)"/></svg>`);
  const hit = (name, score, i) => ({
    id: String(i).padStart(64, "a"),
    path: `/photos/${name}.jpg`,
    paths: [`/photos/${name}.jpg`],
    score,
    width: 640,
    height: 480,
    thumbnail: swatch(i * 40),
    takenAt: null,
    date: Date.UTC(2024, 0, 1 + i),
    camera: null,
    lens: null,
    caption: null,
    tags: [{ label: name, score: 0.3 }],
    why: { vectorRank: i + 1, keywordRank: null, keywordFields: [], fused: 0.02 },
  });
  const results = (q) => {
    const word = (q || "photo").split(/[ ,]/)[0] || "photo";
    return [0, 1, 2, 3].map((i) => hit(`${word}-${i}`, 0.31 - i * 0.02, i));
  };
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
    pending: 0,
    watching: [{ folder: "/photos", mode: "events" }],
    models: [],
    device: { provider: "cpu", fallbackReason: null },
  };
  const handlers = {
    library_status: () => status,
    search: (a) => ({ hits: a.query || (a.images || []).length ? results(a.query || "similar") : [], cutoff: 0.2, defaultCutoff: true, belowCutoff: 2 }),
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
      return { rows: 4, cols: 4, cells, levels: cells.map((c) => (c - 0.1) / 0.2), whole: 0.25, passes: 30, cached: false };
    },
    cancel_heatmap: () => false,
    models_list: () => ({ entries: [], modelsDir: "/models", device: status.device }),
    "plugin:event|listen": () => nextId++,
    "plugin:event|unlisten": () => null,
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
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args, (k, v) => (v && v.id && k === "onEvent" ? "channel" : v))) });
      const h = handlers[cmd];
      if (!h) throw { code: "internal", message: `no mock for ${cmd}` };
      const delay = cmd === "search" ? window.__delays[args.query] || 0 : 0;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      return h(args);
    },
    convertFileSrc: (p) => p,
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
  };
})();
