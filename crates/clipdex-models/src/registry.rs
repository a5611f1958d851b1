//! The registry: known CLIP-family exports in the open_clip ONNX layout, as
//! data (`registry.json`, compiled in). Nothing else in Clipdex names a model.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{ModelsError, Result};

/// A published quality figure, with where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Quality {
    /// e.g. "Flickr30k (1K test)", "MSCOCO (5K val)", "Crossmodal-3600 (36 languages)".
    pub benchmark: String,
    /// e.g. "text→image R@1", "ImageNet zero-shot top-1".
    pub metric: String,
    pub value: f32,
    /// A URL or citation.
    pub source: String,
}

/// One known export.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Clipdex's name for it, also the install folder's name.
    pub id: String,
    /// What people call it ("CLIP ViT-B/32 (OpenAI)"): what windows show.
    pub name: String,
    /// `owner/name` on the Hugging Face hub.
    pub repo: String,
    /// Branch, tag or commit to fetch; resolved to a commit before download.
    pub revision: String,
    /// The commit `revision` must resolve to, when pinned: a hub whose
    /// branch has moved is refused instead of followed.
    #[serde(default)]
    pub commit: Option<String>,
    /// The files Clipdex needs, relative to the repository root. `dir/*`
    /// means every file directly in `dir` (large graphs keep their weights
    /// in external-data files beside `model.onnx`), except other runtimes'
    /// formats (`.armnn`, `.rknn`); sub-folders (`fp16/`, `rknpu/`) are not
    /// fetched.
    pub files: Vec<String>,
    pub dim: usize,
    pub image_size: u32,
    pub context_length: usize,
    /// The textual graph's inputs, `name:type`, as the export declares them.
    pub text_inputs: Vec<String>,
    /// Approximate download size of `files`, in MB.
    pub size_mb: u64,
    /// ISO 639-1 codes, or `["multilingual"]` with `languages_note`.
    pub languages: Vec<String>,
    #[serde(default)]
    pub languages_note: Option<String>,
    /// Whether text takes a FLORES-200 language prefix (read from the
    /// tokenizer at load time; recorded here so `list` can say so).
    #[serde(default)]
    pub language_prefix: bool,
    pub licence: String,
    pub quality: Vec<Quality>,
    pub summary: String,
    /// The committed test fixture with this entry's layout and text-input
    /// signature (`tests/fixtures/<name>`): what could be checked offline.
    #[serde(default)]
    pub fixture: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registry {
    pub default: String,
    #[serde(default)]
    pub note: Option<String>,
    pub models: Vec<Entry>,
}

const REGISTRY_JSON: &str = include_str!("../registry.json");

impl Registry {
    /// The registry compiled into this build.
    pub fn builtin() -> &'static Registry {
        static R: OnceLock<Registry> = OnceLock::new();
        R.get_or_init(|| {
            // The file is part of the source tree and checked by a test; a
            // broken one is a build defect, not user input.
            #[allow(clippy::expect_used)]
            serde_json::from_str(REGISTRY_JSON).expect("registry.json is valid (checked by tests)")
        })
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.models.iter().find(|m| m.id == id)
    }

    /// What people call a model: the registry's name for a model id
    /// (`<folder name>@<hash>`) or folder name, else the folder name itself.
    pub fn display_name(&self, id: &str) -> String {
        let folder = id.rsplit_once('@').map_or(id, |(name, _)| name);
        self.get(folder).map_or_else(|| folder.to_string(), |e| e.name.clone())
    }

    /// The entry for `id`, or an error listing what is known.
    pub fn entry(&self, id: &str) -> Result<&Entry> {
        self.get(id).ok_or_else(|| ModelsError::UnknownModel {
            id: id.to_string(),
            known: self.models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join(", "),
        })
    }

    pub fn default_entry(&self) -> Option<&Entry> {
        self.get(&self.default)
    }
}

/// Model ids name folders: keep them to a safe alphabet.
pub fn check_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+'));
    if ok {
        Ok(())
    } else {
        Err(ModelsError::BadId(id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_registry_is_complete_and_consistent() {
        let r = Registry::builtin();
        assert!(r.default_entry().is_some(), "the default {} is listed", r.default);
        assert_eq!(r.default, "ViT-B-32__openai");
        let layout = crate::LAYOUT;
        let mut ids = std::collections::HashSet::new();
        for m in &r.models {
            check_id(&m.id).expect("id");
            assert!(ids.insert(m.id.clone()), "duplicate id {}", m.id);
            assert!(!m.name.trim().is_empty() && m.name != m.id, "{} has a name people read", m.id);
            assert!(m.repo.split('/').count() == 2, "{}: repo {}", m.id, m.repo);
            if let Some(c) = &m.commit {
                assert!(c.len() == 40 && c.chars().all(|ch| ch.is_ascii_hexdigit()), "{}: commit {c}", m.id);
            }
            for f in &m.files {
                crate::safe::check_relative(f.trim_end_matches("/*")).expect("registry file paths are plain");
            }
            for f in layout {
                let dir_glob = f.rsplit_once('/').map(|(d, _)| format!("{d}/*"));
                assert!(m.files.iter().any(|x| x == f || Some(x) == dir_glob.as_ref()), "{} lacks {f}", m.id);
            }
            assert!(m.dim > 0 && m.image_size > 0 && m.context_length > 1, "{}", m.id);
            assert!(!m.text_inputs.is_empty() && !m.languages.is_empty() && !m.licence.is_empty());
            assert!(!m.quality.is_empty(), "{} has no published quality figure", m.id);
            for q in &m.quality {
                assert!(!q.source.is_empty() && q.value > 0.0, "{}: {q:?}", m.id);
            }
        }
        // A model's name from its id, its folder, or neither (a folder placed by hand).
        assert_eq!(r.display_name("ViT-B-32__openai@1234abcd"), "CLIP ViT-B/32 (OpenAI)");
        assert_eq!(r.display_name("ViT-B-32__openai"), "CLIP ViT-B/32 (OpenAI)");
        assert_eq!(r.display_name("my-export@deadbeef"), "my-export");
        // What the registry promises: a SigLIP2, a ViT-L-14 class, an
        // XLM-Roberta multilingual and an NLLB multilingual model.
        let has = |pat: &str| r.models.iter().any(|m| m.id.to_lowercase().contains(pat));
        assert!(has("siglip2") && has("vit-l-14") && has("xlm-roberta") && has("nllb"));
        assert!(r.models.iter().any(|m| m.language_prefix), "an NLLB entry takes a language prefix");
        assert!(r.models.iter().any(|m| m.text_inputs.iter().any(|i| i.starts_with("attention_mask"))));
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("ViT-B-32__openai").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", "a b"] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }
}
