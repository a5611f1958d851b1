//! Downloads from a Hugging Face–style hub: resolve the revision to a commit,
//! read each file's published size and digest, fetch with resume, verify.
//!
//! Resuming is careful: a partial file is only appended to after the server
//! answers `206 Partial Content` for exactly the range asked; any other
//! answer (a server that ignores `Range` sends `200` and the whole file)
//! restarts the file from zero. Every file is checked against the digest the
//! hub publishes (SHA-256 for LFS files, the git blob SHA-1 for small ones)
//! before anything is installed.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Deserialize;

use crate::digest::{hash_existing, Hasher};
use crate::error::{io_err, ModelsError, Result};
use crate::registry::Entry;

/// The public hub, unless `CLIPDEX_HUB_ENDPOINT` (or `HF_ENDPOINT`, which
/// mirrors honour too) names another.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// How often one file is retried after a broken transfer before giving up.
const RETRIES: u32 = 4;

/// A digest the hub publishes for a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// LFS files: SHA-256 of the content.
    Sha256(String),
    /// Small files kept in git: SHA-1 of `blob <len>\0<content>`.
    GitSha1(String),
}

/// One file to fetch.
#[derive(Debug, Clone)]
pub struct RemoteFile {
    pub path: String,
    pub size: u64,
    pub digest: Published,
}

/// A revision resolved to a commit, with the files Clipdex needs from it.
#[derive(Debug, Clone)]
pub struct Plan {
    pub repo: String,
    pub revision: String,
    pub commit: String,
    pub files: Vec<RemoteFile>,
}

impl Plan {
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// Download progress, reported often (per chunk).
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub file: String,
    pub file_done: u64,
    pub file_total: u64,
    /// Bytes of the whole model on disk so far (including resumed parts).
    pub done: u64,
    pub total: u64,
}

/// What one file's transfer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileTransfer {
    /// Bytes that were already on disk and kept (a resumed download).
    pub resumed_from: u64,
    /// Bytes received over the network.
    pub received: u64,
    /// How many times the file restarted from zero because a server
    /// answered a range request with something other than 206.
    pub restarts: u32,
    /// How many requests it took.
    pub requests: u32,
    /// The SHA-256 of the finished file.
    pub sha256: String,
}

#[derive(Deserialize)]
struct RevisionInfo {
    sha: String,
    #[serde(default)]
    siblings: Vec<Sibling>,
}

#[derive(Deserialize)]
struct Sibling {
    rfilename: String,
    size: Option<u64>,
    #[serde(rename = "blobId")]
    blob_id: Option<String>,
    lfs: Option<Lfs>,
}

#[derive(Deserialize)]
struct Lfs {
    sha256: String,
    size: u64,
}

/// A hub to download from.
#[derive(Clone)]
pub struct Hub {
    endpoint: String,
    client: reqwest::Client,
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * (1 << attempt.min(4)))
}

