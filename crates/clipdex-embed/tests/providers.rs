//! Execution providers: a requested accelerator that cannot start is
//! reported with its reason, and inference runs on CPU. In a default build
//! `CLIPDEX_PROVIDER=cuda` names a provider the build lacks; built with
//! `--features cuda` against the CPU-only ONNX Runtime the set-up installs,
//! CUDA itself fails to start. On a machine where CUDA does start, the model
//! runs on it and there is nothing to report. (Its own test binary: it sets
//! a process-wide variable.)

use std::path::Path;

use clipdex_embed::{Device, Model};

#[test]
fn a_provider_that_cannot_start_is_reported_not_hidden() {
    std::env::set_var("CLIPDEX_PROVIDER", "cuda");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-clip");
    let m = Model::open(&dir, &[]).expect("the model opens whatever the provider");
    let info = m.info();
    match info.device {
        Device::Cuda => assert_eq!(info.device_note, None, "CUDA started: nothing to report"),
        Device::Cpu => {
            let note = info.device_note.as_deref().expect("a reason is given for not using CUDA");
            assert!(note.contains("cuda") && note.contains("CPU"), "{note}");
            if cfg!(feature = "cuda") {
                assert!(note.contains("failed to start"), "{note}");
            } else {
                assert!(note.contains("--features cuda"), "{note}");
            }
        }
        other => panic!("asked for CUDA, got {other}"),
    }
    // Whatever it runs on, it works.
    assert_eq!(m.embed_texts(&["a red sled"]).expect("embed")[0].len(), info.dim);
}
