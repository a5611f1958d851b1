//! Live watching: keeps the library equal to its folders while running.
//!
//! One code path for `clipdex watch` and the app's background watcher.
//! Filesystem events (`notify`) only say *where* something changed; the work
//! is always a reconcile of that library folder through [`Indexer::run`]
//! (a stat-only walk that skips unchanged files, hashes and embeds new content,
//! reuses moved content, forgets what is gone). So a missed, merged or
//! overflowing event can never leave the index wrong: the next reconcile fixes
//! it, and a periodic reconcile runs even when no event comes.
//!
//! Events are debounced per folder. Files modified in the last `settle` are
//! left for a later pass, so a file still being copied is not read half-done.
//! When the OS watch limit is hit (inotify's ENOSPC on Linux) or a folder is
//! on a network file system, that folder is polled instead, and the mode is
//! recorded in the library for `status`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clipdex_embed::Model;
use notify::{Config, Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};

use super::{activity, Cancel, Folders, IndexSummary, Indexer};
use crate::error::{error_chain, LibraryError, Result};
use crate::state::State;

/// How a folder is being watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchMode {
    /// Native change notifications.
    Events,
    /// Polling the folder, with the reason.
    Polling(String),
}

impl std::fmt::Display for WatchMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WatchMode::Events => f.write_str("events"),
            WatchMode::Polling(why) => write!(f, "polling ({why})"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Quiet time after the last event before a folder is reconciled.
    pub debounce: Duration,
    /// A folder with events never waits longer than this.
    pub max_delay: Duration,
    /// Files modified more recently than this are left for the next pass.
    pub settle: Duration,
    /// Every folder is reconciled at least this often, events or not.
    pub reconcile_every: Duration,
    /// Interval when polling.
    pub poll_interval: Duration,
    /// Poll every folder instead of using native events.
    pub force_polling: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            debounce: Duration::from_millis(700),
            max_delay: Duration::from_secs(4),
            settle: Duration::from_secs(1),
            reconcile_every: Duration::from_secs(600),
            poll_interval: Duration::from_secs(5),
            force_polling: false,
        }
    }
}

/// What the watcher reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent {
    /// A folder is being watched this way.
    Watching { folder: String, mode: WatchMode },
    /// A reconcile of a folder finished.
    Reconciled { folder: String, summary: Box<IndexSummary> },
    /// A reconcile failed; the watcher goes on and tries again later.
    Failed { folder: String, message: String },
}

