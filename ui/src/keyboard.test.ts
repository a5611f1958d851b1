// The window's shortcuts, without a window: which key opens, closes or
// toggles what, and what a held (repeating) key does.
import { afterEach, describe, expect, it, vi } from "vitest";
import { shortcuts, type Actions, type Key, type Panel } from "./keyboard";

function setup(panel: Panel | null = null, previewing = false) {
  const state = { panel, previewing, view: "grid", focused: false, closedPreview: false };
  const actions: Actions = {
    panel: () => state.panel,
    openPanel: (p) => (state.panel = p),
    closePanel: () => (state.panel = null),
    toggleView: () => (state.view = state.view === "grid" ? "heatmap" : "grid"),
    previewing: () => state.previewing,
    closePreview: () => (state.closedPreview = true),
    focusSearch: () => (state.focused = true),
  };
  return { state, press: shortcuts(actions) };
}

const key = (k: string, mods: Partial<Key> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  repeat: false,
  preventDefault: vi.fn(),
  ...mods,
});

afterEach(() => vi.unstubAllGlobals());

describe("shortcuts", () => {
  it("toggles the panels with Ctrl+Shift+M, Ctrl+Shift+L and Ctrl+, (⌘ on macOS)", () => {
    const { state, press } = setup();
    press(key("M", { ctrlKey: true, shiftKey: true }));
    expect(state.panel).toBe("models");
    press(key("L", { metaKey: true, shiftKey: true }));
    expect(state.panel).toBe("library");
    press(key("l", { ctrlKey: true, shiftKey: true }));
    expect(state.panel).toBeNull();
    const e = key(",", { ctrlKey: true });
    press(e);
    expect(state.panel).toBe("settings");
    expect(e.preventDefault).toHaveBeenCalled();
  });
  it("toggles once for a held key", () => {
    const { state, press } = setup();
    press(key("M", { ctrlKey: true, shiftKey: true }));
    const held = key("M", { ctrlKey: true, shiftKey: true, repeat: true });
    press(held);
    expect(state.panel).toBe("models");
    expect(held.preventDefault).toHaveBeenCalled();
    press(key("H", { ctrlKey: true, shiftKey: true }));
    press(key("H", { ctrlKey: true, shiftKey: true, repeat: true }));
    expect(state.view).toBe("heatmap");
  });
  it("closes a panel with Escape before the preview under it", () => {
    const { state, press } = setup("library", true);
    press(key("Escape"));
    expect([state.panel, state.closedPreview]).toEqual([null, false]);
    press(key("Escape"));
    expect(state.closedPreview).toBe(true);
  });
  it("jumps to the search box with /, unless typing in a control", () => {
    class Input {}
    vi.stubGlobal("HTMLInputElement", Input);
    vi.stubGlobal("HTMLSelectElement", class {});
    vi.stubGlobal("document", { activeElement: null });
    const { state, press } = setup();
    const e = key("/");
    press(e);
    expect(state.focused).toBe(true);
    expect(e.preventDefault).toHaveBeenCalled();
    const typed = setup();
    vi.stubGlobal("document", { activeElement: new Input() });
    const t = key("/");
    typed.press(t);
    expect(typed.state.focused).toBe(false);
    expect(t.preventDefault).not.toHaveBeenCalled();
  });
});
