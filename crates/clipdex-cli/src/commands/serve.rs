//! `serve`, `mcp` and `token`: the library for scripts and agents, through
//! `clipdex_api` (which holds the servers; this only opens and starts them).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clipdex_api::http::ServeOptions;

use super::{open_library, warned};

pub(crate) async fn http(library: Option<PathBuf>, port: u16, max_upload_mib: usize) -> Result<ExitCode> {
    let lib = Arc::new(open_library(library).await?);
    let model = warned(lib.model_for_search(None).await?);
    let opts = ServeOptions { port, max_upload: max_upload_mib.saturating_mul(1 << 20) };
    let listening = |addr: std::net::SocketAddr| {
        // The first line on stdout, exactly: scripts read the port from it.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
    };
    clipdex_api::http::serve(lib, model, opts, listening, stopped()).await.context("the HTTP server stopped")?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn mcp(library: Option<PathBuf>, images: usize) -> Result<ExitCode> {
    let lib = Arc::new(open_library(library).await?);
    let model = warned(lib.model_for_search(None).await?);
    clipdex_api::mcp::serve_stdio(lib, model, images).await?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn token(library: Option<PathBuf>, rotate: bool) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let token = if rotate { lib.rotate_api_token()? } else { lib.api_token()? };
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM.
async fn stopped() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
