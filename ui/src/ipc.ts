// The one place the window talks to the Rust side. The answers' types and
// the error codes are generated from the Rust side (wire.ts, by src-tauri/wire.rs).
import { invoke, Channel } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { validTag } from "./i18n";

import type {
  AppInfo,
  Camera,
  Comparison,
  HeatMatrix,
  Hit,
  IndexEvent,
  IpcError,
  ItemText,
  ModelEntry,
  ModelsList,
  PullEvent,
  RegionMap,
  SearchResult,
  Status,
  Summary,
  Switch,
} from "./wire";

// The answers' types are generated from the Rust DTOs (wire.ts); re-exported
// here so the window imports everything IPC from one place.
export type {
  AppInfo,
  Camera,
  Comparison,
  Device,
  ErrorCode,
  Failure,
  HeatMatrix,
  Hit,
  IndexEvent,
  IpcError,
  ItemText,
  LibModel,
  MatrixItem,
  Moment,
  ModelEntry,
  ModelsList,
  Outline,
  Part,
  PullEvent,
  Quality,
  RegionMap,
  Run,
  Scores,
  SearchResult,
  Status,
  Summary,
  Switch,
  SyntaxAt,
  Tag,
  TextStatus,
  TextWord,
  Watching,
  Why,
} from "./wire";

export type Mode = "hybrid" | "vector" | "keyword";
export type Sort = "relevance" | "date";
export type Strictness = "strict" | "balanced" | "loose";

export interface SearchParams {
  limit?: number;
  /** Results to skip: the page `offset..offset + limit`. */
  offset?: number;
  /** Overrides the calibrated cutoff; -1 shows everything. */
  minScore?: number | null;
  /** Which calibrated mark the cutoff is (without `minScore`). */
  strictness?: Strictness;
  mode?: Mode;
  sort?: Sort;
  /** Tokens of images registered with `queryImage` (dropped or pasted): never bytes, never paths. */
  images?: string[];
  /** The query's language (BCP-47); models that take a language code use it. */
  lang?: string;
}

let chosenLanguage: string | null = null;

/** The window's language setting (null: the system's): queries are written
 * in it, and the backend reads the text in pictures in it (and English). */
export function setQueryLanguage(tag: string | null) {
  chosenLanguage = tag;
  // Not worth an error on screen: without it, pictures are read in the system's language.
  invoke<null>("set_language", { tag: queryLanguage() }).catch(() => {});
}

/** The chosen language, else the system's. */
export function queryLanguage(): string {
  return validTag(chosenLanguage ?? (typeof navigator !== "undefined" ? navigator.language : undefined));
}

/** Any rejection from the backend, normalised to `{code, message}`. */
export function asIpcError(e: unknown): IpcError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    return e as IpcError;
  }
  return { code: "internal", message: String(e) };
}

/** A sentence a person can act on, for the codes that have a fix. */
export function advice(e: IpcError): string | null {
  switch (e.code) {
    case "model_not_found":
    case "model_incomplete":
      return "Download a model in the Models panel (Ctrl+Shift+M), or start Clipdex with CLIPDEX_MODEL set to a model folder in the open_clip ONNX layout.";
    case "runtime_missing":
      return "Run the README's set-up to install ONNX Runtime, or set ORT_DYLIB_PATH.";
    case "model_mismatch":
      return "This library indexes with another model. Switch models in the Models panel; the current one stays searchable until the switch is done.";
    case "model_damaged":
      return "Download the model again from the Models panel; it replaces the damaged files.";
    case "offline":
      return "Clipdex works offline once a model is installed. To install one without a network, copy its folder (named by the model's id) into the models folder shown in the Models panel.";
    case "no_model":
      return "Add a folder of photos first: Clipdex compares what you search for with your photos.";
    case "model_not_installed":
      return "Download it in the Models panel first.";
    case "library_damaged":
      return "Close other Clipdex windows and commands that are indexing, then open Clipdex again: it sets the damaged part aside and keeps everything else.";
    case "model_exists":
      return "Other files are already installed under this model's name. Remove that model in the Models panel first; the library then re-indexes with the new files.";
    case "model_not_indexed":
      return "This library has no vectors from that model yet. Switch to it in the Models panel; the current one stays searchable until the switch is done.";
    case "disk_full":
      return "Free some disk space and download again: it resumes where it stopped.";
    default:
      return null;
  }
}

export const search = (query: string, p: SearchParams = {}) =>
  invoke<SearchResult>("search", {
    query,
    limit: p.limit,
    offset: p.offset ?? 0,
    minScore: p.minScore ?? null,
    strictness: p.strictness,
    mode: p.mode,
    sort: p.sort,
    images: p.images ?? [],
    // The UI language is the query language unless the caller says otherwise.
    lang: p.lang ?? queryLanguage(),
  });

