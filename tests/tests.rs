//! Integration tests of the desktop shell, one binary for all of tests/.
//!
//! - `app`: the real Tauri commands on Tauri's mock runtime, against a real
//!   library and the fixture model.
//! - `start`: a first run, and opening another library (remembered).
//! - `video`: a video's moments in a search answer, and its bytes by range.

mod app;
mod start;
mod video;
