// The window's shortcuts, wherever the focus is: the panels, the heatmap
// view, Escape to close what is open (a panel first, then the preview), and
// / to jump to the search box. Keys within a control (the results' arrows,
// the box's ArrowDown) belong to that control.

export type Panel = "models" | "library" | "settings";

/** What the shortcuts read and do in the window. */
export interface Actions {
  panel: () => Panel | null;
  openPanel: (p: Panel) => void;
  closePanel: () => void;
  /** Grid to heatmap and back. */
  toggleView: () => void;
  previewing: () => boolean;
  closePreview: () => void;
  focusSearch: () => void;
}

/** Keys read by the shortcuts: a KeyboardEvent, or its likeness in a test. */
export type Key = Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey" | "repeat" | "preventDefault">;

// Ctrl+Shift+M (⌘⇧M on macOS): models; Ctrl+Shift+L: library.
const PANELS: Record<string, "models" | "library"> = { m: "models", l: "library" };

/** Whether the focus is in a control that takes "/" as text. */
const typing = () => document.activeElement instanceof HTMLInputElement || document.activeElement instanceof HTMLSelectElement;

/** The window's keydown handler. */
export function shortcuts(w: Actions): (e: Key) => void {
  return (e) => {
    const mod = e.ctrlKey || e.metaKey;
    // Ctrl+, : settings. A held key repeats: toggle once.
    const which = mod && e.shiftKey ? PANELS[e.key.toLowerCase()] : undefined;
    if (which || (mod && e.key === ",")) {
      e.preventDefault();
      const p = which ?? "settings";
      if (!e.repeat) {
        if (w.panel() === p) w.closePanel();
        else w.openPanel(p);
      }
      return;
    }
    // Ctrl+Shift+H: results as a similarity heatmap, and back.
    if (mod && e.shiftKey && e.key.toLowerCase() === "h") {
      e.preventDefault();
      if (!e.repeat) w.toggleView();
      return;
    }
    if (e.key === "Escape" && w.panel()) {
      w.closePanel();
      return;
    }
    if (e.key === "Escape" && w.previewing()) {
      w.closePreview();
      return;
    }
    if (e.key === "/" && !typing()) {
      e.preventDefault();
      w.focusSearch();
    }
  };
}
