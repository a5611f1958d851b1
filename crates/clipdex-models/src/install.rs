//! The models folder: installed models, atomic installs from a hub or from a
//! local folder or archive, removal, integrity.
//!
//! Every install is staged in `<models>/.partial/` (the same file system)
//! and renamed into place only when complete and verified, so a model folder
//! is either the old install, the new one, or absent — never half of each.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{io_err, ModelsError, Result};
use crate::hub::{Hub, Progress};
use crate::manifest::{self, Depth, Integrity, Manifest, ManifestFile, Source};
use crate::registry::{check_id, Entry};

/// The open_clip ONNX layout: what a model folder must hold (defined where it is read).
pub use clipdex_embed::config::LAYOUT;

const STAGING: &str = ".partial";

/// An installed model.
#[derive(Debug, Clone)]
pub struct Installed {
    pub id: String,
    pub dir: PathBuf,
    /// `None` for a folder placed by hand (no record of its files).
    pub manifest: Option<Manifest>,
    pub bytes: u64,
}

/// What a pull did.
#[derive(Debug, Clone)]
pub struct PullReport {
    pub installed: Installed,
    pub commit: String,
    pub received: u64,
    pub resumed: u64,
    pub restarts: u32,
    pub requests: u32,
    /// Already installed from the same commit and intact: nothing fetched.
    pub up_to_date: bool,
}

/// The folder models are installed in, one sub-folder per model id.
#[derive(Debug, Clone)]
pub struct Models {
    dir: PathBuf,
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(_) => total += e.metadata().map(|m| m.len()).unwrap_or(0),
                Err(_) => {}
            }
        }
    }
    total
}

fn missing_layout(dir: &Path) -> Vec<&'static str> {
    LAYOUT.iter().copied().filter(|f| !dir.join(f).is_file()).collect()
}

impl Models {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the model `id` lives (installed or not).
    pub fn path_of(&self, id: &str) -> Result<PathBuf> {
        check_id(id)?;
        Ok(self.dir.join(id))
    }

    pub fn get(&self, id: &str) -> Result<Option<Installed>> {
        let dir = self.path_of(id)?;
        if !dir.is_dir() || !missing_layout(&dir).is_empty() && !dir.join(manifest::MANIFEST).is_file() {
            return Ok(None);
        }
        Ok(Some(Installed { id: id.to_string(), manifest: manifest::read(&dir)?, bytes: dir_size(&dir), dir }))
    }

