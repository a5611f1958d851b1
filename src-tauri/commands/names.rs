// The app's commands by name: the one list that `build.rs` turns into an
// `allow-<command>` permission each (capabilities/default.json grants them to
// the main window), and that the capability test walks. An expression, so
// both can `include!` it. Keep it in step with `generate_handler!` in lib.rs.
&[
    "search",
    "query_image",
    "index_folders",
    "library_status",
    "library_open",
    "cameras",
    "cancel_indexing",
    "pause_indexing",
    "retry_failures",
    "remove_folder",
    "open_item",
    "item_text",
    "set_language",
    "models_list",
    "models_pull",
    "models_use",
    "models_install",
    "app_info",
    "cancel_model_task",
    "compare",
    "heatmap_matrix",
    "heatmap_region",
    "cancel_heatmap",
]
