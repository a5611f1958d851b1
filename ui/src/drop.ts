// What a drag or a paste brings into the window: one of its own results (an
// item id, dragged from the grid onto the search box), or files. The whole
// window takes dropped and pasted images into the query; the search box
// takes results as `similar:` terms.

/** The drag type a result carries (Results.svelte sets it on dragstart). */
export const ITEM_TYPE = "application/x-clipdex-item";

export const isItemDrag = (e: DragEvent) => e.dataTransfer?.types.includes(ITEM_TYPE) ?? false;
export const isFileDrag = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;

/** The files a paste carries (pasted text is left to the box). */
function pastedFiles(e: ClipboardEvent): File[] {
  return Array.from(e.clipboardData?.items ?? [])
    .filter((i) => i.kind === "file")
    .map((i) => i.getAsFile())
    .filter((f): f is File => f !== null);
}

/**
 * The window's drag and paste handlers: a file dragged over the window shows
 * the drop zone (`dragging`); dropped or pasted images go to `images`.
 */
export function windowDrop(to: { dragging: (on: boolean) => void; images: (files: File[]) => void }) {
  return {
    dragover(e: DragEvent) {
      e.preventDefault();
      if (isFileDrag(e)) to.dragging(true);
    },
    dragleave() {
      to.dragging(false);
    },
    drop(e: DragEvent) {
      e.preventDefault();
      to.dragging(false);
      // A result dropped anywhere but the box does nothing.
      if (isItemDrag(e)) return;
      to.images(Array.from(e.dataTransfer?.files ?? []));
    },
    paste(e: ClipboardEvent) {
      const files = pastedFiles(e);
      if (files.some((f) => f.type.startsWith("image/"))) {
        e.preventDefault();
        to.images(files);
      }
    },
  };
}
