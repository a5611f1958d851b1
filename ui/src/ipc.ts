// The one place the window talks to the Rust side. Types mirror
// src-tauri/commands.rs; error codes mirror clipdex-library's LibraryError::code.
import { invoke, Channel } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { validTag } from "./i18n";

export type ErrorCode =
  | "model_not_found"
  | "model_incomplete"
  | "model_invalid"
  | "model_mismatch"
  | "runtime_missing"
  | "inference_failed"
  | "store_failed"
  | "no_model"
  | "path_not_found"
  | "bad_image"
  | "io"
  | "query_syntax"
  | "unsupported"
  | "no_such_item"
  | "empty_query"
  | "not_in_library"
  | "cancelled"
  | "bad_argument"
  | "library_busy"
  | "watch_failed"
  | "busy"
  | "no_folders"
  | "model_not_indexed"
  | "model_not_installed"
  | "model_damaged"
  | "unknown_model"
  | "offline"
  | "download_failed"
  | "corrupt_download"
  | "disk_full"
  | "bad_model"
  | "open_failed"
  | "nothing_to_retry"
  | "internal";

export interface IpcError {
  code: ErrorCode | string;
  message: string;
}

export interface Hit {
  id: string;
  path: string;
  /** Every path holding this content (copies), `path` first. */
  paths: string[];
  score: number;
  width: number;
  height: number;
  thumbnail: string;
  /** The picture at preview size (the file itself where the web view can show it), by id. */
  image: string;
  /** EXIF date taken (ms since the epoch), if the photo has one. */
  takenAt: number | null;
  /** Date taken, else the file's modification time (ms). */
  date: number;
  camera: string | null;
  lens: string | null;
  caption: string | null;
  /** Zero-shot tags with their cosine, best first. */
  tags: { label: string; score: number }[];
  why: Why;
}

export interface Why {
  /** Rank among the nearest vectors, if it was one. */
  vectorRank: number | null;
  /** Rank among keyword (BM25) matches, if it was one. */
  keywordRank: number | null;
  /** Fields that held query words, e.g. "tags: dog". */
  keywordFields: string[];
  /** Reciprocal-rank-fusion score. */
  fused: number;
}

export type Mode = "hybrid" | "vector" | "keyword";
export type Sort = "relevance" | "date";

export interface SearchResult {
  hits: Hit[];
  /** The cosine cutoff applied to vector matches. */
  cutoff: number | null;
  /** Whether the cutoff is the library's calibrated default. */
  defaultCutoff: boolean;
  /** Vector matches the cutoff left out. */
  belowCutoff: number;
}

export interface SearchParams {
  limit?: number;
  /** Results to skip: the page `offset..offset + limit`. */
  offset?: number;
  /** Overrides the calibrated cutoff; -1 shows everything. */
  minScore?: number | null;
  mode?: Mode;
  sort?: Sort;
  /** Encoded images (base64) to search with: dropped or pasted, never paths. */
  images?: string[];
  /** The query's language (BCP-47); models that take a language code use it. */
  lang?: string;
}

export interface Failure {
  path: string;
  reason: string;
}

export interface Status {
  library: string;
  items: number;
  files: number;
  folders: string[];
  modelId: string | null;
  modelDir: string | null;
  failures: Failure[];
  indexing: boolean;
  /** Whether the running index is paused. */
  paused: boolean;
  /** Files still to index by a running indexer or watcher. */
  pending: number;
  /** How each watched folder is watched: "events" or "polling (why)". */
  watching: { folder: string; mode: string }[];
  /** Every model with vectors in the library: the active one first. */
  models: LibModel[];
  /** Where the loaded model runs, once one is loaded. */
  device: Device | null;
}

export interface Device {
  /** The execution provider actually in use: "cpu", "cuda", … */
  provider: string;
  /** Why a requested accelerator is not in use, if one was requested. */
  fallbackReason: string | null;
}

export interface LibModel {
  id: string;
  dir: string;
  dim: number;
  vectors: number;
  items: number;
  active: boolean;
  /** Being switched to: indexing in the background. */
  target: boolean;
  imagesPerSecond: number | null;
}

export interface Quality {
  benchmark: string;
  metric: string;
  value: number;
  source: string;
}

export interface ModelEntry {
  id: string;
  known: boolean;
  default: boolean;
  repo: string | null;
  dim: number | null;
  sizeMb: number | null;
  languages: string[];
  languagesNote: string | null;
  languagePrefix: boolean;
  licence: string | null;
  quality: Quality[];
  summary: string | null;
  installed: boolean;
  bytes: number | null;
  commit: string | null;
  library: LibModel | null;
}

export interface ModelsList {
  entries: ModelEntry[];
  modelsDir: string;
  device: Device | null;
}

export interface PullEvent {
  file: string;
  done: number;
  total: number;
}

export interface Switch {
  modelId: string;
  embedded: number;
  remaining: number;
  activated: boolean;
  cancelled: boolean;
  failed: number;
}

export interface Scores {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  histogram: number[];
}

export interface Run {
  modelId: string;
  hits: Hit[];
  latencyMs: number;
  scores: Scores;
  cutoff: number | null;
  imagesPerSecond: number | null;
  vectors: number;
  items: number;
}

