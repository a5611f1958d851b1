fn main() {
    // Declaring the app's commands makes tauri-build generate one `allow-<command>`
    // permission each, so capabilities/default.json can grant exactly these.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "search",
        "index_folders",
        "library_status",
        "cancel_indexing",
        "models_list",
        "models_pull",
        "models_use",
        "cancel_model_task",
        "compare",
        "heatmap_matrix",
        "heatmap_region",
        "cancel_heatmap",
        "query_outline",
        "open_item",
        "remove_folder",
        "pause_indexing",
        "retry_failures",
    ])))
    .expect("tauri build step failed");
}
