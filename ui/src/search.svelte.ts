// What the window searches for and what came back: the query (its text and
// any dropped or pasted images), the query's outline, the result options,
// and the results a page at a time. An empty query (or filters alone)
// browses the library, newest first. One `search` call per run: its answer
// carries the outline too. Only the newest search may write results: a
// slow old answer never overwrites a newer one.
import { SvelteMap } from "svelte/reactivity";
import { asIpcError, fileToBase64, queryImage, search, type Hit, type IpcError, type Mode, type SearchParams, type Sort, type Strictness } from "./ipc";
import type { Month } from "./wire";
import { shifted, withTerm, withWeight, type Outline, type Part } from "./query";

/** Results asked for first, and then a page at a time as the user scrolls. */
const PAGE = 120;
const NEXT_PAGE = 1000;
/** Sorted by date or filtered, one list of at most this many (the command's page limit). */
const MAX_RESULTS = 2000;
/** How long typing must pause before a query that stops making sense says where. */
const ERROR_PAUSE = 1200;

/** An image dropped or pasted into the window: searched together with the text. */
export interface QueryImage {
  name: string;
  /** What `query_image` registered it as: `search`'s `images` name it by this. */
  token: string;
  /** An object URL for its chip. */
  url: string;
}

/** What the shown results were asked with: the next page asks the same. */
type Asked = SearchParams & { text: string; appendable: boolean };

export interface SearchHooks {
  /** A search starts: a result shown large may not be in the new list. */
  onStart: () => void;
  /** The window's one error line: a search's failure, or null once one succeeds. */
  onError: (e: IpcError | null) => void;
}

export class SearchState {
  query = $state("");
  // Replaced, never mutated: raw state keeps 100,000 hits cheap (no deep proxies).
  hits = $state.raw<Hit[]>([]);
  // The cutoff slider: null follows the library's calibrated default.
  minScore = $state<number | null>(null);
  cutoff = $state<number | null>(null);
  /** Where the line between matches and weaker ones goes: a calibrated mark. */
  strictness = $state<Strictness>("balanced");
  mode = $state<Mode>("hybrid");
  sort = $state<Sort>("relevance");
  queryImages = $state<QueryImage[]>([]);
  /** What the shown results are for ("" when none are shown, or the library is browsed). */
  searched = $state("");
  /** The library is shown newest first (the query has no terms). */
  browsing = $state(false);
  /** Results above the cutoff, in all pages (a search); the rest are weaker matches. */
  matches = $state<number | null>(null);
  /** Photos listed in all pages (browsing). */
  total = $state<number | null>(null);
  /** Browsing: the whole list's photos per month, newest first (the timeline). */
  months = $state.raw<Month[]>([]);
  searching = $state(false);
  /** Whether another page may follow. */
  more = $state(false);
  // The watcher changed the library since these results came.
  changed = $state(false);
  outline = $state<Outline | null>(null);
  /** Where the query stops making sense is said after a pause in typing, on Enter, or when the box is left. */
  errorShown = $state(false);
  // A new search gets a fresh grid (scrolled to the top); a next page does not.
  resultsKey = $state(0);
  // Thumbnails of items seen, for `similar:` chips.
  readonly thumbs = new SvelteMap<string, string>();

  /** Results are on screen: a search's, or the library browsed. */
  readonly shown = $derived(this.searched !== "" || this.browsing);

  /** The outline is worth showing: more than one plain term, or weights, images, items, filters. */
  readonly showParts = $derived(
    this.outline !== null &&
      !this.outline.error &&
      (this.outline.parts.length > 1 || this.outline.parts.some((p) => p.kind !== "text" || (p.weight ?? 1) !== 1)),
  );

  #hooks: SearchHooks;
  /** A next page is being fetched (the grid shows a spinner only then). */
  loadingMore = $state(false);
  #lastAsked: Asked | null = null;
  #pending: Promise<void> | null = null;
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #errorTimer: ReturnType<typeof setTimeout> | undefined;
  /** The search running was asked for with Enter (not a pause in typing). */
  #urgent = false;

  constructor(minScore: number | null, hooks: SearchHooks) {
    this.minScore = minScore;
    this.#hooks = hooks;
  }

