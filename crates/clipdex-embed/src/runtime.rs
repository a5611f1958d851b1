//! Finding and starting ONNX Runtime.
//!
//! `ort` is built with `load-dynamic`: the shared library is opened at run
//! time from a path we resolve, so a build never downloads anything and the
//! same binary works with any compatible ONNX Runtime 1.31+ the user has.
//! ONNX Runtime allows one environment per process, so it lives in a `OnceLock`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;

use crate::error::{EmbedError, Result};

/// The ONNX Runtime release this build targets (`ort`'s `api-31`); the set-up
/// script installs exactly this version.
pub const ORT_VERSION: &str = "1.31.1";

/// The library's file name on this platform.
pub fn library_file_name() -> String {
    if cfg!(target_os = "windows") {
        "onnxruntime.dll".to_string()
    } else if cfg!(target_os = "macos") {
        format!("libonnxruntime.{ORT_VERSION}.dylib")
    } else {
        format!("libonnxruntime.so.{ORT_VERSION}")
    }
}

/// Where the set-up script puts the library: `<data dir>/clipdex/onnxruntime/`.
pub fn installed_dir() -> Option<PathBuf> {
    dirs::data_local_dir().map(|d| d.join("clipdex").join("onnxruntime"))
}

/// Candidate library paths, most specific first: the caller's own
/// directories (an app's bundled resources), next to the executable, then the
/// set-up script's install folder. `ORT_DYLIB_PATH`, when set, is the only one:
/// someone who names a library means that library.
pub fn candidates(extra_dirs: &[PathBuf]) -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return vec![PathBuf::from(p)];
    }
    let name = library_file_name();
    let mut out = Vec::new();
    for d in extra_dirs {
        out.push(d.join(&name));
    }
    if let Some(exe_dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        out.push(exe_dir.join(&name));
        out.push(exe_dir.join("..").join("lib").join(&name));
    }
    if let Some(d) = installed_dir() {
        out.push(d.join(&name));
    }
    out
}

static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();

/// Starts ONNX Runtime once per process and returns its environment.
/// Later calls return the first environment, whatever `extra_dirs` they pass.
pub fn environment(extra_dirs: &[PathBuf]) -> Result<&'static Environment> {
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env);
    }
    let tried = candidates(extra_dirs);
    let path = tried.iter().find(|p| p.is_file()).cloned().ok_or_else(|| EmbedError::RuntimeNotFound {
        tried: tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
    })?;
    let env = ort::init_from(&path)
        .map_err(EmbedError::RuntimeLoad)?
        .with_name("clipdex")
        .with_telemetry(false)
        .build()
        .map_err(crate::error::ort_err("starting the environment"))?;
    Ok(ENVIRONMENT.get_or_init(|| env))
}

/// Where inference runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    Cpu,
    /// CUDA was asked for and registered.
    Cuda,
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
        })
    }
}

/// All execution-provider choice lives here. CPU is always there; CUDA is
/// tried when built with the `cuda` feature and falls back to CPU with the
/// reason kept, so `status` can say honestly where inference runs.
pub(crate) fn choose_device(builder: &mut ort::session::builder::SessionBuilder) -> (Device, Option<String>) {
    #[cfg(feature = "cuda")]
    {
        use ort::ep::ExecutionProvider;
        match ort::ep::CUDA::default().register(builder) {
            Ok(()) => return (Device::Cuda, None),
            Err(e) => return (Device::Cpu, Some(format!("CUDA unavailable: {e}"))),
        }
    }
    #[cfg(not(feature = "cuda"))]
    {
        let _ = builder;
        (Device::Cpu, None)
    }
}
