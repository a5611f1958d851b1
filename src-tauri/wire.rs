//! The window's TypeScript wire types, made from the DTOs (`dto/`) and the
//! engine's [`ErrorCode`], never written by hand: `ui/src/wire.ts` is this
//! module's output, committed so the window type-checks without Rust. A test
//! fails when the file is stale (a DTO field renamed in Rust without the
//! window following); `CLIPDEX_WRITE_WIRE=1 cargo test --lib wire` rewrites it.

use clipdex_library::ErrorCode;
use ts_rs::{Config, TS};

use crate::dto::*;

/// Where the generated file lives, from the repository root.
pub const WIRE_TS: &str = "ui/src/wire.ts";

/// `export <decl>` for each wire type, in the order the window reads them.
macro_rules! decls {
    ($cfg:expr; $($t:ty),* $(,)?) => {
        vec![$(<$t as TS>::decl($cfg)),*]
    };
}

/// The whole of `ui/src/wire.ts`.
pub fn typescript() -> String {
    // Integers cross as JSON numbers (below 2^53: counts, bytes, milliseconds).
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust DTOs (src-tauri/dto) and the engine's ErrorCode by\n\
         // src-tauri/wire.rs. Do not edit: run `CLIPDEX_WRITE_WIRE=1 cargo test --lib wire`.\n\n",
    );
    out.push_str("/** Every code an error that reaches the window can carry. */\nexport type ErrorCode =\n");
    for c in ErrorCode::ALL {
        out.push_str(&format!("  | \"{}\"\n", c.as_str()));
    }
    out.push_str(
        ";\n\n/** Any error from a command. */\nexport type IpcError = { code: ErrorCode, message: string };\n",
    );
    let types = decls!(&cfg;
        HitDto, MomentDto, TagDto, WhyDto, TextWordDto, ItemTextDto, MonthDto, SearchDto, OutlineDto, PartDto,
        SyntaxDto, StatusDto, TextStatusDto, AppInfoDto, FailureDto, WatchDto, SummaryDto, IndexEvent, CameraDto,
        DeviceDto, LibModelDto, QualityDto, ModelEntryDto, ModelsDto, PullEventDto, SwitchDto,
        ScoresDto, RunDto, CompareDto,
        MatrixItemDto, MatrixDto, RegionDto,
    );
    for d in types {
        out.push('\n');
        out.push_str("export ");
        out.push_str(d.trim());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_ts_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(WIRE_TS);
        let fresh = typescript();
        if std::env::var_os("CLIPDEX_WRITE_WIRE").is_some() {
            std::fs::write(&path, &fresh).expect("write wire.ts");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: a wire type changed in Rust. Run `CLIPDEX_WRITE_WIRE=1 cargo test --lib wire` \
             and fix what the window's type check then reports",
            path.display()
        );
    }

    #[test]
    fn a_renamed_field_changes_the_wire() {
        // What the staleness check relies on: the declaration follows serde's names.
        let hit = <HitDto as TS>::decl(&Config::new().with_large_int("number"));
        assert!(hit.contains("takenAt: number | null") && hit.contains("why: Why"), "{hit}");
    }
}