export interface Comparison {
  k: number;
  runs: Run[];
  jaccard: number;
  overlap: number;
  spearman: number;
}

export interface Summary {
  indexed: number;
  reused: number;
  skipped: number;
  removed: number;
  failed: Failure[];
  cancelled: boolean;
  seconds: number;
}

export type IndexEvent =
  | { event: "started"; data: { folders: string[] } }
  | {
      event: "progress";
      data: {
        phase: "scanning" | "indexing" | "labels" | "describing" | "finished";
        total: number;
        done: number;
        indexed: number;
        reused: number;
        skipped: number;
        failed: number;
        removed: number;
        current: string | null;
      };
    }
  | { event: "finished"; data: { summary: Summary } };

let chosenLanguage: string | null = null;

/** The language queries are written in (the window's language setting). */
export function setQueryLanguage(tag: string | null) {
  chosenLanguage = tag;
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
      return "Download a CLIP model in the open_clip ONNX layout and set CLIPDEX_MODEL to its folder (see the README, “Getting a model”).";
    case "runtime_missing":
      return "Run the README's set-up to install ONNX Runtime, or set ORT_DYLIB_PATH.";
    case "model_mismatch":
      return "This library indexes with another model. Switch models in the Models panel; the current one stays searchable until the switch is done.";
    case "model_damaged":
      return "Download the model again from the Models panel; it replaces the damaged files.";
    case "offline":
      return "Clipdex works offline once a model is installed. To install without a network: clipdex models pull ID --from FOLDER_OR_ARCHIVE.";
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
    mode: p.mode,
    sort: p.sort,
    images: p.images ?? [],
    // The UI language is the query language unless the caller says otherwise.
    lang: p.lang ?? queryLanguage(),
  });

/** A file's bytes as base64, for `search`'s `images`. */
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

/** Why a hit matched, as one line for a tooltip. */
export function explain(h: Hit): string {
  const parts = [`cosine ${h.score.toFixed(3)}`];
  if (h.why.vectorRank !== null) parts.push(`#${h.why.vectorRank} by meaning`);
  if (h.why.keywordRank !== null) parts.push(`#${h.why.keywordRank} by keywords (${h.why.keywordFields.join("; ")})`);
  return parts.join(" · ");
}
export const libraryStatus = () => invoke<Status>("library_status");
export const cancelIndexing = () => invoke<boolean>("cancel_indexing");
/** Pauses (true) or resumes (false) the running index; whether one was running. */
export const pauseIndexing = (paused: boolean) => invoke<boolean>("pause_indexing", { paused });
/** Forgets a folder (the files stay on disk); whether it was one of the library's. */
export const removeFolder = (folder: string) => invoke<boolean>("remove_folder", { folder });
/** Opens an item in the system's viewer, or shows it in its folder. */
export const openItem = (id: string, reveal = false) => invoke<void>("open_item", { id, reveal });
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

export interface MatrixItem {
  id: string;
  path: string;
  thumbnail: string;
}

export interface HeatMatrix {
  prompts: string[];
  items: MatrixItem[];
  /** cosines[prompt][item] */
  cosines: number[][];
  /** The same cells on the model's calibrated scale, 0–1. */
  levels: number[][];
  low: number;
  high: number;
  /** "calibrated", or "matrix" (the matrix's own range). */
  scale: string;
}

export interface RegionMap {
  rows: number;
  cols: number;
  cells: number[];
  /** Cells rescaled to 0–1 over this map. */
  levels: number[];
  whole: number;
  passes: number;
  /** From the model's patch tokens (a dense map, a cell per patch) rather than crops. */
  dense: boolean;
  cached: boolean;
}

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

/** A heat colour for a level from 0 (blue) to 1 (red), as clipdex-media draws it. */
export function heatColour(level: number): string {
  const t = Math.min(1, Math.max(0, level)) * 4;
  const [r, g, b] = t < 1 ? [0, t, 1] : t < 2 ? [0, 1, 2 - t] : t < 3 ? [t - 2, 1, 0] : [1, 4 - t, 0];
  return `rgb(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)})`;
}

/** The matrix as CSV: a header of file names, one row per prompt. */
export function matrixCsv(m: HeatMatrix): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const head = ["prompt", ...m.items.map((i) => i.path)].map(q).join(",");
  const rows = m.prompts.map((p, r) => [q(p), ...m.cosines[r].map((c) => c.toFixed(6))].join(","));
  return [head, ...rows].join("\n") + "\n";
}

/** The heatmap's rows from a query: its text terms (comma- or
 * plus-separated), without weights (`2:`), quotes or signs; filters
 * (`camera:…`), `similar:` and image paths are not prompts. No repeats. */
export function promptsOf(query: string): string[] {
  const filter = /^(folder|ext|minsize|after|before|camera|type|similar):/i;
  const out: string[] = [];
  for (const raw of query.split(/,|\s\+\s|^\+|\s\+(?=\S)/)) {
    let p = raw.trim().replace(/^[+-]\s*/, "").replace(/^\d+(\.\d+)?:/, "").trim();
    p = p.replace(/^"(.*)"$/, "$1").trim();
    const path = /^(\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(p) || /\.(jpe?g|png|webp|gif|bmp|tiff?)$/i.test(p);
    if (p && !filter.test(p) && !path && !out.includes(p)) out.push(p);
  }
  return out;
}
