use std::path::PathBuf;

use clipdex_embed::EmbedError;
use clipdex_models::ModelsError;
use clipdex_store::StoreError;

use crate::code::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error(transparent)]
    Model(#[from] EmbedError),

    #[error(transparent)]
    Store(#[from] StoreError),

    #[error(transparent)]
    Models(#[from] ModelsError),

    #[error(
        "this library indexes new files with the model {library} ({library_dir}), not {given}; \
         vectors from different models are never mixed. Switching to the new model indexes the library \
         in the background, and the old model stays searchable until it is done"
    )]
    ModelMismatch { library: String, library_dir: String, given: String },

    #[error("no model is set for this library yet and none was given; index a folder first, or choose a model")]
    NoModel,

    #[error(
        "this library has no vectors from the model {0}; switching to it indexes the library with it \
         (the current model stays searchable meanwhile)"
    )]
    NotIndexedWith(String),

    #[error("{0}")]
    BadArgument(String),

    #[error("cannot read the image {path}: {reason}")]
    Decode { path: PathBuf, reason: String },

    #[error("{path} does not exist")]
    PathNotFound { path: PathBuf },

    #[error("cannot use {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "another Clipdex process{} is writing to this library; wait for it to finish and try again",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Busy { pid: Option<u32> },

    #[error("{0}")]
    Watch(String),

    #[error("the query is not valid {0}")]
    QuerySyntax(#[from] crate::query::QuerySyntaxError),

    #[error("{0}")]
    Unsupported(String),

    #[error("no library item has the id {0}")]
    NoSuchItem(String),

    #[error("the query has nothing to search for: give text, an image, or similar:<id>")]
    EmptyQuery,

    #[error("{0} is not in the library (index it first)")]
    NotInLibrary(String),

    #[error("cancelled")]
    Cancelled,

    #[error("no file failed, so there is nothing to try again")]
    NothingToRetry,

    #[error("a background task failed: {0}")]
    Task(String),

    #[error("{0}")]
    NotReady(String),
}

impl LibraryError {
    /// The stable code front ends show and branch on (CLI `error[code]`, IPC `{code, message}`).
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            LibraryError::Model(e) => match e {
                EmbedError::ModelNotFound { .. } => C::ModelNotFound,
                EmbedError::ModelIncomplete { .. } => C::ModelIncomplete,
                EmbedError::RuntimeNotFound { .. } | EmbedError::RuntimeLoad(_) => C::RuntimeMissing,
                EmbedError::BadConfig { .. }
                | EmbedError::BadJson { .. }
                | EmbedError::BadGraph { .. }
                | EmbedError::Tokenizer { .. } => C::ModelInvalid,
                EmbedError::UnknownLanguage { .. } => C::BadArgument,
                _ => C::InferenceFailed,
            },
            LibraryError::Store(StoreError::DimensionMismatch { .. }) => C::ModelMismatch,
            LibraryError::Store(StoreError::Damaged { .. }) => C::LibraryDamaged,
            LibraryError::Store(StoreError::Unreadable { .. }) => C::Io,
            LibraryError::Store(_) => C::StoreFailed,
            LibraryError::Models(e) => models_code(e),
            LibraryError::ModelMismatch { .. } => C::ModelMismatch,
            LibraryError::NoModel => C::NoModel,
            LibraryError::NotIndexedWith(_) => C::ModelNotIndexed,
            LibraryError::BadArgument(_) => C::BadArgument,
            LibraryError::PathNotFound { .. } => C::PathNotFound,
            LibraryError::Decode { .. } => C::BadImage,
            LibraryError::Io { .. } => C::Io,
            LibraryError::Busy { .. } => C::LibraryBusy,
            LibraryError::Watch(_) => C::WatchFailed,
            LibraryError::QuerySyntax(_) => C::QuerySyntax,
            LibraryError::Unsupported(_) => C::Unsupported,
            LibraryError::NoSuchItem(_) => C::NoSuchItem,
            LibraryError::EmptyQuery => C::EmptyQuery,
            LibraryError::Cancelled => C::Cancelled,
            LibraryError::NothingToRetry => C::NothingToRetry,
            LibraryError::NotInLibrary(_) => C::NotInLibrary,
            LibraryError::Task(_) => C::Internal,
            LibraryError::NotReady(_) => C::NotReady,
        }
    }

    /// The model the error is about, where there is one: front ends put it
    /// into their own hint (a command to run, a button to press).
    pub fn model_id(&self) -> Option<&str> {
        match self {
            LibraryError::Models(ModelsError::Damaged { id, .. } | ModelsError::NotInstalled(id)) => Some(id),
            LibraryError::Models(ModelsError::UnknownModel { id, .. }) => Some(id),
            LibraryError::NotIndexedWith(id) => Some(id),
            _ => None,
        }
    }
}

fn models_code(e: &ModelsError) -> ErrorCode {
    use ErrorCode as C;
    match e {
        ModelsError::UnknownModel { .. } => C::UnknownModel,
        ModelsError::Offline { .. } => C::Offline,
        ModelsError::Http { .. }
        | ModelsError::BadListing { .. }
        | ModelsError::Transfer { .. }
        | ModelsError::MissingFile { .. } => C::DownloadFailed,
        ModelsError::Checksum { .. } | ModelsError::Size { .. } => C::CorruptDownload,
        ModelsError::DiskFull { .. } => C::DiskFull,
        ModelsError::Io { .. } => C::Io,
        ModelsError::BadArchive { .. } | ModelsError::NotAModel { .. } => C::BadModel,
        ModelsError::Damaged { .. } => C::ModelDamaged,
        ModelsError::NotInstalled(_) => C::ModelNotInstalled,
        ModelsError::BadId(_) | ModelsError::BadEndpoint { .. } => C::BadArgument,
        ModelsError::RevisionMoved { .. } => C::DownloadFailed,
        ModelsError::WouldReplace { .. } => C::ModelExists,
        ModelsError::TooLarge { .. } => C::BadModel,
        ModelsError::Cancelled => C::Cancelled,
    }
}

pub type Result<T, E = LibraryError> = std::result::Result<T, E>;

/// "outer: inner: innermost" — the whole reason, for people.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        let msg = inner.to_string();
        if !s.contains(&msg) {
            s.push_str(": ");
            s.push_str(&msg);
        }
        cur = inner.source();
    }
    s
}
