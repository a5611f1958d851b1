// What the viewer keeps between photos and openings for the session: whether
// its info pane shows (at first, only where the window leaves the photo room).
export const viewerPrefs = $state({ info: typeof window === "undefined" || window.innerWidth >= 900 });
