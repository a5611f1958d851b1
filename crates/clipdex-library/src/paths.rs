//! Where things live by default. Front ends call these; nothing else reads
//! the environment.

use std::path::PathBuf;

/// The model Clipdex uses when none is named.
pub const DEFAULT_MODEL_NAME: &str = "ViT-B-32__openai";

/// `CLIPDEX_LIBRARY`, else `<platform local data dir>/clipdex/library` (never a
/// roaming profile: the database can be large).
pub fn default_library_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("CLIPDEX_LIBRARY").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::data_local_dir().unwrap_or_else(|| PathBuf::from(".")).join("clipdex").join("library")
}

/// The library the window opens: `CLIPDEX_LIBRARY`, else the one it opened
/// last (if its folder still exists), else [`default_library_dir`].
pub fn starting_library_dir(recent: &crate::Recent) -> PathBuf {
    if std::env::var_os("CLIPDEX_LIBRARY").is_some_and(|p| !p.is_empty()) {
        return default_library_dir();
    }
    recent.library().unwrap_or_else(default_library_dir)
}

/// `CLIPDEX_MODELS`, else `<platform cache dir>/clipdex/models`: where
/// `clipdex models pull` installs, one folder per model id.
pub fn models_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("CLIPDEX_MODELS").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::cache_dir().unwrap_or_else(|| PathBuf::from(".")).join("clipdex").join("models")
}

/// `CLIPDEX_CACHE`, else `<platform cache dir>/clipdex/shared`: what every
/// library may share (each model's prepared tag vocabulary), see
/// [`crate::Library::share_cache`].
pub fn shared_cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("CLIPDEX_CACHE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::cache_dir().unwrap_or_else(|| PathBuf::from(".")).join("clipdex").join("shared")
}

/// `CLIPDEX_MODEL`, else the default model's folder under [`models_dir`].
pub fn default_model_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("CLIPDEX_MODEL").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    models_dir().join(DEFAULT_MODEL_NAME)
}

/// The model folder a `--model` argument names: an existing folder as given,
/// else an installed model's id under [`models_dir`]; nothing given means
/// [`default_model_dir`].
pub fn model_dir(arg: Option<&std::path::Path>) -> PathBuf {
    match arg {
        None => default_model_dir(),
        Some(p) if p.exists() => p.to_path_buf(),
        Some(p) => match p.to_str() {
            Some(id) if clipdex_models::registry::check_id(id).is_ok() && models_dir().join(id).is_dir() => {
                models_dir().join(id)
            }
            _ => p.to_path_buf(),
        },
    }
}

/// The user's Pictures folder, when there is one: the platform's (XDG
/// `user-dirs.dirs` on Linux), else `~/Pictures` if it exists.
pub fn pictures_dir() -> Option<PathBuf> {
    dirs::picture_dir()
        .filter(|d| d.is_dir())
        .or_else(|| dirs::home_dir().map(|h| h.join("Pictures")).filter(|d| d.is_dir()))
}
