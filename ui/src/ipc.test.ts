// Front-end logic, without a window: colours, CSV, prompts, errors, and
// what the search call sends over IPC (Tauri's IPC mocked).
import { afterEach, beforeAll, describe, expect, it } from "vitest";

// Tauri's mocks install themselves on `window`.
beforeAll(() => {
  (globalThis as unknown as { window: unknown }).window = globalThis;
});

import { advice, asIpcError, matrixCsv, queryImage, search, type HeatMatrix, type Hit, type SearchResult } from "./ipc";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";

afterEach(() => clearMocks());

describe("matrixCsv", () => {
  it("quotes names and keeps every cosine", () => {
    const m: HeatMatrix = {
      prompts: ['a "red" sled', "dog"],
      items: [
        { id: "a", path: "/p/one, two.jpg", thumbnail: "" },
        { id: "b", path: "/p/b.png", thumbnail: "" },
      ],
      cosines: [
        [0.25, -0.125],
        [0.5, 0.0625],
      ],
      levels: [
        [0, 0],
        [0, 0],
      ],
      low: 0,
      high: 1,
      scale: "calibrated",
    };
    expect(matrixCsv(m)).toBe(
      '"prompt","/p/one, two.jpg","/p/b.png"\n"a ""red"" sled",0.250000,-0.125000\n"dog",0.500000,0.062500\n',
    );
  });
});

describe("errors", () => {
  it("normalises anything to {code, message} and advises where there is a fix", () => {
    expect(asIpcError({ code: "offline", message: "no network" })).toEqual({ code: "offline", message: "no network" });
    expect(asIpcError("boom")).toEqual({ code: "internal", message: "boom" });
    expect(advice({ code: "disk_full", message: "" })).toMatch(/resumes/);
    expect(advice({ code: "model_mismatch", message: "" })).toMatch(/Models panel/);
    expect(advice({ code: "bad_argument", message: "" })).toBeNull();
    expect(advice({ code: "model_not_installed", message: "" })).toBe("Download it in the Models panel first.");
    expect(advice({ code: "model_not_indexed", message: "" })).toMatch(/Switch to it in the Models panel/);
    expect(advice({ code: "model_exists", message: "" })).toMatch(/Remove that model in the Models panel/);
    expect(advice({ code: "library_damaged", message: "" })).toMatch(/keeps everything else/);
    // The window's own words: no CLI commands.
    expect(advice({ code: "offline", message: "" })).toMatch(/models folder shown in the Models panel/);
    expect(advice({ code: "offline", message: "" })).not.toMatch(/clipdex |--from/);
  });
});

describe("search over IPC", () => {
  it("sends the query, the images' tokens and the UI language; the answer carries the outline", async () => {
    const seen: { cmd: string; args: unknown }[] = [];
    const answer: SearchResult = {
      hits: [],
      cutoff: 0.2,
      defaultCutoff: true,
      belowCutoff: 3,
      matches: 0,
      total: null,
      months: [],
      browsed: false,
      outline: { parts: [{ start: 0, atomStart: 0, end: 5, kind: "text", label: "a dog", weight: 1 }], error: null },
    };
    mockIPC((cmd, args) => {
      seen.push({ cmd, args });
      return answer;
    });
    const r = await search("a dog", { images: ["qimg-0123abcd"], mode: "vector", lang: "de" });
    expect(r.belowCutoff).toBe(3);
    expect(r.outline.parts[0].label).toBe("a dog");
    expect(seen).toHaveLength(1);
    expect(seen[0].cmd).toBe("search");
    expect(seen[0].args).toMatchObject({ query: "a dog", images: ["qimg-0123abcd"], mode: "vector", lang: "de", minScore: null });
  });

  it("registers a query image by its bytes and gets its token", async () => {
    const seen: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      seen.push({ cmd, args });
      return "qimg-0123abcd";
    });
    expect(await queryImage("iVBORw0KGgo=")).toBe("qimg-0123abcd");
    expect(seen).toEqual([{ cmd: "query_image", args: { data: "iVBORw0KGgo=" } }]);
  });

  it("rejects with the backend's {code, message}", async () => {
    mockIPC(() => {
      throw { code: "query_syntax", message: "the query is not valid at 3" };
    });
    await expect(search("a ((")).rejects.toEqual({ code: "query_syntax", message: "the query is not valid at 3" });
  });
});
