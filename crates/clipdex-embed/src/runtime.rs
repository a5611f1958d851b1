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
        out.extend(bundled_dirs(&exe_dir).into_iter().map(|d| d.join(&name)));
    }
    if let Some(d) = installed_dir() {
        out.push(d.join(&name));
    }
    out
}

/// The app's name in its packages (`productName` in tauri.conf.json): the
/// Linux packages put their resources under `/usr/lib/<it>/`.
pub const PACKAGE_NAME: &str = "Clipdex";

/// Where an installed package keeps the library, relative to the folder of
/// the running executable (the app's or the CLI's, which sit side by side):
/// beside it or in `onnxruntime/` (Windows installers, a portable folder),
/// in `../lib/Clipdex/onnxruntime/` (the `.deb` and `.rpm`, from `/usr/bin`),
/// in `../Resources/onnxruntime/` (inside a macOS `.app`), and `../lib/`.
pub fn bundled_dirs(exe_dir: &Path) -> Vec<PathBuf> {
    vec![
        exe_dir.to_path_buf(),
        exe_dir.join("onnxruntime"),
        exe_dir.join("..").join("lib").join(PACKAGE_NAME).join("onnxruntime"),
        exe_dir.join("..").join("Resources").join("onnxruntime"),
        exe_dir.join("..").join("lib"),
    ]
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

/// Where inference runs: the execution provider actually registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Cpu,
    Cuda,
    DirectMl,
    CoreMl,
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
            Device::DirectMl => "directml",
            Device::CoreMl => "coreml",
        })
    }
}

/// The accelerators this build can use, in the order they are tried. Each
/// sits behind a Cargo feature of the same name.
pub fn compiled_accelerators() -> Vec<Device> {
    let mut out = Vec::new();
    if cfg!(feature = "cuda") {
        out.push(Device::Cuda);
    }
    if cfg!(feature = "directml") {
        out.push(Device::DirectMl);
    }
    if cfg!(feature = "coreml") {
        out.push(Device::CoreMl);
    }
    out
}

/// What `CLIPDEX_PROVIDER` asks for: `auto` (default: every compiled-in
/// accelerator in turn, then CPU), `cpu`, or one provider by name.
fn wanted() -> std::result::Result<Vec<Device>, String> {
    let v = std::env::var("CLIPDEX_PROVIDER").unwrap_or_default().trim().to_ascii_lowercase();
    let one = match v.as_str() {
        "" | "auto" => return Ok(compiled_accelerators()),
        "cpu" => return Ok(Vec::new()),
        "cuda" => Device::Cuda,
        "directml" | "dml" => Device::DirectMl,
        "coreml" => Device::CoreMl,
        other => return Err(format!("CLIPDEX_PROVIDER={other} is not a provider (auto, cpu, cuda, directml, coreml)")),
    };
    if compiled_accelerators().contains(&one) {
        Ok(vec![one])
    } else {
        Err(format!("CLIPDEX_PROVIDER={one} asks for a provider this build lacks (build with --features {one})"))
    }
}

#[allow(unused_variables)]
fn register(device: Device, builder: &mut ort::session::builder::SessionBuilder) -> std::result::Result<(), String> {
    #[allow(unused_imports)]
    use ort::ep::ExecutionProvider;
    match device {
        #[cfg(feature = "cuda")]
        Device::Cuda => {
            if !ort::ep::CUDA::is_available().unwrap_or(false) {
                return Err("the ONNX Runtime library in use was built without CUDA (install onnxruntime-gpu and point ORT_DYLIB_PATH at it)".into());
            }
            ort::ep::CUDA::default().register(builder).map_err(|e| e.to_string())
        }
        #[cfg(feature = "directml")]
        Device::DirectMl => {
            if !ort::ep::DirectML::is_available().unwrap_or(false) {
                return Err(
                    "the ONNX Runtime library in use was built without DirectML (use onnxruntime-directml)".into()
                );
            }
            ort::ep::DirectML::default().register(builder).map_err(|e| e.to_string())
        }
        #[cfg(feature = "coreml")]
        Device::CoreMl => {
            if !ort::ep::CoreML::is_available().unwrap_or(false) {
                return Err("the ONNX Runtime library in use was built without CoreML".into());
            }
            ort::ep::CoreML::default().register(builder).map_err(|e| e.to_string())
        }
        other => Err(format!("this build has no {other} support")),
    }
}

/// All execution-provider choice lives here. CPU is always there; each
/// compiled-in accelerator (features `cuda`, `directml`, `coreml`) is tried
/// in turn unless `CLIPDEX_PROVIDER` says otherwise. A provider that fails to
/// start is never skipped silently: its reason comes back with the device
/// actually used, for `status`, the app and a warning at start-up.
pub(crate) fn choose_device(builder: &mut ort::session::builder::SessionBuilder) -> (Device, Option<String>) {
    let mut reasons = Vec::new();
    let wanted = match wanted() {
        Ok(w) => w,
        Err(e) => return (Device::Cpu, Some(format!("{e}; running on CPU"))),
    };
    for d in wanted {
        match register(d, builder) {
            Ok(()) => return (d, (!reasons.is_empty()).then(|| reasons.join("; "))),
            Err(e) => reasons.push(format!("{d} failed to start: {e}")),
        }
    }
    if reasons.is_empty() {
        (Device::Cpu, None)
    } else {
        (Device::Cpu, Some(format!("{}; running on CPU", reasons.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_read_well() {
        assert_eq!(Device::Cuda.to_string(), "cuda");
        assert_eq!(Device::DirectMl.to_string(), "directml");
        assert_eq!(Device::CoreMl.to_string(), "coreml");
        assert_eq!(Device::Cpu.to_string(), "cpu");
    }
}
