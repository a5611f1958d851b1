//! The store's error type and the adapters from LanceDB and Arrow errors.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the library folder {path}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the library database failed while {context}")]
    Lance {
        context: &'static str,
        #[source]
        source: lancedb::Error,
    },
    #[error("the library database returned unexpected data: {0}")]
    Schema(String),
    #[error("this library stores {stored}-dimensional vectors; got {given}")]
    DimensionMismatch { stored: usize, given: usize },
    #[error("the library has no vectors for the model {0}")]
    NoSpace(String),
    #[error("the {table} table's newest version ({}) is damaged: {why}. {hint}", file.display())]
    Damaged {
        table: String,
        file: std::path::PathBuf,
        why: String,
        hint: String,
        /// Whether an older version is kept to roll back to.
        older: bool,
    },
    #[error(
        "cannot read {} ({source}); nothing was changed. If another user wrote it (`sudo clipdex …`), \
         give the library back to yourself (`sudo chown -R $USER` on its folder)",
        path.display()
    )]
    Unreadable {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) fn lance(context: &'static str) -> impl FnOnce(lancedb::Error) -> StoreError {
    move |source| StoreError::Lance { context, source }
}

pub(crate) fn arrow(e: arrow_schema::ArrowError) -> StoreError {
    StoreError::Schema(e.to_string())
}
