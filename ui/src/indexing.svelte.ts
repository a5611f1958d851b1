// The library as the window knows it, and the index runs the window starts:
// the status (counts, folders, model, what is watched), a running index's
// progress, rate and pause state, the last run's summary, and the
// background watcher's change events.
import { open } from "@tauri-apps/plugin-dialog";
import {
  asIpcError,
  cancelIndexing,
  indexFolders,
  libraryStatus,
  onLibraryChanged,
  pauseIndexing,
  removeFolder,
  retryFailures,
  type IndexEvent,
  type IpcError,
  type Status,
  type Summary,
} from "./ipc";
import { Rate } from "./rate";

export type Progress = Extract<IndexEvent, { event: "progress" }>["data"];

/** How far a run is, in percent of its current phase. */
export const percent = (p: Progress) => (p.total > 0 ? Math.round((100 * p.done) / p.total) : 0);

export interface IndexingHooks {
  /** The window's one error line: a failure, or null as a new run starts. */
  onError: (e: IpcError | null) => void;
  /** An index run ended (finished, cancelled or failed): results may have changed. */
  onIndexed: () => void;
  /** The background watcher changed the library. */
  onWatcherChange: () => void;
  /** A running index wrote more (optional): what is already indexed can be searched. */
  onProgress?: (p: Progress) => void;
}

export class IndexingState {
  status = $state<Status | null>(null);
  // Set when the library cannot be opened at start: the window says so instead of failing blank.
  startupError = $state<IpcError | null>(null);
  progress = $state<Progress | null>(null);
  paused = $state(false);
  perSecond = $state<number | null>(null);
  eta = $state<number | null>(null);
  lastSummary = $state<Summary | null>(null);

  #hooks: IndexingHooks;
  #rate = new Rate();

  constructor(hooks: IndexingHooks) {
    this.#hooks = hooks;
  }

  async refreshStatus() {
    try {
      this.status = await libraryStatus();
      this.startupError = null;
      this.paused = this.status.paused;
    } catch (e) {
      if (this.status === null) this.startupError = asIpcError(e);
      else this.#hooks.onError(asIpcError(e));
    }
  }

  /** "Try again" after the library could not be opened: asks as if the window had just started. */
  async retryStart() {
    this.status = null;
    this.startupError = null;
    await this.refreshStatus();
  }

  /**
   * Follows the background watcher: a change refreshes the counts (what it
   * means for results is the hook's to say). Returns the way to stop.
   */
  watch(): () => void {
    const stop = onLibraryChanged(() => {
      this.refreshStatus();
      this.#hooks.onWatcherChange();
    });
    // A change announced before the window was listening (the watcher starts
    // with the app) would be missed: ask once more now that it listens.
    stop.then(() => this.refreshStatus()).catch(() => {});
    return () => {
      stop.then((f) => f()).catch(() => {});
    };
  }

  async #chooseFolders(): Promise<string[]> {
    try {
      const chosen = await open({ directory: true, multiple: true, title: "Add folders to Clipdex" });
      if (!chosen) return [];
      return Array.isArray(chosen) ? chosen : [chosen];
    } catch (e) {
      this.#hooks.onError(asIpcError(e));
      return [];
    }
  }

  /** Asks for folders and indexes them. */
  async addFolder() {
    const folders = await this.#chooseFolders();
    if (folders.length) await this.addFolders(folders);
  }

  /** Indexes folders the user chose (in the dialog, or the Pictures folder the app offered). */
  async addFolders(folders: string[]) {
    await this.#track((onEvent) => indexFolders(folders, onEvent));
  }

  /** Reads again the files that could not be read. */
  async retry(paths: string[]) {
    await this.#track((onEvent) => retryFailures(paths, onEvent));
  }

  /** Runs an index (add, retry) with progress, rate and pause state shown. */
  async #track(run: (onEvent: (e: IndexEvent) => void) => Promise<Summary>) {
    this.#hooks.onError(null);
    this.lastSummary = null;
    this.paused = false;
    this.#rate = new Rate();
    this.perSecond = null;
    this.eta = null;
    this.progress = { phase: "scanning", total: 0, done: 0, indexed: 0, reused: 0, skipped: 0, failed: 0, removed: 0, current: null };
    let finished = false;
    try {
      this.lastSummary = await run((ev) => {
        // A channel message can arrive after the command's answer: a finished run shows no progress.
        if (ev.event !== "progress" || finished) return;
        if (ev.data.phase !== this.progress?.phase) this.#rate.reset();
        this.progress = ev.data;
        this.#rate.add(performance.now(), ev.data.done);
        this.perSecond = this.#rate.perSecond();
        this.eta = this.#rate.eta(ev.data.total);
        this.#hooks.onProgress?.(ev.data);
      });
    } catch (e) {
      this.#hooks.onError(asIpcError(e));
    } finally {
      finished = true;
      this.progress = null;
      this.paused = false;
      await this.refreshStatus();
      this.#hooks.onIndexed();
    }
  }

  async setPaused(p: boolean) {
    try {
      if (await pauseIndexing(p)) {
        this.paused = p;
        this.#rate.reset();
        this.perSecond = null;
        this.eta = null;
      }
    } catch (e) {
      this.#hooks.onError(asIpcError(e));
    }
  }

  cancel() {
    return cancelIndexing();
  }

  /** Forgets a folder (its files stay on disk), then shows the library as it is. */
  async forget(folder: string) {
    try {
      await removeFolder(folder);
    } catch (e) {
      this.#hooks.onError(asIpcError(e));
    }
    await this.refreshStatus();
  }
}
