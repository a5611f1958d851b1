use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ModelsError {
    #[error("no model called {id:?} is known; known models: {known}")]
    UnknownModel { id: String, known: String },

    #[error(
        "cannot reach {endpoint} ({reason}). Clipdex works offline once a model is installed; \
         to install without a network, copy the model folder or archive here and run \
         `clipdex models pull ID --from PATH`"
    )]
    Offline { endpoint: String, reason: String },

    #[error("{url} answered {status}")]
    Http { url: String, status: u16 },

    #[error("the hub's listing of {repo} is not usable: {reason}")]
    BadListing { repo: String, reason: String },

    #[error("{repo} has no file {file}")]
    MissingFile { repo: String, file: String },

    #[error(
        "{file} is corrupt: its {algorithm} is {actual}, but the hub publishes {expected}. \
         The damaged download was deleted; run the same command again to fetch it afresh"
    )]
    Checksum { file: String, algorithm: &'static str, expected: String, actual: String },

    #[error("{file}: the server sent {got} bytes, but the file is {expected} bytes")]
    Size { file: String, expected: u64, got: u64 },

    #[error(
        "the disk is full while writing {path} ({needed_mb} MB needed for the whole model). \
         Free some space and run the same command again: it resumes where it stopped"
    )]
    DiskFull { path: PathBuf, needed_mb: u64 },

    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the download of {url} failed: {reason}")]
    Transfer { url: String, reason: String },

    #[error("{path} is not a usable model archive: {reason}")]
    BadArchive { path: PathBuf, reason: String },

    #[error("{path} is not a model in the open_clip ONNX layout: missing {missing}")]
    NotAModel { path: PathBuf, missing: String },

    #[error("the model {id} is damaged: {problems}. Run `clipdex models pull {id}` to repair it")]
    Damaged { id: String, problems: String },

    #[error("the model {0} is not installed; `clipdex models pull {0}` installs it")]
    NotInstalled(String),

    #[error("{0:?} is not a valid model id (letters, digits, '.', '_', '-', '@' and '+' only)")]
    BadId(String),

    #[error("cancelled")]
    Cancelled,
}

impl ModelsError {
    /// A stable code for front ends (`error[code]`, IPC `{code, message}`).
    pub fn code(&self) -> &'static str {
        match self {
            ModelsError::UnknownModel { .. } => "unknown_model",
            ModelsError::Offline { .. } => "offline",
            ModelsError::Http { .. } | ModelsError::BadListing { .. } | ModelsError::Transfer { .. } => {
                "download_failed"
            }
            ModelsError::MissingFile { .. } => "download_failed",
            ModelsError::Checksum { .. } | ModelsError::Size { .. } => "corrupt_download",
            ModelsError::DiskFull { .. } => "disk_full",
            ModelsError::Io { .. } => "io",
            ModelsError::BadArchive { .. } | ModelsError::NotAModel { .. } => "bad_model",
            ModelsError::Damaged { .. } => "model_damaged",
            ModelsError::NotInstalled(_) => "model_not_installed",
            ModelsError::BadId(_) => "bad_argument",
            ModelsError::Cancelled => "cancelled",
        }
    }
}

pub type Result<T, E = ModelsError> = std::result::Result<T, E>;

/// An I/O error with its path, told apart when it means the disk is full.
pub(crate) fn io_err(path: &std::path::Path, needed: u64) -> impl FnOnce(std::io::Error) -> ModelsError + '_ {
    move |source| {
        if source.kind() == std::io::ErrorKind::StorageFull {
            ModelsError::DiskFull { path: path.to_path_buf(), needed_mb: needed.div_ceil(1 << 20) }
        } else {
            ModelsError::Io { path: path.to_path_buf(), source }
        }
    }
}
