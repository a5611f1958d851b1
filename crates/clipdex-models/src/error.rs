use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ModelsError {
    #[error("no model called {id:?} is known; known models: {known}")]
    UnknownModel { id: String, known: String },

    #[error(
        "cannot reach {endpoint} ({reason}). Clipdex works offline once a model is installed; \
         without a network, a model can be installed from a copy of its folder or archive"
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
         The damaged download was deleted; downloading again fetches it afresh"
    )]
    Checksum { file: String, algorithm: &'static str, expected: String, actual: String },

    #[error("{file}: the server sent {got} bytes, but the file is {expected} bytes")]
    Size { file: String, expected: u64, got: u64 },

    #[error(
        "the disk is full while writing {path} ({needed_mb} MB needed for the whole model). \
         Free some space and download again: it resumes where it stopped"
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

    #[error("the model {id} is damaged: {problems}. Downloading it again repairs it")]
    Damaged { id: String, problems: String },

    #[error("the model {0} is not installed; download it first")]
    NotInstalled(String),

    #[error("{0:?} is not a valid model id (letters, digits, '.', '_', '-', '@' and '+' only)")]
    BadId(String),

    #[error("{endpoint} is not a usable hub address: {reason}")]
    BadEndpoint { endpoint: String, reason: String },

    #[error(
        "{repo}'s {revision} now points at commit {got}, but Clipdex pins {id} to {pinned}; \
         nothing was downloaded"
    )]
    RevisionMoved { id: String, repo: String, revision: String, pinned: String, got: String },

    #[error(
        "{id} is already installed ({have}), and installing {want} would replace it under every library \
         indexed with it. Install the new one under another id, or remove {id} first \
         (`clipdex models remove {id}`) and re-index with the new files"
    )]
    WouldReplace { id: String, have: String, want: String },

    #[error("{path} would unpack to more than {limit_mb} MB; a model archive that large is refused")]
    TooLarge { path: PathBuf, limit_mb: u64 },

    #[error("cancelled")]
    Cancelled,
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
