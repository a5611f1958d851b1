//! One writer per library. Whoever indexes holds an exclusive lock on
//! `<library>/writer.lock` for the duration; a second writer waits for it,
//! then gives up with a clear error. The operating system drops the lock when
//! its holder exits, even by SIGKILL, so a crash never leaves a library locked.
//! Readers (search, status) take no lock: LanceDB readers see the last commit.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{LibraryError, Result};

pub const LOCK_FILE: &str = "writer.lock";

/// Held while writing; dropping it releases the lock.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

fn holder(file: &mut File) -> Option<u32> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

impl WriterLock {
    /// Takes the library's writer lock, waiting up to `wait` for another writer to finish.
    pub async fn acquire(dir: &Path, wait: Duration) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let io = |source| LibraryError::Io { path: path.clone(), source };
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(TryLockError::WouldBlock) => return Err(LibraryError::Busy { pid: holder(&mut file) }),
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(Self { _file: file })
    }
}
