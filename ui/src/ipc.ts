// The one place the window talks to the Rust side. Types mirror
// src-tauri/commands.rs; error codes mirror clipdex-library's LibraryError::code.
import { invoke, Channel } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

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
  /** Files still to index by a running indexer or watcher. */
  pending: number;
  /** How each watched folder is watched: "events" or "polling (why)". */
  watching: { folder: string; mode: string }[];
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
      return "This library was built with another model. Use that model, or start a new library.";
    default:
      return null;
  }
}

export const search = (query: string, p: SearchParams = {}) =>
  invoke<SearchResult>("search", {
    query,
    limit: p.limit,
    minScore: p.minScore ?? null,
    mode: p.mode,
    sort: p.sort,
    images: p.images ?? [],
    // The UI language is the query language unless the caller says otherwise.
    lang: p.lang ?? (typeof navigator !== "undefined" ? navigator.language : undefined),
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

/** Why a hit matched, as one line for a tooltip. */
export function explain(h: Hit): string {
  const parts = [`cosine ${h.score.toFixed(3)}`];
  if (h.why.vectorRank !== null) parts.push(`#${h.why.vectorRank} by meaning`);
  if (h.why.keywordRank !== null) parts.push(`#${h.why.keywordRank} by keywords (${h.why.keywordFields.join("; ")})`);
  return parts.join(" · ");
}
export const libraryStatus = () => invoke<Status>("library_status");
export const cancelIndexing = () => invoke<boolean>("cancel_indexing");
export function indexFolders(folders: string[], onEvent: (e: IndexEvent) => void): Promise<Summary> {
  const channel = new Channel<IndexEvent>();
  channel.onmessage = onEvent;
  return invoke<Summary>("index_folders", { folders, onEvent: channel });
}

/** Called whenever the background watcher changed the library. */
export const onLibraryChanged = (f: () => void): Promise<UnlistenFn> => listen("library-changed", () => f());