    /// Every installed model (folders with the layout or a manifest), by id.
    pub fn installed(&self) -> Result<Vec<Installed>> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(ModelsError::Io { path: self.dir.clone(), source }),
        };
        let mut out = Vec::new();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || check_id(&name).is_err() || !e.path().is_dir() {
                continue;
            }
            if let Some(m) = self.get(&name)? {
                out.push(m);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// Checks an installed model against its manifest.
    pub fn verify(&self, id: &str, depth: Depth) -> Result<Integrity> {
        let dir = self.path_of(id)?;
        if !dir.is_dir() {
            return Err(ModelsError::NotInstalled(id.to_string()));
        }
        let report = manifest::check(&dir, &LAYOUT, depth)?;
        if depth == Depth::Full && report.is_intact() {
            if let Some(mut m) = manifest::read(&dir)? {
                // Rehashed and intact: later quick checks trust files up to now.
                m.installed_at_ms = manifest::now_ms();
                manifest::write(&dir, &m)?;
            }
        }
        Ok(report)
    }

    /// Removes an installed model. `Ok(false)` if it was not installed.
    pub fn remove(&self, id: &str) -> Result<bool> {
        let dir = self.path_of(id)?;
        if !dir.exists() {
            return Ok(false);
        }
        // Rename first so a half-finished delete never looks like a model.
        let trash = self.dir.join(STAGING).join(format!("removing-{id}-{}", manifest::now_ms()));
        self.ensure_staging()?;
        std::fs::rename(&dir, &trash).map_err(|source| ModelsError::Io { path: dir.clone(), source })?;
        std::fs::remove_dir_all(&trash).map_err(|source| ModelsError::Io { path: trash, source })?;
        Ok(true)
    }

    fn ensure_staging(&self) -> Result<PathBuf> {
        let s = self.dir.join(STAGING);
        std::fs::create_dir_all(&s).map_err(io_err(&s, 0))?;
        Ok(s)
    }

    /// Renames a complete staged folder into place, replacing any old install.
    fn place(&self, staged: &Path, id: &str) -> Result<PathBuf> {
        let dest = self.path_of(id)?;
        if dest.exists() {
            let old = self.dir.join(STAGING).join(format!("replaced-{id}-{}", manifest::now_ms()));
            std::fs::rename(&dest, &old).map_err(|source| ModelsError::Io { path: dest.clone(), source })?;
            std::fs::rename(staged, &dest).map_err(|source| ModelsError::Io { path: dest.clone(), source })?;
            // Best effort: the new model is in place whatever happens here.
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(staged, &dest).map_err(|source| ModelsError::Io { path: dest.clone(), source })?;
        }
        Ok(dest)
    }

    /// Downloads `entry` from `hub`: resumable, verified, installed atomically.
    /// A model already installed from the same commit and intact is left alone.
    pub async fn pull(
        &self,
        hub: &Hub,
        entry: &Entry,
        cancel: &AtomicBool,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<PullReport> {
        check_id(&entry.id)?;
        let plan = hub.plan(entry).await?;
        if let Some(have) = self.get(&entry.id)? {
            let same = matches!(&have.manifest, Some(Manifest { source: Source::Hub { repo, commit, .. }, .. })
                if *commit == plan.commit && *repo == plan.repo);
            if !same {
                // Other bytes under the same id would change the model under
                // every library indexed with it: never overwrite.
                return Err(ModelsError::WouldReplace {
                    id: entry.id.clone(),
                    have: describe(have.manifest.as_ref()),
                    want: format!("{} @ {}", plan.repo, short(&plan.commit)),
                });
            }
            if manifest::check(&have.dir, &LAYOUT, Depth::Quick)?.is_intact() {
                return Ok(PullReport {
                    installed: have,
                    commit: plan.commit,
                    received: 0,
                    resumed: 0,
                    restarts: 0,
                    requests: 0,
                    up_to_date: true,
                });
            }
        }
        // Same commit, damaged files: fetching again restores the same bytes.
        let staged = self.ensure_staging()?.join(format!("{}@{}", entry.id, short(&plan.commit)));
        let total = plan.total_bytes();
        let mut base = Progress { total, ..Progress::default() };
        let mut files = Vec::new();
        let (mut received, mut resumed, mut restarts, mut requests) = (0, 0, 0, 0);
        for f in &plan.files {
            let t = hub.fetch(&plan, f, &staged.join(&f.path), cancel, &base, progress).await?;
            received += t.received;
            resumed += t.resumed_from;
            restarts += t.restarts;
            requests += t.requests;
            base.done += f.size;
            files.push(ManifestFile {
                path: f.path.clone(),
                size: f.size,
                sha256: t.sha256,
                checked: match f.digest {
                    crate::hub::Published::Sha256(_) => "hub sha256".into(),
                    crate::hub::Published::GitSha1(_) => "hub git blob sha1".into(),
                },
            });
        }
        if cancel.load(Ordering::SeqCst) {
            return Err(ModelsError::Cancelled);
        }
        let m = Manifest {
            id: entry.id.clone(),
            source: Source::Hub {
                endpoint: hub.endpoint().to_string(),
                repo: plan.repo.clone(),
                revision: plan.revision.clone(),
                commit: plan.commit.clone(),
            },
            files,
            installed_at_ms: manifest::now_ms(),
        };
        manifest::write(&staged, &m)?;
        let dir = self.place(&staged, &entry.id)?;
        Ok(PullReport {
            installed: Installed { id: entry.id.clone(), bytes: dir_size(&dir), dir, manifest: Some(m) },
            commit: plan.commit,
            received,
            resumed,
            restarts,
            requests,
            up_to_date: false,
        })
    }

    /// Installs a model from a local folder or an archive (`.tar`, `.tar.gz`,
    /// `.tgz`, `.zip`) without any network. The model's files may sit at the
    /// top of the folder or archive or one folder down. Blocking.
    pub fn install_from(
        &self,
        id: &str,
        src: &Path,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Installed> {
        check_id(id)?;
        let staging = self.ensure_staging()?;
        let stamp = manifest::now_ms();
        let staged = staging.join(format!("{id}@local-{stamp}"));
        let result = (|| {
            let root_holder;
            let root: PathBuf = if src.is_dir() {
                src.to_path_buf()
            } else if src.is_file() {
                let unpacked = staging.join(format!("{id}@unpack-{stamp}"));
                crate::archive::unpack(src, &unpacked, cancel)?;
                root_holder = unpacked;
                find_model_root(&root_holder).ok_or_else(|| ModelsError::NotAModel {
                    path: src.to_path_buf(),
                    missing: missing_layout(&root_holder).join(", "),
                })?
            } else {
                return Err(ModelsError::Io {
                    path: src.to_path_buf(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
                });
            };
            let root = if missing_layout(&root).is_empty() { root } else { find_model_root(&root).unwrap_or(root) };
            let missing = missing_layout(&root);
            if !missing.is_empty() {
                return Err(ModelsError::NotAModel { path: src.to_path_buf(), missing: missing.join(", ") });
            }
            let wanted = model_files(&root);
            let total: u64 = wanted.iter().filter_map(|f| std::fs::metadata(root.join(f)).ok()).map(|m| m.len()).sum();
            let mut p = Progress { total, ..Progress::default() };
            let mut files = Vec::new();
            for rel in &wanted {
                if cancel.load(Ordering::SeqCst) {
                    return Err(ModelsError::Cancelled);
                }
                let from = root.join(rel);
                let to = staged.join(rel);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(io_err(parent, total))?;
                }
                std::fs::copy(&from, &to).map_err(io_err(&to, total))?;
                let sha256 = manifest::sha256_file(&to).map_err(io_err(&to, total))?;
                let size = std::fs::metadata(&to).map_err(io_err(&to, total))?.len();
                p.file = rel.to_string();
                p.file_done = size;
                p.file_total = size;
                p.done += size;
                progress(&p);
                files.push(ManifestFile { path: rel.to_string(), size, sha256, checked: "hashed at install".into() });
            }
            let m = Manifest {
                id: id.to_string(),
                source: Source::Local { path: src.display().to_string() },
                files,
                installed_at_ms: manifest::now_ms(),
            };
            if let Some(have) = self.get(id)? {
                if have.manifest.as_ref().map(Manifest::content_digest) != Some(m.content_digest()) {
                    return Err(ModelsError::WouldReplace {
                        id: id.to_string(),
                        have: describe(have.manifest.as_ref()),
                        want: format!("the files in {}", src.display()),
                    });
                }
            }
            manifest::write(&staged, &m)?;
            let dir = self.place(&staged, id)?;
            Ok(Installed { id: id.to_string(), bytes: dir_size(&dir), dir, manifest: Some(m) })
        })();
        // Leave no staging behind, whatever happened.
        let _ = std::fs::remove_dir_all(&staged);
        let _ = std::fs::remove_dir_all(staging.join(format!("{id}@unpack-{stamp}")));
        result
    }
}

/// Everything a local install copies: the model's files as the loader
/// sees them (external-data weights included), with safe names only.
fn model_files(root: &Path) -> Vec<String> {
    let mut files = clipdex_embed::identity::model_files(root);
    files.retain(|rel| crate::safe::check_relative(rel).is_ok());
    files
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// Where an installed model came from, in words.
fn describe(m: Option<&Manifest>) -> String {
    match m {
        Some(Manifest { source: Source::Hub { repo, commit, .. }, .. }) => format!("{repo} @ {}", short(commit)),
        Some(Manifest { source: Source::Local { path }, .. }) => format!("copied from {path}"),
        None => "a folder placed by hand".into(),
    }
}

/// The folder holding the layout: `dir` itself or one level down.
fn find_model_root(dir: &Path) -> Option<PathBuf> {
    if missing_layout(dir).is_empty() {
        return Some(dir.to_path_buf());
    }
    let rd = std::fs::read_dir(dir).ok()?;
    let mut found = None;
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() && missing_layout(&p).is_empty() {
            if found.is_some() {
                return None; // two models: ambiguous
            }
            found = Some(p);
        }
    }
    found
}
