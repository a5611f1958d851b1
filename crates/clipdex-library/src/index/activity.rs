//! What live indexers and watchers tell other processes through the library:
//! files still to do, and the folders being watched and how. Work a dead
//! process left undone is redone by the next run, so it does not count.

use std::path::Path;

use crate::error::Result;
use crate::state::State;

/// Records how many files this run still has to do (or left for later).
pub(crate) async fn record_pending(state: &State, n: usize) -> Result<()> {
    Ok(state.store.set_pending_work(n).await?)
}

/// Files a live indexer or watcher has still to index.
pub(crate) async fn pending(state: &State) -> Result<usize> {
    Ok(state.store.pending_work().await?.filter(|r| pid_alive(r.pid)).map_or(0, |r| r.value))
}

/// Records which folders this process watches and how (none when it stops).
pub(crate) async fn record_watch(state: &State, folders: &[(String, String)]) -> Result<()> {
    let _lock = state.write_lock().await?;
    Ok(state.store.set_watch_report(folders).await?)
}

/// Folders a live watcher reported, with their mode.
pub(crate) async fn watching(state: &State) -> Result<Vec<(String, String)>> {
    Ok(state.store.watch_report().await?.filter(|r| pid_alive(r.pid)).map(|r| r.value).unwrap_or_default())
}

/// Is this process still running? (Linux checks; elsewhere, assumed so.)
fn pid_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}