/// The path part of a URL for a repository file (segments percent-encoded).
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl Hub {
    pub fn new(endpoint: &str) -> Result<Self> {
        crate::safe::check_endpoint(endpoint.trim())?;
        let client = reqwest::Client::builder()
            .user_agent(concat!("clipdex/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ModelsError::Offline { endpoint: endpoint.to_string(), reason: e.to_string() })?;
        Ok(Self { endpoint: endpoint.trim_end_matches('/').to_string(), client })
    }

    /// `CLIPDEX_HUB_ENDPOINT`, else `HF_ENDPOINT`, else the public hub.
    pub fn from_env() -> Result<Self> {
        let ep = ["CLIPDEX_HUB_ENDPOINT", "HF_ENDPOINT"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        Self::new(&ep)
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn offline(&self, e: &reqwest::Error) -> ModelsError {
        let mut reason = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            reason = format!("{reason}: {s}");
            src = s.source();
        }
        ModelsError::Offline { endpoint: self.endpoint.clone(), reason }
    }

    /// Resolves `entry`'s revision to a commit and reads the size and digest
    /// of each file it needs.
    pub async fn plan(&self, entry: &Entry) -> Result<Plan> {
        let url =
            format!("{}/api/models/{}/revision/{}?blobs=true", self.endpoint, entry.repo, encode_path(&entry.revision));
        let resp = self.client.get(&url).send().await.map_err(|e| self.offline(&e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(ModelsError::Http { url, status: status.as_u16() });
        }
        let bad = |reason: String| ModelsError::BadListing { repo: entry.repo.clone(), reason };
        let body = resp.bytes().await.map_err(|e| bad(e.to_string()))?;
        let info: RevisionInfo = serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?;
        if info.sha.len() < 7 || !info.sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad(format!("revision {:?} resolved to {:?}, not a commit", entry.revision, info.sha)));
        }
        if let Some(pinned) = &entry.commit {
            if !info.sha.eq_ignore_ascii_case(pinned) {
                return Err(ModelsError::RevisionMoved {
                    id: entry.id.clone(),
                    repo: entry.repo.clone(),
                    revision: entry.revision.clone(),
                    pinned: pinned.clone(),
                    got: info.sha,
                });
            }
        }
        let mut wanted: Vec<&Sibling> = Vec::new();
        for want in &entry.files {
            if let Some(dir) = want.strip_suffix("/*") {
                let prefix = format!("{dir}/");
                wanted.extend(info.siblings.iter().filter(|s| {
                    s.rfilename
                        .strip_prefix(&prefix)
                        .is_some_and(|rest| !rest.contains('/') && !clipdex_embed::identity::other_runtime(rest))
                }));
            } else {
                let s = info
                    .siblings
                    .iter()
                    .find(|s| &s.rfilename == want)
                    .ok_or_else(|| ModelsError::MissingFile { repo: entry.repo.clone(), file: want.clone() })?;
                wanted.push(s);
            }
        }
        for need in crate::LAYOUT {
            if !wanted.iter().any(|s| s.rfilename == need) {
                return Err(ModelsError::MissingFile { repo: entry.repo.clone(), file: need.to_string() });
            }
        }
        wanted.sort_by(|a, b| a.rfilename.cmp(&b.rfilename));
        wanted.dedup_by(|a, b| a.rfilename == b.rfilename);
        let mut files = Vec::new();
        for s in wanted {
            let want = &s.rfilename;
            // The name is joined onto the staging folder: it must stay inside.
            crate::safe::check_relative(want)
                .map_err(|reason| bad(format!("a listed file name is unsafe: {reason}")))?;
            let (size, digest) = match (&s.lfs, &s.blob_id, s.size) {
                (Some(l), _, _) => (l.size, Published::Sha256(l.sha256.to_ascii_lowercase())),
                (None, Some(b), Some(size)) => (size, Published::GitSha1(b.to_ascii_lowercase())),
                _ => return Err(bad(format!("{want} has no published size and digest"))),
            };
            files.push(RemoteFile { path: want.clone(), size, digest });
        }
        Ok(Plan { repo: entry.repo.clone(), revision: entry.revision.clone(), commit: info.sha, files })
    }

    pub fn file_url(&self, plan: &Plan, file: &RemoteFile) -> String {
        format!("{}/{}/resolve/{}/{}", self.endpoint, plan.repo, plan.commit, encode_path(&file.path))
    }

    /// Fetches one file to `dest`, resuming what is there, and verifies it.
    /// A file that fails verification is deleted so the next attempt starts
    /// clean; a broken transfer keeps what arrived.
    pub async fn fetch(
        &self,
        plan: &Plan,
        file: &RemoteFile,
        dest: &Path,
        cancel: &AtomicBool,
        base: &Progress,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<FileTransfer> {
        let url = self.file_url(plan, file);
        let needed = plan.total_bytes();
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent, needed))?;
        }
        let mut t = FileTransfer::default();
        let mut last_err = None;
        let mut attempt = 0;
        loop {
            if cancel.load(Ordering::SeqCst) {
                return Err(ModelsError::Cancelled);
            }
            let mut have = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
            if have > file.size {
                std::fs::remove_file(dest).map_err(io_err(dest, needed))?;
                have = 0;
            }
            let mut hasher = if have > 0 {
                hash_existing(dest, &file.digest, file.size, have).await?
            } else {
                Hasher::new(&file.digest, file.size)
            };
            if t.requests == 0 {
                t.resumed_from = have;
            }
            if have < file.size {
                let mut req = self.client.get(&url);
                if have > 0 {
                    req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
                }
                t.requests += 1;
                let resp = match req.send().await {
                    Ok(r) => r,
                    Err(e) if attempt < RETRIES && !e.is_builder() => {
                        last_err = Some(self.offline(&e));
                        attempt += 1;
                        tokio::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                    Err(e) => return Err(last_err.unwrap_or_else(|| self.offline(&e))),
                };
                let status = resp.status().as_u16();
                let append = match status {
                    206 if have > 0 => {
                        // Only the exact range asked for may be appended.
                        let cr = resp
                            .headers()
                            .get(reqwest::header::CONTENT_RANGE)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        cr.starts_with(&format!("bytes {have}-"))
                    }
                    200 => false,
                    416 => {
                        // Our partial does not fit what the server has: start over.
                        std::fs::remove_file(dest).map_err(io_err(dest, needed))?;
                        t.restarts += 1;
                        attempt += 1;
                        if attempt > RETRIES {
                            return Err(ModelsError::Http { url, status });
                        }
                        continue;
                    }
                    404 => return Err(ModelsError::MissingFile { repo: plan.repo.clone(), file: file.path.clone() }),
                    s if (s == 429 || s >= 500) && attempt < RETRIES => {
                        attempt += 1;
                        last_err = Some(ModelsError::Http { url: url.clone(), status });
                        tokio::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                    _ => return Err(ModelsError::Http { url, status }),
                };
                let mut out = if append {
                    std::fs::OpenOptions::new().append(true).open(dest).map_err(io_err(dest, needed))?
                } else {
                    if have > 0 {
                        t.restarts += 1;
                    }
                    have = 0;
                    hasher = Hasher::new(&file.digest, file.size);
                    std::fs::File::create(dest).map_err(io_err(dest, needed))?
                };
                let mut resp = resp;
                let mut p = base.clone();
                p.file = file.path.clone();
                p.file_total = file.size;
                let broken = loop {
                    if cancel.load(Ordering::SeqCst) {
                        out.flush().map_err(io_err(dest, needed))?;
                        return Err(ModelsError::Cancelled);
                    }
                    match resp.chunk().await {
                        Ok(Some(bytes)) => {
                            if have + bytes.len() as u64 > file.size {
                                break Some(format!("the server sent more than {} bytes", file.size));
                            }
                            out.write_all(&bytes).map_err(io_err(dest, needed))?;
                            hasher.update(&bytes);
                            have += bytes.len() as u64;
                            t.received += bytes.len() as u64;
                            p.file_done = have;
                            p.done = base.done + have;
                            progress(&p);
                        }
                        Ok(None) => break None,
                        Err(e) => break Some(self.offline(&e).to_string()),
                    }
                };
                out.flush().map_err(io_err(dest, needed))?;
                drop(out);
                if let Some(reason) = broken {
                    if have > file.size {
                        std::fs::remove_file(dest).map_err(io_err(dest, needed))?;
                    }
                    attempt += 1;
                    last_err = Some(ModelsError::Transfer { url: url.clone(), reason });
                    if attempt > RETRIES {
                        return Err(last_err.unwrap_or(ModelsError::Cancelled));
                    }
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                if have < file.size {
                    attempt += 1;
                    last_err = Some(ModelsError::Size { file: file.path.clone(), expected: file.size, got: have });
                    if attempt > RETRIES {
                        return Err(last_err.unwrap_or(ModelsError::Cancelled));
                    }
                    continue;
                }
            }
            let (got, sha256) = hasher.finish();
            let (expected, algorithm) = match &file.digest {
                Published::Sha256(d) => (d, "SHA-256"),
                Published::GitSha1(d) => (d, "git blob SHA-1"),
            };
            if &got != expected {
                std::fs::remove_file(dest).map_err(io_err(dest, needed))?;
                if t.requests == 0 {
                    // A complete-looking leftover from an earlier run that
                    // does not verify: fetch it afresh (once: the next pass
                    // makes a request).
                    continue;
                }
                return Err(ModelsError::Checksum {
                    file: file.path.clone(),
                    algorithm,
                    expected: expected.clone(),
                    actual: got,
                });
            }
            t.sha256 = sha256;
            return Ok(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded_per_segment() {
        assert_eq!(encode_path("visual/model.onnx"), "visual/model.onnx");
        assert_eq!(encode_path("a b/c#d"), "a%20b/c%23d");
    }
}