/// File systems whose change notifications cannot be trusted.
const NETWORK_FS: &[&str] =
    &["nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "ceph", "glusterfs", "fuse.rclone"];

/// The file system type of the mount holding `path` (Linux; `None` elsewhere).
fn fs_type(path: &Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let _dev = it.next()?;
            let mount = it.next()?.replace("\\040", " ");
            let fstype = it.next()?;
            path.starts_with(&mount).then(|| (mount.len(), fstype.to_string()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, t)| t)
}

/// Why a folder should be polled rather than watched by events, if it should.
pub fn polling_reason(folder: &Path, force: bool) -> Option<String> {
    if force {
        return Some("asked for".into());
    }
    match fs_type(folder) {
        Some(t) if NETWORK_FS.contains(&t.as_str()) => Some(format!("network file system ({t})")),
        _ => None,
    }
}

/// Whether a watch error means "use polling" (the OS watch limit).
pub fn is_watch_limit(e: &notify::Error) -> bool {
    match &e.kind {
        notify::ErrorKind::MaxFilesWatch => true,
        notify::ErrorKind::Io(io) => io.raw_os_error() == Some(28), // ENOSPC from inotify_add_watch
        _ => false,
    }
}

/// After a failed reconcile, the folder is tried again this much later.
const RETRY_AFTER: Duration = Duration::from_secs(30);

type Tx = tokio::sync::mpsc::UnboundedSender<(usize, notify::Result<Event>)>;

/// Either kind of watcher, kept alive while watching.
enum Active {
    #[allow(dead_code)] // held for its Drop
    Events(RecommendedWatcher),
    #[allow(dead_code)]
    Polling(PollWatcher),
}

fn start(folder: &Path, i: usize, tx: &Tx, opts: &WatchOptions) -> Result<(Active, WatchMode)> {
    let handler = {
        let tx = tx.clone();
        move |res: notify::Result<Event>| {
            let _ = tx.send((i, res));
        }
    };
    let poll = |why: String| -> Result<(Active, WatchMode)> {
        let config = Config::default().with_poll_interval(opts.poll_interval).with_follow_symlinks(false);
        let mut w = PollWatcher::new(handler.clone(), config)
            .map_err(|e| LibraryError::Watch(format!("cannot poll {}: {e}", folder.display())))?;
        w.watch(folder, RecursiveMode::Recursive)
            .map_err(|e| LibraryError::Watch(format!("cannot poll {}: {e}", folder.display())))?;
        Ok((Active::Polling(w), WatchMode::Polling(why)))
    };
    if let Some(why) = polling_reason(folder, opts.force_polling) {
        return poll(why);
    }
    // Links are not followed: a link to `/usr` inside a folder must not set
    // thousands of watches (links inside the folder are seen by the
    // periodic reconcile).
    let mut w = match RecommendedWatcher::new(handler.clone(), Config::default().with_follow_symlinks(false)) {
        Ok(w) => w,
        Err(e) => return poll(format!("no change notifications: {e}")),
    };
    match w.watch(folder, RecursiveMode::Recursive) {
        Ok(()) => Ok((Active::Events(w), WatchMode::Events)),
        Err(e) if is_watch_limit(&e) => {
            drop(w);
            poll("the system's file watch limit is reached (on Linux, raise fs.inotify.max_user_watches)".into())
        }
        Err(e) => Err(LibraryError::Watch(format!("cannot watch {}: {e}", folder.display()))),
    }
}

/// A folder that is itself a folder, not a link to one, at its own canonical path.
fn is_real_dir(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) && p.canonicalize().is_ok_and(|c| c == p)
}

/// Does this event concern the folder's media (and not the library's own files)?
fn relevant(event: &Event, library_dir: &Path) -> bool {
    if event.need_rescan() {
        return true;
    }
    // Opening or reading changes nothing, and a reconcile's own walk opens
    // every folder it watches: counting those would reconcile forever.
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    event.paths.iter().any(|p| {
        !p.starts_with(library_dir) && !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
    })
}

