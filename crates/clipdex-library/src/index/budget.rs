//! Memory in flight while indexing, bounded whatever the core count: a
//! batch holds at most [`BATCH_BYTES`] of file contents (or one file, if one
//! is larger), and decoded pixels across all decoding threads share one
//! [`PIXELS`] budget. A Downloads folder of multi-gigabyte files therefore
//! indexes one file at a time instead of 32 at once.

use std::sync::{Condvar, Mutex};

use crate::index::steps::Candidate;

/// File bytes one batch may hold (read, hashed, waiting to be decoded).
pub(crate) const BATCH_BYTES: u64 = 256 << 20;

/// A shared allowance of bytes: taking more than is free waits until
/// enough is given back. One request larger than the whole takes the whole.
pub(crate) struct Budget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Bytes taken from a [`Budget`]; given back when dropped.
pub(crate) struct Permit<'a> {
    budget: &'a Budget,
    n: u64,
}

impl Budget {
    pub const fn new(total: u64) -> Self {
        Self { total, used: Mutex::new(0), freed: Condvar::new() }
    }

    /// Waits until `n` bytes (at most the whole budget) are free, and takes them.
    pub fn take(&self, n: u64) -> Permit<'_> {
        let n = n.min(self.total);
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used + n > self.total {
            used = self.freed.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += n;
        Permit { budget: self, n }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|p| p.into_inner());
        *used -= self.n;
        self.budget.freed.notify_all();
    }
}

/// Decoded pixels (and their RGB copy) being made at once, by every thread.
pub(crate) static PIXELS: Budget = Budget::new(1 << 30);

/// File bytes read at once where files are read one per thread (switching models).
pub(crate) static FILE_BYTES: Budget = Budget::new(BATCH_BYTES);

/// The next batch: up to `max_files` files and [`BATCH_BYTES`] of content,
/// and always at least one file.
pub(crate) fn next_batch(
    todo: &mut impl Iterator<Item = Candidate>,
    max_files: usize,
    peeked: &mut Option<Candidate>,
) -> Vec<Candidate> {
    let mut batch = Vec::new();
    let mut bytes = 0u64;
    while batch.len() < max_files {
        let Some(c) = peeked.take().or_else(|| todo.next()) else { break };
        // A video is a batch of its own (ffmpeg reads it; its frames are batched inside).
        let video = clipdex_media::is_video_path(&c.path);
        if !batch.is_empty() && (video || bytes + c.stamp.size > BATCH_BYTES) {
            *peeked = Some(c);
            break;
        }
        bytes += c.stamp.size;
        batch.push(c);
        if video {
            break;
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use clipdex_store::FileStamp;
    use std::sync::Arc;

    fn file(size: u64) -> Candidate {
        Candidate {
            path: "x".into(),
            key: "x".into(),
            stamp: FileStamp { size, mtime_ns: 0 },
            root: "r".into(),
            sidecar: None,
        }
    }

    #[test]
    fn batches_are_bounded_by_bytes_and_never_empty() {
        let sizes = [1000u64 << 20, 1000 << 20, 10, 20, 200 << 20, 100 << 20];
        let mut todo = sizes.iter().map(|s| file(*s));
        let mut peeked = None;
        let mut got = Vec::new();
        loop {
            let b = next_batch(&mut todo, 32, &mut peeked);
            if b.is_empty() {
                break;
            }
            got.push(b.iter().map(|c| c.stamp.size).collect::<Vec<_>>());
        }
        assert_eq!(got, vec![vec![1000 << 20], vec![1000 << 20], vec![10, 20, 200 << 20], vec![100 << 20]]);
        let mut many = (0..70).map(|_| file(1));
        assert_eq!(next_batch(&mut many, 32, &mut None).len(), 32);
    }

    #[test]
    fn a_budget_is_never_exceeded_by_concurrent_takers() {
        let budget = Arc::new(Budget::new(100));
        let peak = Arc::new(Mutex::new((0u64, 0u64)));
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let (budget, peak) = (budget.clone(), peak.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let n = 30 + (i % 3) * 20;
                        let _p = budget.take(n);
                        {
                            let mut g = peak.lock().expect("peak");
                            g.0 += n;
                            g.1 = g.1.max(g.0);
                        }
                        std::thread::yield_now();
                        peak.lock().expect("peak").0 -= n;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let max = peak.lock().expect("peak").1;
        assert!(max <= 100, "in flight at once: {max}");
        let _whole = budget.take(1_000); // larger than the budget: takes it all, does not hang
    }
}
