// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // HEIC and RAW files are decoded by this same program in a child process.
    if let Some(code) = clipdex_library::decode_worker::start() {
        std::process::exit(code);
    }
    clipdex_desktop::run()
}