  #params(offset: number, limit = PAGE) {
    return { minScore: this.minScore, strictness: this.strictness, mode: this.mode, sort: this.sort, offset, limit, images: this.queryImages.map((i) => i.token) };
  }

  /** Searches for what the box holds now (its text, read once, and the query images). */
  async run() {
    const text = this.query;
    const mine = ++this.#generation;
    this.#hooks.onStart();
    this.searching = true;
    // The engine reads the query trimmed, and its outline counts from there;
    // the window's edits count in the text as typed.
    const sent = text.trim();
    const lead = text.length - text.trimStart().length;
    try {
      const params = this.#params(0);
      const result = await search(sent, params);
      if (mine !== this.#generation) return;
      const o = shifted(result.outline, lead);
      this.outline = o;
      // A query that stops making sense (half a filter, typed on): the
      // results shown stay, dimmed; where it stops is said after a pause.
      if (o.error) {
        clearTimeout(this.#errorTimer);
        if (this.#urgent) this.errorShown = true;
        else this.#errorTimer = setTimeout(() => (this.errorShown = true), ERROR_PAUSE);
        return;
      }
      clearTimeout(this.#errorTimer);
      this.errorShown = false;
      // By relevance without filters, pages join up (the engine's fusion does
      // not depend on depth): next pages are appended. Sorted by date or
      // filtered, the order depends on the pool ranked: the longer list is asked again.
      // Browsing, the engine lists the whole (filtered) library in one order: pages join up too.
      const appendable = result.browsed || (params.sort === "relevance" && !o.parts.some((p) => p.kind === "filter"));
      this.#lastAsked = { text: sent, appendable, ...params };
      this.changed = false;
      this.hits = result.hits;
      this.resultsKey++;
      for (const h of result.hits) this.thumbs.set(h.id, h.thumbnail);
      this.more = result.total !== null ? result.hits.length < result.total : result.hits.length === PAGE;
      this.browsing = result.browsed;
      this.matches = result.matches;
      this.total = result.total;
      this.months = result.months;
      this.searched = result.browsed ? "" : text.trim() || this.queryImages.map((i) => i.name).join(", ");
      this.cutoff = result.cutoff;
      this.#hooks.onError(null);
    } catch (e) {
      if (mine === this.#generation) this.#hooks.onError(asIpcError(e));
    } finally {
      if (mine === this.#generation) this.searching = false;
    }
  }

  /** The next page of the query that was searched (not what the box holds now);
   * while one is on its way, that one. */
  loadMore(): Promise<void> {
    if (this.#pending) return this.#pending;
    if (!this.more || !this.#lastAsked) return Promise.resolve();
    this.#pending = this.#nextPage().finally(() => (this.#pending = null));
    return this.#pending;
  }

  /** Pages in until result `i` is there (the timeline's jumps), or the list ends. */
  async loadUntil(i: number) {
    const mine = this.#generation;
    while (this.hits.length <= i && this.more && mine === this.#generation) {
      const before = this.hits.length;
      await this.loadMore();
      if (this.hits.length === before) break;
    }
  }

  async #nextPage() {
    this.loadingMore = true;
    const mine = this.#generation;
    const asked = this.#lastAsked;
    if (!asked) return;
    const appendable = asked.appendable;
    const limit = appendable ? NEXT_PAGE : Math.min(this.hits.length + NEXT_PAGE, MAX_RESULTS);
    try {
      const result = await search(asked.text, { ...asked, offset: appendable ? this.hits.length : 0, limit });
      if (mine !== this.#generation) return;
      for (const h of result.hits) this.thumbs.set(h.id, h.thumbnail);
      if (appendable) {
        const have = new Set(this.hits.map((h) => h.id));
        this.hits = this.hits.concat(result.hits.filter((h) => !have.has(h.id)));
      } else {
        this.hits = result.hits;
      }
      this.more =
        result.total !== null
          ? this.hits.length < result.total
          : result.hits.length === limit && (appendable || limit < MAX_RESULTS);
      this.matches = result.matches;
      this.total = result.total;
    } catch (e) {
      if (mine === this.#generation) {
        this.#hooks.onError(asIpcError(e));
        this.more = false;
      }
    } finally {
      this.loadingMore = false;
    }
  }

  /** Typing: searches once the keys stop for a moment (an error waits for a longer one). */
  typed() {
    clearTimeout(this.#errorTimer);
    this.errorShown = false;
    this.#urgent = false;
    this.#later(250);
  }

  /** Enter: searches now, and says at once where the query stops making sense. */
  submit() {
    clearTimeout(this.#timer);
    this.#urgent = true;
    this.run();
  }

  /** The box was left: a query that stops making sense says where now. */
  revealError() {
    if (this.outline?.error) this.errorShown = true;
  }

  /** Replaces the query and searches it now. */
  setQuery(q: string) {
    this.query = q;
    this.submit();
  }

  /** Adds a term at the end (e.g. `similar:<id>`) and searches. */
  addTerm(term: string) {
    this.setQuery(withTerm(this.query, term));
  }

  setWeight(p: Part, w: number) {
    if (Number.isFinite(w)) this.setQuery(withWeight(this.query, p, w));
  }

  /** Strict, balanced or loose: the line moves to that calibrated mark (a fixed cutoff gives way). */
  setStrictness(s: Strictness) {
    this.strictness = s;
    this.minScore = null;
    this.submit();
  }

  /** A new cutoff: the slider moves freely, the search follows shortly. */
  setCutoff(value: number | null) {
    this.minScore = value;
    this.#later(150);
  }

  /** The images among `files` join the query, each registered once
   * (`query_image`); one that is not a picture is reported and left out. */
  async addImages(files: File[]) {
    const images = files.filter((f) => f.type.startsWith("image/"));
    if (images.length === 0) return;
    let added = 0;
    let failed: IpcError | null = null;
    for (const f of images) {
      try {
        const token = await queryImage(await fileToBase64(f));
        this.queryImages.push({ name: f.name || "pasted image", token, url: URL.createObjectURL(f) });
        added++;
      } catch (e) {
        failed = asIpcError(e);
      }
    }
    // A search that succeeds clears the error line: the refusal is reported after it.
    if (added) await this.run();
    if (failed) this.#hooks.onError(failed);
  }

  removeImage(i: number) {
    URL.revokeObjectURL(this.queryImages[i].url);
    this.queryImages.splice(i, 1);
    this.run();
  }

  #later(ms: number) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.run(), ms);
  }
}
