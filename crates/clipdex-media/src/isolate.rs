//! Decoding the formats whose decoders Clipdex does not trust with its own
//! process: HEIF/AVIF (libheif, C++) and camera RAW (`rawler`, which panics
//! on some malformed files and allocates whatever a header claims).
//!
//! A program that calls [`use_worker`] at start (the `clipdex` CLI and the
//! desktop app, with their own executable) decodes each such file in a child
//! process: itself, started with [`WORKER_ARG`], the file's bytes on stdin
//! and the pixels back on stdout. The child limits its own address space
//! (where the system allows), and a crash, an abort, a hang (killed after
//! [`WORKER_TIMEOUT`]) or running out of memory there is a recorded failure
//! for that file, never the end of the app. Without a worker (a library used
//! on its own, unit tests) the same decoders run in-process behind
//! `catch_unwind` and the same size limits.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use image::{DynamicImage, RgbImage};

use crate::{DecodeError, MAX_DECODED_BYTES, MAX_FILE_BYTES, MAX_SIDE};

/// The first argument that makes a Clipdex executable a decoding worker.
pub const WORKER_ARG: &str = "--clipdex-decode-worker";

/// A worker still decoding after this long is stopped.
pub const WORKER_TIMEOUT: Duration = Duration::from_secs(120);

/// Address space a worker may use (Linux and the BSDs enforce it): the
/// decoded picture, the decoder's own buffers, and the runtime's.
const WORKER_ADDRESS_SPACE: u64 = 3 * MAX_DECODED_BYTES + (1 << 30);

static WORKER: OnceLock<PathBuf> = OnceLock::new();

/// Decode HEIF and RAW files in child processes of `program` (an executable
/// that calls [`run_worker_if_asked`] first thing). Set once per process.
pub fn use_worker(program: PathBuf) {
    let _ = WORKER.set(program);
}

/// The formats that are decoded here rather than by the `image` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Native {
    Heif,
    Raw,
}

impl Native {
    fn code(self) -> u8 {
        match self {
            Native::Heif => b'H',
            Native::Raw => b'R',
        }
    }
}

/// Runs the decoder for `kind` in this process, a panic becoming an error.
fn decode_here<R>(
    kind: Native,
    bytes: &[u8],
    reserve: impl FnOnce(u64) -> R,
) -> Result<(DynamicImage, R), DecodeError> {
    let run = std::panic::AssertUnwindSafe(|| match kind {
        #[cfg(feature = "heif")]
        Native::Heif => crate::heif::decode(bytes, reserve),
        #[cfg(not(feature = "heif"))]
        Native::Heif => {
            drop(reserve);
            Err(DecodeError::Unsupported(
                "HEIC/HEIF and AVIF need libheif, which this build of Clipdex leaves out".into(),
            ))
        }
        Native::Raw => crate::raw::decode(bytes, reserve),
    });
    std::panic::catch_unwind(run).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no reason given".into());
        Err(DecodeError::Corrupt(format!("the decoder failed on this file ({why})")))
    })
}

/// Decodes a HEIF or RAW file, in a worker process when one is set.
pub(crate) fn decode<R>(
    kind: Native,
    bytes: &[u8],
    reserve: impl FnOnce(u64) -> R,
) -> Result<(RgbImage, R), DecodeError> {
    match WORKER.get() {
        Some(program) => decode_in_worker(program, kind, bytes, reserve),
        None => decode_here(kind, bytes, reserve).map(|(img, permit)| (img.into_rgb8(), permit)),
    }
}

fn worker_failed(what: &str) -> DecodeError {
    DecodeError::Corrupt(format!("the decoder {what} on this file"))
}

fn decode_in_worker<R>(
    program: &PathBuf,
    kind: Native,
    bytes: &[u8],
    reserve: impl FnOnce(u64) -> R,
) -> Result<(RgbImage, R), DecodeError> {
    let mut child = Command::new(program)
        .arg(WORKER_ARG)
        .arg(char::from(kind.code()).to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| DecodeError::Unsupported(format!("cannot start the decoding worker: {e}")))?;
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(worker_failed("could not start"));
    };
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        // Feed the bytes; a worker that stops reading (it crashed) just closes the pipe.
        scope.spawn(move || {
            let _ = stdin.write_all(bytes);
        });
        // The watchdog owns the child: it reaps it, or kills it at the deadline.
        scope.spawn(move || {
            let deadline = Instant::now() + WORKER_TIMEOUT;
            let status = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break Some(status),
                    Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(3)),
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break None;
                    }
                }
            };
            let _ = done_tx.send(status);
        });
        let read = read_answer(&mut stdout, reserve);
        drop(stdout);
        let status = done_rx.recv().ok().flatten();
        match (read, status) {
            (Ok(answer), Some(s)) if s.success() => answer,
            (_, None) => Err(DecodeError::TooLarge(format!(
                "decoding took longer than {} s and was stopped",
                WORKER_TIMEOUT.as_secs()
            ))),
            (_, Some(s)) => Err(worker_failed(&format!("crashed ({s})"))),
        }
    })
}

