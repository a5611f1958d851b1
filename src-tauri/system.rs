//! Handing a file to the desktop: open it in the system's viewer, or show it
//! in its folder. The path always comes from the library (by item id), never
//! from the window.
//!
//! Each platform's own tool does it: `open` / `open -R` on macOS, Explorer on
//! Windows, and on Linux `xdg-open`, with the freedesktop `FileManager1`
//! D-Bus call (through `dbus-send`) to select the file in its folder, falling
//! back to opening the folder when no file manager answers it.

use clipdex_library::ErrorCode;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::IpcError;

/// Opens `path` in its default app, or (with `reveal`) shows it in its folder.
pub fn open(path: &Path, reveal: bool) -> Result<(), IpcError> {
    if !path.exists() {
        return Err(IpcError::new(
            ErrorCode::PathNotFound,
            format!(
                "{} is no longer there; it may have been moved or deleted (Clipdex notices on the next scan)",
                path.display()
            ),
        ));
    }
    platform_open(path, reveal)
}

#[cfg(target_os = "macos")]
fn platform_open(path: &Path, reveal: bool) -> Result<(), IpcError> {
    let mut c = Command::new("open");
    if reveal {
        c.arg("-R");
    }
    run(c.arg(path), "open")
}

#[cfg(windows)]
fn platform_open(path: &Path, reveal: bool) -> Result<(), IpcError> {
    let mut c = Command::new("explorer");
    if reveal {
        let mut arg = std::ffi::OsString::from("/select,");
        arg.push(path);
        c.arg(arg);
    } else {
        c.arg(path);
    }
    // Explorer's exit status means nothing (it is 1 on success): only failing to start is an error.
    c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    c.spawn().map(|_| ()).map_err(|e| IpcError::new(ErrorCode::OpenFailed, format!("could not start Explorer: {e}")))
}

#[cfg(all(unix, not(target_os = "macos")))]
fn platform_open(path: &Path, reveal: bool) -> Result<(), IpcError> {
    if !reveal {
        return run(Command::new("xdg-open").arg(path), "xdg-open");
    }
    let uri = file_uri(path);
    let shown = run(
        Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.FileManager1",
                "--type=method_call",
                "/org/freedesktop/FileManager1",
                "org.freedesktop.FileManager1.ShowItems",
            ])
            .arg(format!("array:string:{uri}"))
            .arg("string:"),
        "dbus-send",
    );
    match shown {
        Ok(()) => Ok(()),
        // No file manager that selects files: open the folder instead.
        Err(_) => run(Command::new("xdg-open").arg(path.parent().unwrap_or(path)), "xdg-open"),
    }
}

/// Starts the tool and reports its failure if it fails quickly; one that is
/// still running after a moment (a viewer that stays in the foreground) has
/// done its job.
fn run(cmd: &mut Command, tool: &str) -> Result<(), IpcError> {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        IpcError::new(
            ErrorCode::OpenFailed,
            format!("could not start {tool}: {e}; is a desktop environment installed?"),
        )
    })?;
    let deadline = Instant::now() + Duration::from_millis(2500);
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                let why = err.lines().next().unwrap_or("").trim();
                return Err(IpcError::new(
                    ErrorCode::OpenFailed,
                    format!(
                        "{tool} failed ({status}){}",
                        if why.is_empty() { String::new() } else { format!(": {why}") }
                    ),
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(IpcError::new(ErrorCode::OpenFailed, format!("{tool}: {e}"))),
        }
    }
    Ok(())
}

/// `file://` URI of an absolute path, bytes outside the unreserved set percent-encoded.
#[cfg(unix)]
pub fn file_uri(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::from("file://");
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn file_uris_escape_what_a_uri_cannot_hold() {
        let p = std::path::Path::new("/home/me/Photos/été 2024/#1.jpg");
        assert_eq!(super::file_uri(p), "file:///home/me/Photos/%C3%A9t%C3%A9%202024/%231.jpg");
    }
}
