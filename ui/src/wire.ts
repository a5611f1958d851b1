// Generated from the Rust DTOs (src-tauri/dto) and the engine's ErrorCode by
// src-tauri/wire.rs. Do not edit: run `CLIPDEX_WRITE_WIRE=1 cargo test --lib wire`.

/** Every code an error that reaches the window can carry. */
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
  | "library_damaged"
  | "library_busy"
  | "watch_failed"
  | "busy"
  | "no_folders"
  | "model_not_indexed"
  | "model_not_installed"
  | "model_exists"
  | "model_damaged"
  | "unknown_model"
  | "offline"
  | "download_failed"
  | "corrupt_download"
  | "disk_full"
  | "bad_model"
  | "open_failed"
  | "nothing_to_retry"
  | "not_ready"
  | "unauthorized"
  | "forbidden"
  | "too_large"
  | "not_found"
  | "internal"
;

/** Any error from a command. */
export type IpcError = { code: ErrorCode, message: string };

export type Hit = { id: string, path: string, 
/**
 * Every path holding this content (copies), `path` first.
 */
paths: Array<string>, 
/**
 * Cosine similarity: shown only when the user asks for numbers.
 */
score: number, 
/**
 * How well it matches in words, against the query's calibrated marks;
 * null when browsing or before the library is calibrated.
 */
level: "strong" | "good" | "weak" | null, 
/**
 * Where a keyword match was found: `name`, `tag`, `camera`, `words`
 * (read in the picture), `text` (a caption).
 */
matchedBy: Array<"name" | "tag" | "camera" | "words" | "text">, width: number, height: number, 
/**
 * `thumb://localhost/<id>`: served by id, never by path.
 */
thumbnail: string, 
/**
 * `media://localhost/<id>`: the picture at preview size, by id.
 */
image: string, 
/**
 * EXIF date taken (ms since the epoch), if any.
 */
takenAt: number | null, 
/**
 * Date taken, else the file's modification time (ms).
 */
date: number, camera: string | null, lens: string | null, caption: string | null, tags: Array<Tag>, why: Why, kind: "photo" | "video" | "gif", 
/**
 * A video's best moment for the query, seconds from its start (its
 * `thumbnail` is that moment's picture).
 */
time: number | null, 
/**
 * A video's best moments, best first (the window's strip sorts them by time).
 */
moments: Array<Moment>, 
/**
 * Words read in the picture that the query found, with their boxes
 * (fractions of the upright picture): what the preview highlights.
 */
textMatch: Array<TextWord>, };

export type Moment = { 
/**
 * Seconds from the start.
 */
time: number, 
/**
 * The moment's picture, by its id (`thumb://localhost/<id>%23<ms>`).
 */
thumbnail: string, };

export type Tag = { label: string, score: number, };

export type Why = { vectorRank: number | null, keywordRank: number | null, keywordFields: Array<string>, fused: number, };

export type TextWord = { text: string, 
/**
 * Left, top, width, height: fractions (0–1) of the picture's width and height.
 */
x: number, y: number, w: number, h: number, };

export type ItemText = { 
/**
 * The words, space-separated (empty: the picture holds none).
 */
text: string, words: Array<TextWord>, };

export type Month = { year: number, 
/**
 * 1–12.
 */
month: number, count: number, };

export type SearchResult = { hits: Array<Hit>, 
/**
 * The cosine cutoff applied to vector matches, if any.
 */
cutoff: number | null, 
/**
 * Whether it is the library's calibrated default (the slider's home).
 */
defaultCutoff: boolean, 
/**
 * Vector matches below the cutoff (they follow the matches, as weaker ones).
 */
belowCutoff: number, 
/**
 * Results above the cutoff in all pages together, exactly (not when browsing):
 * the first `matches - offset` hits of this page are matches, the rest weaker.
 */
matches: number | null, 
/**
 * Browsing: the photos listed in all pages together, exactly.
 */
total: number | null, 
/**
 * Browsing: the whole list's photos per month (UTC), newest first.
 */
months: Array<Month>, 
/**
 * The query had no terms: the library, newest first (scores are 0).
 */
browsed: boolean, 
/**
 * The query as the engine read it.
 */
outline: Outline, };

export type Outline = { parts: Array<Part>, error: SyntaxAt | null, };

export type Part = { start: number, atomStart: number, end: number, 
/**
 * `text`, `image` (a path), `similar` (a library item) or `filter`.
 */
kind: "text" | "image" | "similar" | "filter", 
/**
 * The phrase, path, item id, or `name:value` of a filter.
 */
label: string, 
/**
 * Terms only: the signed weight.
 */
weight: number | null, };

export type SyntaxAt = { 
/**
 * Where the query stops making sense (UTF-16 offset).
 */
position: number, expected: string, };

