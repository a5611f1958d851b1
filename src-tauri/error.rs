//! Errors as they cross IPC: `{code, message}`. The code is the engine's
//! [`ErrorCode`], one enum for every front end; the window's type for it is
//! generated from that enum (see `wire.rs`).

use clipdex_library::{ErrorCode, LibraryError};
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpcError {
    #[serde(serialize_with = "code_str")]
    pub code: ErrorCode,
    pub message: String,
}

fn code_str<S: Serializer>(code: &ErrorCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl From<LibraryError> for IpcError {
    fn from(e: LibraryError) -> Self {
        Self { code: e.code(), message: clipdex_library::error_chain(&e) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shape_is_code_and_message() {
        let e = IpcError::from(LibraryError::NoModel);
        let json = serde_json::to_value(&e).expect("serialise");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "no_model",
                "message": "no model is set for this library yet and none was given; index a folder first, or choose a model"
            })
        );
    }
}