/// Watches the library's folders (or `folders`, which become library
/// folders) until `cancel`, keeping the index equal to them. Starts with a
/// full reconcile of each.
pub(crate) async fn watch(
    state: &State,
    folders: &[PathBuf],
    model: Arc<Model>,
    opts: WatchOptions,
    cancel: &Cancel,
    mut on_event: impl FnMut(WatchEvent),
) -> Result<()> {
    let mut list: Vec<PathBuf> = Vec::new();
    for f in folders {
        list.push(f.canonicalize().map_err(|_| LibraryError::PathNotFound { path: f.clone() })?);
    }
    if list.is_empty() {
        // A library folder since replaced by a link is not watched: its
        // target never becomes a library folder unasked.
        list = state.store.roots().await?.into_iter().map(PathBuf::from).filter(|p| is_real_dir(p)).collect();
    } else {
        // Folders named here are the user's choice: they join the library now,
        // and every pass after this one only reconciles library folders.
        let _lock = state.write_lock().await?;
        let known = state.store.roots().await?;
        let new: Vec<String> =
            list.iter().map(|p| p.to_string_lossy().into_owned()).filter(|k| !known.contains(k)).collect();
        if !new.is_empty() {
            state.store.add_roots(&new, crate::state::now_ms()).await?;
        }
    }
    if list.is_empty() {
        return Err(LibraryError::Watch("the library has no folders yet; give one to watch".into()));
    }

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut active = Vec::new();
    let mut modes = Vec::new();
    for (i, folder) in list.iter().enumerate() {
        let (w, mode) = start(folder, i, &tx, &opts)?;
        active.push(w);
        on_event(WatchEvent::Watching { folder: folder.display().to_string(), mode: mode.clone() });
        modes.push((folder.display().to_string(), mode.to_string()));
    }
    activity::record_watch(state, &modes).await?;

    // Every folder starts dirty: the first pass is a full reconcile.
    let now = Instant::now();
    let mut dirty: HashMap<usize, (Instant, Instant)> = (0..list.len()).map(|i| (i, (now, now))).collect();
    let mut last_full = Instant::now();
    let result = loop {
        if cancel.is_cancelled() {
            break Ok(());
        }
        let tick = tokio::time::sleep(Duration::from_millis(200));
        tokio::select! {
            got = rx.recv() => {
                let Some((i, res)) = got else { break Ok(()) };
                let relevant = match res {
                    Ok(ev) => relevant(&ev, &state.dir),
                    Err(_) => true, // an error may hide changes: reconcile
                };
                if relevant {
                    let t = Instant::now();
                    dirty.entry(i).and_modify(|(_, last)| *last = t).or_insert((t, t));
                }
                continue;
            }
            _ = tick => {}
        }
        if last_full.elapsed() >= opts.reconcile_every {
            let t = Instant::now();
            for i in 0..list.len() {
                dirty.entry(i).or_insert((t, t));
            }
            last_full = t;
        }
        let due: Vec<usize> = dirty
            .iter()
            .filter(|(_, (first, last))| last.elapsed() >= opts.debounce || first.elapsed() >= opts.max_delay)
            .map(|(i, _)| *i)
            .collect();
        for i in due {
            dirty.remove(&i);
            let folder = list[i].display().to_string();
            let indexer = Indexer::new(state, model.clone());
            match indexer.run(&list[i..=i], Folders::Existing, cancel, Some(opts.settle), |_| {}).await {
                Ok(summary) => {
                    if summary.deferred > 0 {
                        // Something is still being written: look again once it settles.
                        let t = Instant::now() + opts.settle.saturating_sub(opts.debounce);
                        dirty.insert(i, (t, t));
                    }
                    on_event(WatchEvent::Reconciled { folder, summary: Box::new(summary) });
                }
                Err(e) => {
                    // Try again later, not in a tight loop.
                    let t = Instant::now() + RETRY_AFTER;
                    dirty.insert(i, (t, t));
                    on_event(WatchEvent::Failed { folder, message: error_chain(&e) });
                }
            }
        }
    };
    drop(active);
    activity::record_watch(state, &[]).await?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watch_limit_means_polling_and_other_errors_do_not() {
        assert!(is_watch_limit(&notify::Error::new(notify::ErrorKind::MaxFilesWatch)));
        let enospc = std::io::Error::from_raw_os_error(28);
        assert!(is_watch_limit(&notify::Error::io(enospc)));
        assert!(!is_watch_limit(&notify::Error::path_not_found()));
        assert!(!is_watch_limit(&notify::Error::io(std::io::Error::from_raw_os_error(13))));
    }

    #[test]
    fn polling_is_chosen_when_asked_and_for_network_file_systems_only() {
        assert_eq!(polling_reason(Path::new("/"), true).as_deref(), Some("asked for"));
        // The test machine's temp folder is a local file system.
        let tmp = std::env::temp_dir();
        assert_eq!(polling_reason(&tmp, false), None, "{:?}", fs_type(&tmp));
    }

    #[test]
    fn the_librarys_own_files_and_hidden_files_do_not_count_as_changes() {
        let lib = Path::new("/photos/.clipdex-library");
        let ev = |p: &str| Event::new(notify::EventKind::Any).add_path(PathBuf::from(p));
        assert!(!relevant(&ev("/photos/.clipdex-library/db/items.lance/x"), lib));
        assert!(!relevant(&ev("/photos/.DS_Store"), lib));
        assert!(relevant(&ev("/photos/cat.jpg"), lib));
        assert!(relevant(&Event::new(notify::EventKind::Other).set_flag(notify::event::Flag::Rescan), lib));
    }
}
