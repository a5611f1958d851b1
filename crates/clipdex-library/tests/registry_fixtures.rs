//! What can be checked offline about each registry entry: a committed
//! fixture with the same layout and the same text-input signature (names and
//! element types, and whether a language code goes in front of the text)
//! opens and runs. The real exports on the hub are not reachable here.

use std::path::{Path, PathBuf};

use clipdex_library::Model;
use clipdex_models::{Registry, LAYOUT};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// `name:int32[?,77]` → `name:int32`
fn signature(s: &str) -> String {
    s.split('[').next().unwrap_or(s).to_string()
}

#[test]
fn every_registry_entry_has_a_fixture_with_its_layout_and_text_signature() {
    let r = Registry::builtin();
    for e in &r.models {
        let name = e.fixture.as_deref().unwrap_or_else(|| panic!("{} names no fixture", e.id));
        let dir = fixtures().join(name);
        for f in LAYOUT {
            assert!(dir.join(f).is_file(), "{name} lacks {f} (the layout {} uses)", e.id);
        }
        let m = Model::open(&dir, &[]).unwrap_or_else(|err| panic!("{name} does not open: {err}"));
        let info = m.info();
        let got: Vec<String> = info.text_inputs.iter().map(|s| signature(s)).collect();
        assert_eq!(got, e.text_inputs, "{}: text inputs of {name}", e.id);
        assert_eq!(info.image_inputs.iter().map(|s| signature(s)).collect::<Vec<_>>(), ["image:float32"], "{name}");
        assert_eq!(info.languages > 0, e.language_prefix, "{}: language prefix vs {name}", e.id);
        let v = m.embed_texts(&["a red sled"]).expect("embed");
        assert_eq!(v[0].len(), info.dim);
    }
}