export type Status = { library: string, items: number, 
/**
 * How many of `items` are videos.
 */
videos: number, files: number, folders: Array<string>, modelId: string | null, 
/**
 * The active model as people call it (the registry's name, else its folder name).
 */
modelName: string | null, modelDir: string | null, failures: Array<Failure>, 
/**
 * Files left for later through no fault of theirs, with the reason
 * (videos while ffmpeg is missing).
 */
skipped: Array<Failure>, indexing: boolean, 
/**
 * Whether the running index is paused.
 */
paused: boolean, 
/**
 * Files still to index by a running indexer or watcher.
 */
pending: number, 
/**
 * How each watched folder is watched: "events" or "polling (why)".
 */
watching: Array<Watching>, 
/**
 * Every model with vectors in the library: the active one first, and
 * any being switched to.
 */
models: Array<LibModel>, 
/**
 * Where the loaded model runs, if one is loaded.
 */
device: Device | null, 
/**
 * No model to index with yet (none in the library, none installed):
 * the window offers the registry's models first.
 */
needsModel: boolean, 
/**
 * A folder to offer a library without folders (the user's Pictures).
 */
suggestedFolder: string | null, 
/**
 * Reading text in pictures (OCR).
 */
text: TextStatus, };

export type TextStatus = { 
/**
 * The engine ("tesseract 5.3.0"); null: OCR is off.
 */
engine: string | null, 
/**
 * Why it is off, in words.
 */
offReason: string | null, languages: Array<string>, 
/**
 * Pictures read, and how many held words.
 */
read: number, withText: number, 
/**
 * Pictures waiting to be read.
 */
waiting: number, };

export type AppInfo = { version: string, library: string, models: string, 
/**
 * Where to play a video from: this and its id (Linux, whose web view
 * cannot play from the app's own scheme); null: the hit's `image`.
 */
videoBase: string | null, };

export type Failure = { path: string, reason: string, };

export type Watching = { folder: string, mode: string, };

export type Summary = { indexed: number, reused: number, skipped: number, removed: number, failed: Array<Failure>, cancelled: boolean, seconds: number, };

export type IndexEvent = { "event": "started", "data": { folders: Array<string>, } } | { "event": "progress", "data": { phase: "scanning" | "indexing" | "labels" | "describing" | "reading" | "finished", total: number, done: number, indexed: number, reused: number, skipped: number, failed: number, removed: number, current: string | null, } } | { "event": "finished", "data": { summary: Summary, } };

export type Camera = { name: string, photos: number, };

export type Device = { 
/**
 * The execution provider actually in use: "cpu", "cuda", …
 */
provider: string, 
/**
 * Why a requested accelerator is not in use, if one was requested.
 */
fallbackReason: string | null, };

export type LibModel = { id: string, 
/**
 * What people call it (the registry's name, else the folder name).
 */
name: string, dir: string, dim: number, vectors: number, items: number, active: boolean, 
/**
 * Being switched to (indexing in the background).
 */
target: boolean, imagesPerSecond: number | null, };

export type Quality = { benchmark: string, metric: string, value: number, source: string, };

export type ModelEntry = { id: string, 
/**
 * What people call it: the registry's name, else the id.
 */
name: string, known: boolean, default: boolean, repo: string | null, dim: number | null, sizeMb: number | null, languages: Array<string>, languagesNote: string | null, languagePrefix: boolean, licence: string | null, quality: Array<Quality>, summary: string | null, installed: boolean, bytes: number | null, commit: string | null, 
/**
 * The library's vectors from this model, if any.
 */
library: LibModel | null, };

export type ModelsList = { entries: Array<ModelEntry>, modelsDir: string, device: Device | null, };

export type PullEvent = { file: string, done: number, total: number, };

export type Switch = { modelId: string, embedded: number, remaining: number, activated: boolean, cancelled: boolean, failed: number, };

export type Scores = { n: number, min: number, p50: number, p90: number, p99: number, max: number, histogram: Array<number>, };

export type Run = { modelId: string, hits: Array<Hit>, latencyMs: number, scores: Scores, cutoff: number | null, imagesPerSecond: number | null, vectors: number, items: number, };

export type Comparison = { k: number, runs: Array<Run>, jaccard: number, overlap: number, spearman: number, };

export type MatrixItem = { id: string, path: string, thumbnail: string, };

export type HeatMatrix = { prompts: Array<string>, items: Array<MatrixItem>, 
/**
 * `cosines[prompt][item]`.
 */
cosines: Array<Array<number>>, 
/**
 * The same cells on the model's calibrated scale, 0–1.
 */
levels: Array<Array<number>>, low: number, high: number, 
/**
 * "calibrated" or "matrix" (the matrix's own range).
 */
scale: string, };

export type RegionMap = { rows: number, cols: number, cells: Array<number>, 
/**
 * Cells rescaled to 0–1 over this map.
 */
levels: Array<number>, whole: number, passes: number, 
/**
 * From the model's patch tokens (a dense map) rather than crops.
 */
dense: boolean, cached: boolean, };
