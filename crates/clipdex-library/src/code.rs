//! The one list of error codes that cross to a front end: the CLI's
//! `error[code]`, IPC's `{code, message}`, and the window's advice. Every
//! engine error maps to one ([`crate::LibraryError::code`]); a front end that
//! refuses a request itself (a busy task slot, a malformed argument) picks
//! one from here too, never a string of its own.

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $name:ident = $s:literal,)*) => {
        /// A stable, machine-readable reason. `as_str` is its wire form.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $name,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order (the wire type is made from it).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $s,)*
                }
            }
        }
    };
}

codes! {
    /// No model folder where one was expected.
    ModelNotFound = "model_not_found",
    /// A model folder lacks files of the layout.
    ModelIncomplete = "model_incomplete",
    /// A model's graphs, config or tokenizer cannot be used.
    ModelInvalid = "model_invalid",
    /// The model does not match the library's vectors.
    ModelMismatch = "model_mismatch",
    /// ONNX Runtime is missing or does not load.
    RuntimeMissing = "runtime_missing",
    /// Running the model failed.
    InferenceFailed = "inference_failed",
    /// The database failed.
    StoreFailed = "store_failed",
    /// The library has no model yet and none was given.
    NoModel = "no_model",
    PathNotFound = "path_not_found",
    /// A file is not a readable image.
    BadImage = "bad_image",
    Io = "io",
    QuerySyntax = "query_syntax",
    Unsupported = "unsupported",
    NoSuchItem = "no_such_item",
    EmptyQuery = "empty_query",
    NotInLibrary = "not_in_library",
    Cancelled = "cancelled",
    /// A request's argument is malformed or out of range.
    BadArgument = "bad_argument",
    /// A table of the library does not decode; nothing was changed.
    LibraryDamaged = "library_damaged",
    /// Another process writes to the library.
    LibraryBusy = "library_busy",
    WatchFailed = "watch_failed",
    /// The one task of its kind already runs in this process.
    Busy = "busy",
    NoFolders = "no_folders",
    /// The library has no vectors from that model.
    ModelNotIndexed = "model_not_indexed",
    ModelNotInstalled = "model_not_installed",
    /// Other files are already installed under that model id.
    ModelExists = "model_exists",
    /// An installed model's files do not match its install record.
    ModelDamaged = "model_damaged",
    /// The registry has no model by that id.
    UnknownModel = "unknown_model",
    /// The model hub cannot be reached.
    Offline = "offline",
    DownloadFailed = "download_failed",
    CorruptDownload = "corrupt_download",
    DiskFull = "disk_full",
    /// A folder or archive is not a model in the layout.
    BadModel = "bad_model",
    /// The desktop could not open a file or folder.
    OpenFailed = "open_failed",
    NothingToRetry = "nothing_to_retry",
    /// What was asked needs something the library has not prepared yet
    /// (the model's label vocabulary); an indexing run prepares it.
    NotReady = "not_ready",
    /// A local server's request lacks the library's token, or has another.
    Unauthorized = "unauthorized",
    /// A local server's request came from elsewhere (a foreign Host, an Origin).
    Forbidden = "forbidden",
    /// A request's body is over the size the server takes.
    TooLarge = "too_large",
    /// A local server has no such route.
    NotFound = "not_found",
    /// A bug or a failed background task.
    Internal = "internal",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'), "{s}");
            assert!(seen.insert(s), "{s} twice");
        }
    }
}
