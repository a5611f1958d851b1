//! A first run: which installed model a library without one starts with,
//! and installing a model from a folder or archive the user picked, named
//! after what they picked. With neither, front ends offer the registry.

use std::path::{Path, PathBuf};

use clipdex_models::registry::check_id;
use clipdex_models::Registry;

use super::shelf::{Got, ModelShelf, Transfer};
use crate::control::Cancel;
use crate::error::Result;
use crate::state::blocking;

impl ModelShelf {
    /// The model a library without one indexes with: `preferred` (the
    /// front end's own default folder) when it is there, else the
    /// registry's default when installed, else the first installed model
    /// by id. `None`: nothing is installed yet, so the user must get one.
    pub async fn starting_model(&self, preferred: &Path) -> Result<Option<PathBuf>> {
        // A folder that is there but incomplete is still the one meant: opening
        // it names what is missing.
        if preferred.is_dir() {
            return Ok(Some(preferred.to_path_buf()));
        }
        let models = self.models.clone();
        let installed = blocking(move || models.installed()).await??;
        let complete = |i: &&clipdex_models::Installed| clipdex_embed::config::check_layout(&i.dir).is_ok();
        let default = Registry::builtin().default.clone();
        let pick =
            installed.iter().filter(complete).find(|i| i.id == default).or_else(|| installed.iter().find(complete));
        Ok(pick.map(|i| i.dir.clone()))
    }

    /// Installs the model in a folder or archive the user picked (copied,
    /// checked, opened once), under an id made from its name: `a/My Model.zip`
    /// becomes `My-Model`, with `-2`, `-3`… when that id is taken, so a pick
    /// never replaces an installed model.
    pub async fn install_picked(
        &self,
        src: &Path,
        cancel: &Cancel,
        on_progress: impl FnMut(&Transfer) + Send + 'static,
    ) -> Result<Got> {
        let id = self.free_id(&id_from_name(src));
        self.install_from(&id, src, cancel, on_progress).await
    }

    fn free_id(&self, base: &str) -> String {
        let taken = |id: &str| self.dir().join(id).exists();
        if !taken(base) {
            return base.to_string();
        }
        (2..).map(|n| format!("{base}-{n}")).find(|id| !taken(id)).unwrap_or_else(|| base.to_string())
    }
}

/// A model id from a file or folder name: archive suffixes dropped, every
/// character an id may not hold made `-`, at most 64 characters.
pub(crate) fn id_from_name(src: &Path) -> String {
    let name = src.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let stem_len = [".tar.gz", ".tgz", ".tar", ".zip"]
        .iter()
        .find(|s| lower.ends_with(*s))
        .map_or(name.len(), |s| name.len() - s.len());
    let mut id: String = name[..stem_len]
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+') { c } else { '-' })
        .take(64)
        .collect();
    id = id.trim_start_matches(['.', '-']).trim_end_matches('-').to_string();
    if check_id(&id).is_err() {
        id = "model".to_string();
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_names_are_valid_and_readable() {
        assert_eq!(id_from_name(Path::new("/x/tiny-clip")), "tiny-clip");
        assert_eq!(id_from_name(Path::new("/x/My Model (v2).tar.gz")), "My-Model--v2");
        assert_eq!(id_from_name(Path::new("/x/ViT-B-32__openai.ZIP")), "ViT-B-32__openai");
        assert_eq!(id_from_name(Path::new("/x/..hidden")), "hidden");
        assert_eq!(id_from_name(Path::new("/")), "model");
        assert_eq!(id_from_name(Path::new("/x/日本語")), "model");
        assert!(check_id(&id_from_name(Path::new(&"a".repeat(300)))).is_ok());
    }
}
