//! `clipdex`: the command-line face of the Clipdex engine. CLI and glue only;
//! the work happens in `clipdex-library`.

mod args;
mod commands;
mod hint;
mod output;
mod progress;

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::args::{Cli, Command};
use crate::commands::{audit, compare, describe, embed, heatmap, index, models, search, serve, status, text, watch};

fn main() -> ExitCode {
    // HEIC and RAW files are decoded by this same program in a child process.
    if let Some(code) = clipdex_library::decode_worker::start() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli, &matches)) {
        Ok(code) => code,
        Err(e) => {
            let (line, hint) = hint::explain(&e);
            eprintln!("{line}");
            if let Some(h) = hint {
                eprintln!("hint: {h}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, matches: &ArgMatches) -> Result<ExitCode> {
    match cli.command {
        Command::Index { paths: roots, model, json, wait, moment_every, tags, no_text } => {
            index::index(cli.library, index::IndexArgs { roots, model, json, wait, moment_every, tags, no_text }).await
        }
        Command::Text { target, languages, read, json } => text::text(cli.library, target, languages, read, json).await,
        Command::Search { text, images, min_score, mode, sort, limit, json, model, lang } => {
            let opts = search::options(images, min_score, mode, sort, limit, lang)?;
            search::search(cli.library, &text, &opts, json, model).await
        }
        Command::Describe { target, limit, json, model } => {
            describe::describe(cli.library, &target, limit, json, model).await
        }
        Command::Caption { target, text, clear } => describe::caption(cli.library, target, text, clear).await,
        Command::Optimize => index::optimize(cli.library).await,
        Command::Embed { images, texts, model, json } => {
            let sub = matches.subcommand_matches("embed").ok_or_else(|| anyhow!("no embed arguments"))?;
            embed::embed(sub, images, texts, model, json).await
        }
        Command::Status { json } => status::status(cli.library, json).await,
        Command::Models { action } => models::run(cli.library, action).await,
        Command::Heatmap { kind } => heatmap::heatmap(cli.library, kind).await,
        Command::Compare { text, models, limit, lang, json } => {
            compare::compare(cli.library, &text, &models, limit, lang, json).await
        }
        Command::Verify { json } => audit::verify(cli.library, json).await,
        Command::Duplicates { threshold, json } => audit::duplicates(cli.library, threshold, json).await,
        Command::Similar { target, limit, min_score, json } => {
            search::similar(cli.library, &target, limit, min_score, json).await
        }
        Command::Watch { folders, model, poll, json } => watch::watch(cli.library, folders, model, poll, json).await,
        Command::Remove { folder } => index::remove(cli.library, folder).await,
        Command::Serve { port, max_upload } => serve::http(cli.library, port, max_upload).await,
        Command::Mcp { images } => serve::mcp(cli.library, images).await,
        Command::Token { rotate } => serve::token(cli.library, rotate).await,
    }
}
