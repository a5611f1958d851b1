#!/usr/bin/env bash
# Retakes the window's screenshots in docs/screenshots/ from the real app
# (debug build) under Xvfb: the library browsed, a search, the viewer and the
# heatmap, at 640×420 and 1280×800, light and dark. The library is the test
# photos indexed with the random-weight fixture model, so rankings and maps
# mean nothing. The set-up is the end-to-end test's (scripts/e2e.sh).
#   scripts/screens.sh [DIR]
exec "$(dirname "$0")/e2e.sh" screens "${1:-docs/screenshots}"