/// Reads a worker's answer: `OK`, width and height (u32 LE), the RGB bytes;
/// or `ER`, the error's kind and its message.
fn read_answer<R>(
    out: &mut impl Read,
    reserve: impl FnOnce(u64) -> R,
) -> std::io::Result<Result<(RgbImage, R), DecodeError>> {
    let mut head = [0u8; 2];
    out.read_exact(&mut head)?;
    if &head == b"ER" {
        let mut kind = [0u8; 1];
        out.read_exact(&mut kind)?;
        let mut message = String::new();
        out.take(4096).read_to_string(&mut message)?;
        return Ok(Err(match kind[0] {
            b'U' => DecodeError::UnknownFormat,
            b'L' => DecodeError::TooLarge(message),
            b'S' => DecodeError::Unsupported(message),
            b'E' => DecodeError::Empty,
            _ => DecodeError::Corrupt(message),
        }));
    }
    let mut size = [0u8; 8];
    out.read_exact(&mut size)?;
    let w = u32::from_le_bytes([size[0], size[1], size[2], size[3]]);
    let h = u32::from_le_bytes([size[4], size[5], size[6], size[7]]);
    let n = w as u64 * h as u64 * 3;
    if head != *b"OK" || w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || n > MAX_DECODED_BYTES {
        return Ok(Err(worker_failed("answered nonsense")));
    }
    let permit = reserve(n);
    let mut rgb = vec![0u8; n as usize];
    out.read_exact(&mut rgb)?;
    Ok(RgbImage::from_raw(w, h, rgb).map(|img| (img, permit)).ok_or_else(|| worker_failed("answered nonsense")))
}

/// When this process was started as a decoding worker ([`WORKER_ARG`]),
/// decodes the file on stdin, writes the answer on stdout and returns the
/// exit code; otherwise `None`. Call it first thing in `main`.
pub fn run_worker_if_asked() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    if args.next()? != WORKER_ARG {
        return None;
    }
    let kind = match args.next().as_ref().and_then(|a| a.to_str()) {
        Some("H") => Native::Heif,
        Some("R") => Native::Raw,
        _ => return Some(2),
    };
    // For the tests of crash containment only (debug builds): a worker that dies.
    if cfg!(debug_assertions) && std::env::var_os("CLIPDEX_TEST_WORKER_ABORT").is_some() {
        std::process::abort();
    }
    #[cfg(unix)]
    {
        let _ = rlimit::Resource::AS.set(WORKER_ADDRESS_SPACE, WORKER_ADDRESS_SPACE);
    }
    #[cfg(not(unix))]
    let _ = WORKER_ADDRESS_SPACE;
    let mut bytes = Vec::new();
    if std::io::stdin().take(MAX_FILE_BYTES).read_to_end(&mut bytes).is_err() {
        return Some(3);
    }
    let answer = match decode_here(kind, &bytes, |_| ()) {
        Ok((img, ())) => {
            let img = img.into_rgb8();
            let mut out = b"OK".to_vec();
            out.extend_from_slice(&img.width().to_le_bytes());
            out.extend_from_slice(&img.height().to_le_bytes());
            out.extend_from_slice(img.as_raw());
            out
        }
        Err(e) => {
            let kind = match e {
                DecodeError::UnknownFormat => b'U',
                DecodeError::TooLarge(_) => b'L',
                DecodeError::Unsupported(_) => b'S',
                DecodeError::Empty => b'E',
                _ => b'C',
            };
            let message = match e {
                DecodeError::TooLarge(m) | DecodeError::Unsupported(m) | DecodeError::Corrupt(m) => m,
                other => other.to_string(),
            };
            let mut out = vec![b'E', b'R', kind];
            out.extend_from_slice(message.as_bytes());
            out
        }
    };
    let mut stdout = std::io::stdout().lock();
    Some(if stdout.write_all(&answer).and_then(|()| stdout.flush()).is_ok() { 0 } else { 4 })
}
