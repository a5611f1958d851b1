// What the viewer keeps between photos and openings for the session: whether its info pane shows.
export const viewerPrefs = $state({ info: true });
