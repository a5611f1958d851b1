//! How the CLI reports an error: the engine's code and message, then a hint
//! in the CLI's own terms (a command or a flag). The engine's messages name
//! no flags; the window adds buttons instead.

use clipdex_library::{ErrorCode, LibraryError};

/// A hint a command attaches to an error, in place of the code's own.
#[derive(Debug)]
struct Hint(String);

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `e` with a hint of the command's own.
pub(crate) fn with(e: LibraryError, hint: &str) -> anyhow::Error {
    anyhow::Error::new(e).context(Hint(hint.to_string()))
}

/// The `error[code]: message` line, and a hint if there is one.
pub(crate) fn explain(e: &anyhow::Error) -> (String, Option<String>) {
    let own = e.downcast_ref::<Hint>().map(|h| h.0.clone());
    let mut msg = String::new();
    for cause in e.chain().filter(|c| own.as_deref() != Some(c.to_string().as_str())) {
        let s = cause.to_string();
        if !msg.contains(&s) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&s);
        }
    }
    let lib = e.downcast_ref::<LibraryError>();
    let line = match lib {
        Some(l) => format!("error[{}]: {msg}", l.code()),
        None => format!("error: {msg}"),
    };
    let hint = own.or_else(|| lib.and_then(for_error));
    (line, hint)
}

/// The CLI's hint for an engine error, by its code.
fn for_error(e: &LibraryError) -> Option<String> {
    let model = e.model_id().unwrap_or("MODEL");
    Some(match e.code() {
        ErrorCode::NoModel => "pass --model (an installed model id or a model folder), or index a folder first".into(),
        ErrorCode::ModelMismatch | ErrorCode::ModelNotIndexed => format!(
            "`clipdex models use {model}` switches the library to it: it indexes in the background, \
             and the current model stays searchable until it is done"
        ),
        ErrorCode::ModelDamaged => format!("`clipdex models pull {model}` downloads it again and repairs it"),
        ErrorCode::ModelNotInstalled => format!("`clipdex models pull {model}` installs it"),
        ErrorCode::UnknownModel => "`clipdex models list` shows the models Clipdex knows".into(),
        ErrorCode::Offline => {
            "to install without a network: `clipdex models pull ID --from PATH` (a model folder or archive)".into()
        }
        ErrorCode::ModelNotFound | ErrorCode::ModelIncomplete => {
            "`clipdex models list` shows the models to install with `clipdex models pull ID`; --model or CLIPDEX_MODEL names another folder".into()
        }
        ErrorCode::RuntimeMissing => "run the README's set-up, or set ORT_DYLIB_PATH".into(),
        _ => return None,
    })
}
