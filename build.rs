/// The app's commands (one list, shared with the capability test).
const COMMANDS: &[&str] = include!("src-tauri/commands/names.rs");

fn main() {
    // tauri-build names the files it watches, so cargo watches only those: the
    // command list is named too, or a new command would miss its permission.
    println!("cargo:rerun-if-changed=src-tauri/commands/names.rs");
    // Declaring the app's commands makes tauri-build generate one `allow-<command>`
    // permission each, so capabilities/default.json can grant exactly these.
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step failed");
}
