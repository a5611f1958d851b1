//! Errors as they cross IPC: `{code, message}`. The UI mirrors the codes in
//! `ui/src/ipc.ts`.

use clipdex_library::LibraryError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_string(), message: message.into() }
    }
}

impl IpcError {
    pub fn from_models(e: clipdex_library::models::ModelsError) -> Self {
        Self { code: e.code().to_string(), message: clipdex_library::error_chain(&e) }
    }
}

impl From<LibraryError> for IpcError {
    fn from(e: LibraryError) -> Self {
        Self { code: e.code().to_string(), message: clipdex_library::error_chain(&e) }
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
                "message": "no model is set for this library yet and none was given; index a folder first, or pass --model DIR"
            })
        );
    }
}
