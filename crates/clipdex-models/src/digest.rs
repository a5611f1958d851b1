//! Hashing a download as it arrives: the digest the hub publishes (SHA-256
//! for LFS files, the git blob SHA-1 for small ones) alongside the SHA-256
//! the install record keeps.

use std::path::Path;

use sha2::Digest as _;

use crate::error::{ModelsError, Result};
use crate::hub::Published;
use crate::manifest::hex;

pub(crate) enum Hasher {
    Sha256(sha2::Sha256),
    /// Git's blob SHA-1 alongside the SHA-256 the manifest records.
    Git(sha1_smol::Sha1, sha2::Sha256),
}

impl Hasher {
    pub(crate) fn new(digest: &Published, size: u64) -> Self {
        match digest {
            Published::Sha256(_) => Hasher::Sha256(sha2::Sha256::new()),
            Published::GitSha1(_) => {
                let mut s = sha1_smol::Sha1::new();
                s.update(format!("blob {size}\0").as_bytes());
                Hasher::Git(s, sha2::Sha256::new())
            }
        }
    }
    pub(crate) fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(b),
            Hasher::Git(s, h) => {
                s.update(b);
                h.update(b);
            }
        }
    }
    /// (published-algorithm digest, SHA-256)
    pub(crate) fn finish(self) -> (String, String) {
        match self {
            Hasher::Sha256(h) => {
                let d = hex(&h.finalize());
                (d.clone(), d)
            }
            Hasher::Git(s, h) => (s.digest().to_string(), hex(&h.finalize())),
        }
    }
}

/// Hashes what is already on disk (a partial from an earlier attempt) on a
/// blocking thread.
pub(crate) async fn hash_existing(path: &Path, digest: &Published, size: u64, len: u64) -> Result<Hasher> {
    let (path, digest) = (path.to_path_buf(), digest.clone());
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut h = Hasher::new(&digest, size);
        let mut f = std::fs::File::open(&path).map_err(|source| ModelsError::Io { path: path.clone(), source })?;
        let mut left = len;
        let mut buf = vec![0u8; 1 << 20];
        while left > 0 {
            let want = buf.len().min(left as usize);
            let n = f.read(&mut buf[..want]).map_err(|source| ModelsError::Io { path: path.clone(), source })?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            left -= n as u64;
        }
        Ok(h)
    })
    .await
    .map_err(|e| ModelsError::Io { path: Path::new("").to_path_buf(), source: std::io::Error::other(e) })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_blob_sha1_matches_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        let mut h = Hasher::new(&Published::GitSha1(String::new()), 6);
        h.update(b"hello\n");
        assert_eq!(h.finish().0, "ce013625030ba8dba906f756967f9e9ca394464a");
    }
}