/** Registers a dropped or pasted image (its bytes, base64) once; the token
 * names it in `search`'s `images`. The same bytes give the same token. */
export const queryImage = (data: string) => invoke<string>("query_image", { data });

/** A file's bytes as base64, for `queryImage`. */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** The last part of a path, whichever separator it uses. */
export const fileName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** Alt text for a picture: its tags, else its file name. */
export const altText = (h: Pick<Hit, "tags" | "path">) => (h.tags.length ? h.tags.map((x) => x.label).join(", ") : fileName(h.path));

export const libraryStatus = () => invoke<Status>("library_status");
/** The cameras the library's photos were taken with, most photos first (for `camera:`). */
export const cameras = () => invoke<Camera[]>("cameras");
export const cancelIndexing = () => invoke<boolean>("cancel_indexing");
/** Pauses (true) or resumes (false) the running index; whether one was running. */
export const pauseIndexing = (paused: boolean) => invoke<boolean>("pause_indexing", { paused });
/** Forgets a folder (the files stay on disk); whether it was one of the library's. */
export const removeFolder = (folder: string) => invoke<boolean>("remove_folder", { folder });
/** Opens an item in the system's viewer, or shows it in its folder. */
export const openItem = (id: string, reveal = false) => invoke<void>("open_item", { id, reveal });
/** The words read in an item's picture (by id); fails with `not_ready` until it has been read. */
export const itemText = (id: string) => invoke<ItemText>("item_text", { id });
/** Reads again files that failed (`paths`, or all when empty). */
export function retryFailures(paths: string[], onEvent: (e: IndexEvent) => void): Promise<Summary> {
  const channel = new Channel<IndexEvent>();
  channel.onmessage = onEvent;
  return invoke<Summary>("retry_failures", { paths, onEvent: channel });
}
export function indexFolders(folders: string[], onEvent: (e: IndexEvent) => void): Promise<Summary> {
  const channel = new Channel<IndexEvent>();
  channel.onmessage = onEvent;
  return invoke<Summary>("index_folders", { folders, onEvent: channel });
}

/** Called whenever the background watcher changed the library. */
export const onLibraryChanged = (f: () => void): Promise<UnlistenFn> => listen("library-changed", () => f());

export const modelsList = () => invoke<ModelsList>("models_list");
export const cancelModelTask = () => invoke<boolean>("cancel_model_task");
export function modelsPull(id: string, onEvent: (e: PullEvent) => void): Promise<ModelEntry> {
  const channel = new Channel<PullEvent>();
  channel.onmessage = onEvent;
  return invoke<ModelEntry>("models_pull", { id, onEvent: channel });
}
/** Installs a model from a folder or archive the user picked; never replaces an installed one. */
export function modelsInstall(path: string, onEvent: (e: PullEvent) => void): Promise<ModelEntry> {
  const channel = new Channel<PullEvent>();
  channel.onmessage = onEvent;
  return invoke<ModelEntry>("models_install", { path, onEvent: channel });
}
/** Opens another library in a folder the user picked (a library, an empty folder or a new one); remembered for the next start. */
export const libraryOpen = (path: string) => invoke<Status>("library_open", { path });
/** The app's version and where it keeps the library and models. */
export const appInfo = () => invoke<AppInfo>("app_info");
export function modelsUse(id: string, onEvent: (e: IndexEvent) => void): Promise<Switch> {
  const channel = new Channel<IndexEvent>();
  channel.onmessage = onEvent;
  return invoke<Switch>("models_use", { id, onEvent: channel });
}
export const compare = (query: string, models: string[], limit = 12) =>
  invoke<Comparison>("compare", {
    query,
    models,
    limit,
    lang: queryLanguage(),
  });

export const heatmapMatrix = (prompts: string[], items: string[]) =>
  invoke<HeatMatrix>("heatmap_matrix", {
    prompts,
    items,
    lang: queryLanguage(),
  });
export function heatmapRegion(id: string, text: string, onProgress: (done: number, total: number) => void): Promise<RegionMap> {
  const channel = new Channel<[number, number]>();
  channel.onmessage = ([d, t]) => onProgress(d, t);
  return invoke<RegionMap>("heatmap_region", {
    id,
    text,
    lang: queryLanguage(),
    onEvent: channel,
  });
}
export const cancelHeatmap = () => invoke<boolean>("cancel_heatmap");

/** The matrix as CSV: a header of file names, one row per prompt. */
export function matrixCsv(m: HeatMatrix): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const head = ["prompt", ...m.items.map((i) => i.path)].map(q).join(",");
  const rows = m.prompts.map((p, r) => [q(p), ...m.cosines[r].map((c) => c.toFixed(6))].join(","));
  return [head, ...rows].join("\n") + "\n";
}

