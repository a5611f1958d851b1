//! `clipdex`: the command-line face of the Clipdex engine. CLI and glue only;
//! the work happens in `clipdex-library`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use clipdex_library::{
    models, paths, Cancel, Library, LibraryError, Mode, Phase, SearchOptions, SearchResults, Sort, WatchEvent,
    WatchOptions,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

#[derive(Parser)]
#[command(name = "clipdex", version, about = "Find photos in your own folders by describing them. Offline.")]
struct Cli {
    /// Library folder [default: $CLIPDEX_LIBRARY, else the platform data dir]
    #[arg(long, global = true, value_name = "DIR")]
    library: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Index files and folders (unchanged files are skipped)
    Index {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Model: an installed model id (`clipdex models list`) or a folder in the open_clip ONNX layout [default: $CLIPDEX_MODEL, else ViT-B-32__openai]
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        /// Print the summary as one JSON object
        #[arg(long)]
        json: bool,
        /// Seconds to wait for another process writing to the library
        #[arg(long, default_value_t = 30, value_name = "SECS")]
        wait: u64,
    },
    /// Search the library: text, images, `similar:<id>`, weights and filters (see the README's query language)
    Search {
        #[arg(value_name = "QUERY", default_value = "")]
        text: String,
        /// An image to search with (not added to the library); repeatable; `-` reads one from stdin
        #[arg(long = "image", value_name = "PATH")]
        images: Vec<PathBuf>,
        /// Leave out vector matches whose cosine is below this [default: the library's calibrated cutoff; -1 shows all]
        #[arg(long, value_name = "S", allow_negative_numbers = true)]
        min_score: Option<f32>,
        /// vector (nearest embeddings), keyword (path words, tags, EXIF, captions) or hybrid (both, fused)
        #[arg(long, default_value = "hybrid", value_name = "M")]
        mode: Mode,
        /// relevance, or date (newest first, date taken else modified)
        #[arg(long, default_value = "relevance", value_name = "ORDER")]
        sort: Sort,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// One JSON object per line, best first
        #[arg(long)]
        json: bool,
        /// Model folder (must be the library's model) [default: the one the library records]
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        /// The query's language (BCP-47 such as de or zh-TW, or a FLORES-200 code), for models that take one (NLLB) [default: $CLIPDEX_LANG, else English]
        #[arg(long, value_name = "LANG", env = "CLIPDEX_LANG")]
        lang: Option<String>,
    },
    /// Describe an image: the built-in labels (and your captions) that fit it best
    Describe {
        #[arg(value_name = "PATH_OR_ID")]
        target: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        json: bool,
        /// Model folder (must be the library's model) [default: the one the library records]
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
    },
    /// Show, set or clear the caption of a library item (captions are searchable)
    Caption {
        #[arg(value_name = "PATH_OR_ID")]
        target: String,
        /// The caption; leave out to show the current one
        #[arg(value_name = "TEXT")]
        text: Option<String>,
        /// Remove the caption
        #[arg(long, conflicts_with = "text")]
        clear: bool,
    },
    /// Build or update search indexes and compact the library now (indexing runs do this too)
    Optimize,
    /// Embed images and texts, printing their vectors in input order
    Embed {
        #[arg(long = "image", value_name = "PATH")]
        images: Vec<PathBuf>,
        #[arg(long = "text", value_name = "TEXT")]
        texts: Vec<String>,
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Watch the library's folders (or the given ones) and keep the index equal to them until Ctrl-C
    Watch {
        #[arg(value_name = "FOLDER")]
        folders: Vec<PathBuf>,
        /// Model for a new library [default: the library's own]
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        /// Poll instead of using change notifications
        #[arg(long)]
        poll: bool,
        /// One JSON object per line for each event
        #[arg(long)]
        json: bool,
    },
    /// More like this: items nearest to a library item (path or id) or to any image file
    Similar {
        #[arg(value_name = "PATH_OR_ID")]
        target: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_name = "S", allow_negative_numbers = true)]
        min_score: Option<f32>,
        #[arg(long)]
        json: bool,
    },
    /// List exact duplicates (same bytes) and near-duplicates (look alike), kept apart
    Duplicates {
        /// Cosine similarity at or above which two items count as near-duplicates
        #[arg(long, default_value_t = 0.95)]
        threshold: f32,
        #[arg(long)]
        json: bool,
    },
    /// Check the library for inconsistencies (duplicate rows, dangling rows, content that no longer matches)
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Forget one of the library's folders (files stay on disk)
    Remove {
        #[arg(value_name = "FOLDER")]
        folder: PathBuf,
    },
    /// Show what the library holds
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Models: the known exports, installing (download or offline), checking and removing them
    Models {
        #[command(subcommand)]
        action: ModelsAction,
    },
    /// Similarity heatmaps: prompts × items on the model's calibrated scale, or where in one image a text matches
    Heatmap {
        #[command(subcommand)]
        kind: HeatmapKind,
    },
    /// Run one query on two (or more) models side by side: top results, overlap, score spread, latency, throughput
    Compare {
        #[arg(value_name = "QUERY")]
        text: String,
        /// Comma-separated installed model ids or model folders (each must have indexed this library)
        #[arg(long, value_delimiter = ',', required = true, value_name = "A,B")]
        models: Vec<PathBuf>,
        /// How many results per model
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// The query's language, for models that take one
        #[arg(long, value_name = "LANG", env = "CLIPDEX_LANG")]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum HeatmapKind {
    /// Cosine of every prompt against every item, coloured on the model's calibrated scale
    Matrix {
        /// A row (repeatable)
        #[arg(long = "prompt", required = true, value_name = "TEXT")]
        prompts: Vec<String>,
        /// A column: a library item (path or id) or any image file (repeatable)
        #[arg(long = "items", required = true, num_args = 1.., value_name = "PATH_OR_ID")]
        items: Vec<String>,
        #[arg(long, value_name = "LANG", env = "CLIPDEX_LANG")]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Where in one image a text matches: the model's patch tokens when its export has them (a dense map), else crops on a 4×4 grid at several scales (30 passes); cached
    Region {
        #[arg(value_name = "PATH_OR_ID")]
        target: String,
        #[arg(long, value_name = "TEXT")]
        text: String,
        /// Write the image with the heatmap laid over it
        #[arg(long, value_name = "OUT.png")]
        png: Option<PathBuf>,
        #[arg(long, value_name = "LANG", env = "CLIPDEX_LANG")]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ModelsAction {
    /// Known and installed models: size, languages, licence, published quality, install state
    List {
        #[arg(long)]
        json: bool,
    },
    /// Download a known model (resumable, verified against the hub's SHA-256), or install one offline with --from
    Pull {
        #[arg(value_name = "ID")]
        id: String,
        /// Install from this folder or archive (.tar, .tar.gz, .zip) instead of downloading
        #[arg(long, value_name = "PATH")]
        from: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Rehash an installed model's files against its install record
    Verify {
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete an installed model (refused for the library's own model without --force)
    Remove {
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long)]
        force: bool,
    },
    /// Switch the library to a model: index everything with it (resumable; the current model stays searchable meanwhile), then make it the active one
    Use {
        /// An installed model id or a model folder
        #[arg(value_name = "ID_OR_DIR")]
        model: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Delete a model's vectors from the library (not the active model's)
    Forget {
        /// The model id as `clipdex status` shows it, an installed model id, or a model folder
        #[arg(value_name = "ID")]
        model: String,
    },
}

#[derive(Serialize)]
struct HitJson<'a> {
    path: &'a str,
    /// Every path holding this content (copies), `path` first.
    paths: &'a [String],
    /// Cosine similarity to the query, always.
    score: f32,
    id: &'a str,
    width: u32,
    height: u32,
    size: u64,
    mtime_ns: i64,
    /// EXIF date taken (UTC, ISO 8601), if the photo has one.
    taken_at: Option<String>,
    camera: Option<&'a str>,
    lens: Option<&'a str>,
    caption: Option<&'a str>,
    tags: Vec<TagJson<'a>>,
    why: WhyJson<'a>,
}

#[derive(Serialize)]
struct TagJson<'a> {
    label: &'a str,
    score: f32,
}

#[derive(Serialize)]
struct WhyJson<'a> {
    /// The cosine, and the rank among vector matches (if it was one).
    vector_score: f32,
    vector_rank: Option<usize>,
    /// Rank among keyword matches, and the fields that held query words.
    keyword_rank: Option<usize>,
    keyword_fields: &'a [String],
    /// Reciprocal-rank-fusion score (hybrid and keyword modes).
    fused: f32,
}

#[derive(Serialize)]
struct EmbedJson<'a> {
    kind: &'static str,
    input: &'a str,
    vector: &'a [f32],
}

#[derive(Serialize)]
struct FailureJson<'a> {
    path: &'a str,
    reason: &'a str,
}

fn main() -> ExitCode {
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
            let code = e
                .downcast_ref::<LibraryError>()
                .map(LibraryError::code)
                .or_else(|| e.downcast_ref::<models::ModelsError>().map(models::ModelsError::code));
            let mut msg = String::new();
            for (i, cause) in e.chain().enumerate() {
                let s = cause.to_string();
                if i == 0 || !msg.contains(&s) {
                    if i > 0 {
                        msg.push_str(": ");
                    }
                    msg.push_str(&s);
                }
            }
            match code {
                Some(c) => eprintln!("error[{c}]: {msg}"),
                None => eprintln!("error: {msg}"),
            }
            ExitCode::FAILURE
        }
    }
}

async fn open_library(dir: Option<PathBuf>) -> Result<Library> {
    let dir = dir.unwrap_or_else(paths::default_library_dir);
    let lib = Library::open(&dir).await?;
    for note in lib.rolled_back() {
        eprintln!("warning: {note}");
    }
    Ok(lib)
}

async fn run(cli: Cli, matches: &ArgMatches) -> Result<ExitCode> {
    match cli.command {
        Command::Index { paths: roots, model, json, wait } => index(cli.library, roots, model, json, wait).await,
        Command::Search { text, images, min_score, mode, sort, limit, json, model, lang } => {
            // `--image -` reads an encoded image from standard input.
            let (piped, images): (Vec<PathBuf>, Vec<PathBuf>) = images.into_iter().partition(|p| p.as_os_str() == "-");
            let mut image_bytes = Vec::new();
            if !piped.is_empty() {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
                    .context("cannot read the image on stdin")?;
                image_bytes.push(buf);
            }
            let opts = SearchOptions {
                limit,
                offset: 0,
                paths_as_text: false,
                min_score,
                mode,
                sort,
                images,
                image_bytes,
                lang,
            };
            search(cli.library, &text, &opts, json, model).await
        }
        Command::Describe { target, limit, json, model } => describe(cli.library, &target, limit, json, model).await,
        Command::Caption { target, text, clear } => {
            let lib = open_library(cli.library).await?;
            match (text, clear) {
                (Some(t), _) => {
                    lib.set_caption(&target, Some(&t)).await?;
                    println!("captioned {target}");
                }
                (None, true) => {
                    lib.set_caption(&target, None).await?;
                    println!("cleared the caption of {target}");
                }
                (None, false) => match lib.item_details(&target).await? {
                    Some(d) => println!("{}", d.caption.unwrap_or_default()),
                    None => return Err(LibraryError::NotInLibrary(target).into()),
                },
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Optimize => {
            let lib = open_library(cli.library).await?;
            let action = lib.optimize().await?;
            match action {
                clipdex_library::IndexAction::Built { rows, partitions } => {
                    println!("built the vector index over {rows} items ({partitions} partitions); library compacted")
                }
                clipdex_library::IndexAction::None => println!("library compacted; indexes up to date"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Embed { images, texts, model, json } => {
            let sub = matches.subcommand_matches("embed").ok_or_else(|| anyhow!("no embed arguments"))?;
            embed(sub, images, texts, model, json).await
        }
        Command::Status { json } => status(cli.library, json).await,
        Command::Models { action } => models_cmd(cli.library, action).await,
        Command::Heatmap { kind } => heatmap(cli.library, kind).await,
        Command::Compare { text, models, limit, lang, json } => {
            compare(cli.library, &text, &models, limit, lang, json).await
        }
        Command::Verify { json } => verify(cli.library, json).await,
        Command::Duplicates { threshold, json } => duplicates(cli.library, threshold, json).await,
        Command::Similar { target, limit, min_score, json } => {
            let lib = open_library(cli.library).await?;
            let model = warned(lib.model_for_search(None).await?);
            let results = lib.similar(model, &target, limit, min_score).await?;
            print_hits(&results, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Watch { folders, model, poll, json } => watch(cli.library, folders, model, poll, json).await,
        Command::Remove { folder } => {
            let lib = open_library(cli.library).await?;
            if lib.remove_folder(&folder).await? {
                println!("removed {} from the library", folder.display());
                Ok(ExitCode::SUCCESS)
            } else {
                Err(anyhow!("{} is not one of the library's folders (see `clipdex status`)", folder.display()))
            }
        }
    }
}

/// One indexing or switching progress report on the bar.
fn show_progress(bar: &ProgressBar, p: &clipdex_library::Progress) {
    bar.set_length(p.total as u64);
    bar.set_position(p.done as u64);
    bar.set_message(match p.phase {
        Phase::Scanning => "scanning",
        Phase::Indexing => "indexing",
        Phase::Labels => "labels",
        Phase::Describing => "tagging",
        Phase::Finished => "done",
    });
    if let Some(c) = &p.current {
        let name = std::path::Path::new(c).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        bar.set_prefix(name);
    }
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:>10} [{bar:32}] {pos}/{len} ({per_sec}, eta {eta}) {prefix}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

async fn index(
    library: Option<PathBuf>,
    roots: Vec<PathBuf>,
    model: Option<PathBuf>,
    json: bool,
    wait: u64,
) -> Result<ExitCode> {
    let mut lib = open_library(library).await?;
    lib.set_lock_wait(Duration::from_secs(wait));
    let model_dir = paths::model_dir(model.as_deref());
    let model = open_model(&model_dir, lib.runtime_dirs()).await?;

    let cancel = cancel_on_ctrl_c(Some("finishing the current batch and saving what is done…"));

    let bar = progress_bar();
    let summary = lib.index(&roots, model, &cancel, |p| show_progress(&bar, p)).await?;
    bar.finish_and_clear();

    let mut out = std::io::stdout().lock();
    if json {
        let failed: Vec<FailureJson> = summary.failed.iter().map(|(p, r)| FailureJson { path: p, reason: r }).collect();
        let v = serde_json::json!({
            "indexed": summary.indexed,
            "reused": summary.reused,
            "skipped": summary.skipped,
            "removed": summary.removed,
            "failed": failed,
            "cancelled": summary.cancelled,
            "seconds": summary.elapsed.as_secs_f64(),
        });
        writeln!(out, "{v}")?;
    } else {
        writeln!(
            out,
            "indexed {}, reused {} (moved or copied), skipped {} unchanged, removed {} gone, failed {} ({:.1}s){}",
            summary.indexed,
            summary.reused,
            summary.skipped,
            summary.removed,
            summary.failed.len(),
            summary.elapsed.as_secs_f64(),
            if summary.cancelled { " — cancelled; run again to continue" } else { "" }
        )?;
        for (path, reason) in &summary.failed {
            writeln!(out, "  failed: {path}: {reason}")?;
        }
    }
    Ok(if summary.cancelled { ExitCode::from(130) } else { ExitCode::SUCCESS })
}

fn print_hits(results: &SearchResults, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for h in &results.hits {
        let d = h.details.as_ref();
        if json {
            let j = HitJson {
                path: &h.path,
                paths: &h.paths,
                score: h.score,
                id: &h.id,
                width: h.width,
                height: h.height,
                size: h.size,
                mtime_ns: h.mtime_ns,
                taken_at: d.and_then(|d| d.taken_at_ms).map(clipdex_media_iso),
                camera: d.and_then(|d| d.camera.as_deref()),
                lens: d.and_then(|d| d.lens.as_deref()),
                caption: d.and_then(|d| d.caption.as_deref()),
                tags: d.map_or(Vec::new(), |d| {
                    d.tags.iter().map(|t| TagJson { label: &t.label, score: t.score }).collect()
                }),
                why: WhyJson {
                    vector_score: h.score,
                    vector_rank: h.why.vector_rank,
                    keyword_rank: h.why.keyword_rank,
                    keyword_fields: &h.why.keyword_fields,
                    fused: h.why.fused,
                },
            };
            writeln!(out, "{}", serde_json::to_string(&j)?)?;
        } else {
            let mut extra = Vec::new();
            if let Some(t) = d.and_then(|d| d.taken_at_ms) {
                extra.push(clipdex_media_iso(t)[..10].to_string());
            }
            if let Some(d) = d.filter(|d| !d.tags.is_empty()) {
                extra.push(d.tags.iter().take(3).map(|t| t.label.as_str()).collect::<Vec<_>>().join(", "));
            }
            if !h.why.keyword_fields.is_empty() {
                extra.push(format!("matched {}", h.why.keyword_fields.join("; ")));
            }
            let extra = if extra.is_empty() { String::new() } else { format!("  [{}]", extra.join(" · ")) };
            writeln!(out, "{:.4}  {}{extra}", h.score, h.path)?;
        }
    }
    if results.below_cutoff > 0 {
        let which = if results.default_cutoff { "the default cutoff" } else { "--min-score" };
        eprintln!(
            "{} more below {which} {:.3} (use --min-score to change it, -1 to show all)",
            results.below_cutoff,
            results.cutoff.unwrap_or(0.0)
        );
    } else if results.hits.is_empty() && !json {
        eprintln!("no matches (try other words, --mode vector, or --min-score -1; an empty library needs `clipdex index FOLDER`)");
    }
    Ok(())
}

fn clipdex_media_iso(ms: i64) -> String {
    clipdex_library::iso_utc(ms)
}

async fn search(
    library: Option<PathBuf>,
    text: &str,
    opts: &SearchOptions,
    json: bool,
    model: Option<PathBuf>,
) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let model = warned(lib.model_for_search(model.as_deref()).await?);
    let results = lib.search(model, text, opts).await?;
    print_hits(&results, json)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct DescriptionJson<'a> {
    text: &'a str,
    source: &'a str,
    score: f32,
    probability: f32,
}

async fn describe(
    library: Option<PathBuf>,
    target: &str,
    limit: usize,
    json: bool,
    model: Option<PathBuf>,
) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let model = warned(lib.model_for_search(model.as_deref()).await?);
    let bar = progress_bar();
    bar.set_message("labels");
    let found = lib
        .describe(model, target, limit, &Cancel::new(), |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await?;
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    for d in &found {
        if json {
            let j = DescriptionJson { text: &d.text, source: d.source, score: d.cosine, probability: d.probability };
            writeln!(out, "{}", serde_json::to_string(&j)?)?;
        } else {
            let mark = if d.source == "caption" { "  (caption)" } else { "" };
            writeln!(out, "{:.4}  {:5.1}%  {}{mark}", d.cosine, d.probability * 100.0, d.text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn embed(
    sub: &ArgMatches,
    images: Vec<PathBuf>,
    texts: Vec<String>,
    model: Option<PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    if images.is_empty() && texts.is_empty() {
        return Err(anyhow!("nothing to embed: give --image PATH or --text TEXT"));
    }
    // Restore command-line order across the two flags.
    let mut order: Vec<(usize, bool, usize)> = Vec::new();
    if let Some(ix) = sub.indices_of("images") {
        order.extend(ix.enumerate().map(|(n, i)| (i, true, n)));
    }
    if let Some(ix) = sub.indices_of("texts") {
        order.extend(ix.enumerate().map(|(n, i)| (i, false, n)));
    }
    order.sort();

    let model_dir = paths::model_dir(model.as_deref());
    let model = open_model(&model_dir, &[]).await?;
    let mut decoded = Vec::new();
    for p in &images {
        let img = clipdex_library::decode_image_file(p).with_context(|| format!("cannot embed {}", p.display()))?;
        decoded.push(img);
    }
    let m = model.clone();
    let texts_for_model = texts.clone();
    let (image_vectors, text_vectors) = tokio::task::spawn_blocking(move || -> Result<_> {
        let iv = m.embed_images(decoded)?;
        let tv = if texts_for_model.is_empty() { Vec::new() } else { m.embed_texts(&texts_for_model)? };
        Ok((iv, tv))
    })
    .await??;

    let mut out = std::io::stdout().lock();
    for (_, is_image, n) in order {
        let (kind, input, vector) = if is_image {
            ("image", images[n].to_string_lossy().into_owned(), &image_vectors[n])
        } else {
            ("text", texts[n].clone(), &text_vectors[n])
        };
        if json {
            writeln!(out, "{}", serde_json::to_string(&EmbedJson { kind, input: &input, vector })?)?;
        } else {
            let head: Vec<String> = vector.iter().take(4).map(|x| format!("{x:.4}")).collect();
            writeln!(out, "{kind} {input:?}: [{}, …] ({} dims)", head.join(", "), vector.len())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn watch(
    library: Option<PathBuf>,
    folders: Vec<PathBuf>,
    model: Option<PathBuf>,
    poll: bool,
    json: bool,
) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let model = match (model, lib.model_record().await?) {
        (None, Some(_)) => warned(lib.model_for_search(None).await?),
        (explicit, _) => {
            let dir = paths::model_dir(explicit.as_deref());
            open_model(&dir, lib.runtime_dirs()).await?
        }
    };
    let cancel = cancel_on_ctrl_c(None);
    let opts = WatchOptions { force_polling: poll, ..WatchOptions::default() };
    lib.watch(&folders, model, opts, &cancel, |e| {
        let line = match (&e, json) {
            (WatchEvent::Watching { folder, mode }, true) => {
                serde_json::json!({"event": "watching", "folder": folder, "mode": mode.to_string()}).to_string()
            }
            (WatchEvent::Watching { folder, mode }, false) => format!("watching {folder} ({mode})"),
            (WatchEvent::Reconciled { folder, summary: s }, true) => serde_json::json!({
                "event": "reconciled", "folder": folder, "indexed": s.indexed, "reused": s.reused,
                "removed": s.removed, "deferred": s.deferred, "failed": s.failed.len(),
            })
            .to_string(),
            (WatchEvent::Reconciled { folder, summary: s }, false) => format!(
                "{folder}: indexed {}, reused {}, removed {}, failed {}{}",
                s.indexed,
                s.reused,
                s.removed,
                s.failed.len(),
                if s.deferred > 0 { format!(", {} still changing", s.deferred) } else { String::new() }
            ),
            (WatchEvent::Failed { folder, message }, true) => {
                serde_json::json!({"event": "failed", "folder": folder, "message": message}).to_string()
            }
            (WatchEvent::Failed { folder, message }, false) => format!("{folder}: {message} (will retry)"),
        };
        // A closed pipe is no reason to stop watching.
        let _ = writeln!(std::io::stdout(), "{line}");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

async fn duplicates(library: Option<PathBuf>, threshold: f32, json: bool) -> Result<ExitCode> {
    if !(-1.0..=1.0).contains(&threshold) {
        return Err(anyhow!("--threshold is a cosine similarity, between -1 and 1"));
    }
    let lib = open_library(library).await?;
    let d = lib.duplicates(threshold).await?;
    if json {
        let near: Vec<Vec<serde_json::Value>> = d
            .near
            .iter()
            .map(|g| g.iter().map(|m| serde_json::json!({"id": m.id, "paths": m.paths, "score": m.score})).collect())
            .collect();
        println!("{}", serde_json::json!({"exact": d.exact, "near": near, "threshold": threshold}));
    } else {
        println!(
            "{} groups of exact duplicates, {} groups of near-duplicates (cosine ≥ {threshold})",
            d.exact.len(),
            d.near.len()
        );
        for g in &d.exact {
            println!("same bytes:");
            for p in g {
                println!("  {p}");
            }
        }
        for g in &d.near {
            println!("look alike:");
            for m in g {
                println!("  {:.4}  {}", m.score, m.paths.join(", "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(library: Option<PathBuf>, json: bool) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let v = lib.verify().await?;
    let a = v.audit;
    if json {
        let j = serde_json::json!({
            "consistent": v.is_consistent(),
            "files": a.files,
            "items": a.items,
            "duplicate_files": a.duplicate_files,
            "duplicate_items": a.duplicate_items,
            "dangling_files": a.dangling_files,
            "unreferenced_items": a.unreferenced_items,
            "stale": v.stale,
            "hash_mismatches": v.hash_mismatches,
        });
        println!("{j}");
    } else {
        println!(
            "{} files, {} items; {} duplicate file rows, {} duplicate items, {} dangling, {} unreferenced items, \
             {} changed since indexing (re-queued), {} content mismatches",
            a.files,
            a.items,
            a.duplicate_files,
            a.duplicate_items,
            a.dangling_files,
            a.unreferenced_items,
            v.stale,
            v.hash_mismatches.len()
        );
        for p in &v.hash_mismatches {
            println!("  mismatch: {p}");
        }
    }
    Ok(if v.is_consistent() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}

async fn status(library: Option<PathBuf>, json: bool) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let s = lib.status().await?;
    // Where inference actually runs (and why not on a requested GPU) is only
    // known by opening the model.
    let runs_on = match &s.model_dir {
        Some(d) => Some(
            open_model(std::path::Path::new(d), lib.runtime_dirs())
                .await
                .map(|m| (m.info().device.to_string(), m.info().device_note.clone()))
                .map_err(|e| e.to_string()),
        ),
        None => None,
    };
    let mut out = std::io::stdout().lock();
    if json {
        let failures: Vec<FailureJson> =
            s.failures.iter().map(|f| FailureJson { path: &f.path, reason: &f.reason }).collect();
        let v = serde_json::json!({
            "library": s.library_dir,
            "items": s.items,
            "files": s.files,
            "folders": s.folders,
            "versions": s.versions,
            "pending": s.pending,
            "quarantined_versions": s.quarantined,
            "watching": s.watching.iter().map(|(f, m)| serde_json::json!({"folder": f, "mode": m})).collect::<Vec<_>>(),
            "model": s.model_id.as_ref().map(|id| serde_json::json!({"id": id, "dir": s.model_dir, "dim": s.dim})),
            "models": s.models.iter().map(|m| serde_json::json!({
                "id": m.id, "dir": m.dir.display().to_string(), "dim": m.dim, "vectors": m.vectors, "items": m.items,
                "active": m.active, "target": m.target, "complete": m.is_complete(),
                "images_per_second": m.images_per_second,
            })).collect::<Vec<_>>(),
            "device": runs_on.as_ref().map(|r| match r {
                Ok((d, note)) => serde_json::json!({"provider": d, "fallback_reason": note}),
                Err(e) => serde_json::json!({"provider": null, "error": e}),
            }),
            "vector_index": s.vector_index.map(|ix| serde_json::json!({
                "trained_rows": ix.trained_rows, "partitions": ix.partitions, "unindexed_rows": ix.unindexed_rows,
            })),
            "default_cutoff": s.calibration.as_ref().map(|c| serde_json::json!({"text": c.text, "image": c.image})),
            "failures": failures,
        });
        writeln!(out, "{v}")?;
    } else {
        writeln!(out, "library  {}", s.library_dir.display())?;
        writeln!(
            out,
            "items    {} ({} files){}",
            s.items,
            s.files,
            if s.pending > 0 { format!(", {} pending", s.pending) } else { String::new() }
        )?;
        for f in &s.folders {
            writeln!(out, "folder   {f}")?;
        }
        match &s.model_id {
            Some(id) => {
                writeln!(out, "model    {id} ({}), {} dims", s.model_dir.as_deref().unwrap_or("?"), s.dim.unwrap_or(0))?
            }
            None => writeln!(out, "model    none yet (index a folder to set it)")?,
        }
        for m in s.models.iter().filter(|m| !m.active) {
            let state = if m.target {
                format!("switching to it: {} of {} items embedded (`clipdex models use` continues)", m.vectors, m.items)
            } else {
                format!(
                    "kept: {} of {} items (search with --model, compare, or `clipdex models use`)",
                    m.vectors, m.items
                )
            };
            writeln!(out, "also     {} — {state}", m.id)?;
        }
        match &runs_on {
            Some(Ok((device, None))) => writeln!(out, "runs on  {device}")?,
            Some(Ok((device, Some(note)))) => writeln!(out, "runs on  {device} ({note})")?,
            Some(Err(e)) => writeln!(out, "runs on  nothing: the model does not load ({e})")?,
            None => {}
        }
        match &s.vector_index {
            Some(ix) => writeln!(
                out,
                "search   IVF-SQ index, {} partitions, trained on {} items ({} added since)",
                ix.partitions, ix.trained_rows, ix.unindexed_rows
            )?,
            None => writeln!(
                out,
                "search   exact scan (an index is built from {} items)",
                clipdex_library::DEFAULT_ANN_THRESHOLD
            )?,
        }
        if let Some(c) = &s.calibration {
            let image = c.image.map_or("not yet (needs 20 items)".to_string(), |x| format!("{x:.3}"));
            writeln!(out, "cutoff   text {:.3}, image {image} (calibrated on {} items)", c.text, c.items)?;
        }
        if s.watching.is_empty() {
            writeln!(out, "watching nothing (run `clipdex watch` or open the app)")?;
        }
        for (f, m) in &s.watching {
            writeln!(out, "watching {f} by {m}")?;
        }
        if s.quarantined > 0 {
            writeln!(
                out,
                "damaged  {} table versions set aside in {}",
                s.quarantined,
                s.library_dir.join("db/quarantine").display()
            )?;
        }
        writeln!(out, "failures {}", s.failures.len())?;
        for f in &s.failures {
            writeln!(out, "  {}: {}", f.path, f.reason)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn bytes_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{bar:32}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta}) {prefix}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// The model a library records, if the library exists (never creates one).
async fn library_model_dir(library: Option<PathBuf>) -> Option<PathBuf> {
    let dir = library.unwrap_or_else(paths::default_library_dir);
    if !dir.join("db").is_dir() {
        return None;
    }
    let lib = Library::open(&dir).await.ok()?;
    lib.model_record().await.ok().flatten().map(|r| r.dir)
}

fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

async fn models_cmd(library: Option<PathBuf>, action: ModelsAction) -> Result<ExitCode> {
    let registry = models::Registry::builtin();
    let store = models::Models::new(paths::models_dir());
    match action {
        ModelsAction::List { json } => {
            let installed = store.installed()?;
            let lib_model = library_model_dir(library).await;
            let mut out = std::io::stdout().lock();
            let mut rows: Vec<(String, Option<&models::Entry>, Option<&models::Installed>)> = registry
                .models
                .iter()
                .map(|e| (e.id.clone(), Some(e), installed.iter().find(|i| i.id == e.id)))
                .collect();
            for i in &installed {
                if registry.get(&i.id).is_none() {
                    rows.push((i.id.clone(), None, Some(i)));
                }
            }
            for (id, entry, inst) in rows {
                let in_library = inst.is_some_and(|i| lib_model.as_deref().is_some_and(|d| same_dir(d, &i.dir)));
                if json {
                    let commit = inst.and_then(|i| i.manifest.as_ref()).and_then(|m| match &m.source {
                        models::manifest::Source::Hub { commit, .. } => Some(commit.clone()),
                        models::manifest::Source::Local { .. } => None,
                    });
                    let v = serde_json::json!({
                        "id": id,
                        "default": id == registry.default,
                        "installed": inst.is_some(),
                        "dir": inst.map(|i| i.dir.display().to_string()),
                        "bytes": inst.map(|i| i.bytes),
                        "commit": commit,
                        "library_model": in_library,
                        "known": entry.is_some(),
                        "repo": entry.map(|e| &e.repo),
                        "dim": entry.map(|e| e.dim),
                        "image_size": entry.map(|e| e.image_size),
                        "context_length": entry.map(|e| e.context_length),
                        "text_inputs": entry.map(|e| &e.text_inputs),
                        "size_mb": entry.map(|e| e.size_mb),
                        "languages": entry.map(|e| &e.languages),
                        "languages_note": entry.and_then(|e| e.languages_note.as_ref()),
                        "language_prefix": entry.map(|e| e.language_prefix),
                        "licence": entry.map(|e| &e.licence),
                        "quality": entry.map(|e| &e.quality),
                        "summary": entry.map(|e| &e.summary),
                    });
                    writeln!(out, "{v}")?;
                } else {
                    let state = match inst {
                        Some(i) if in_library => format!("installed, {} — this library's model", mb(i.bytes)),
                        Some(i) => format!("installed, {}", mb(i.bytes)),
                        None => "not installed".to_string(),
                    };
                    let star = if id == registry.default { " (default)" } else { "" };
                    writeln!(out, "{id}{star}: {state}")?;
                    if let Some(e) = entry {
                        let langs = e.languages_note.clone().unwrap_or_else(|| e.languages.join(", "));
                        writeln!(
                            out,
                            "    {} · {} dims · {} px · about {} MB · {langs}",
                            e.repo, e.dim, e.image_size, e.size_mb
                        )?;
                        let q: Vec<String> = e
                            .quality
                            .iter()
                            .take(2)
                            .map(|q| format!("{} {} {}", q.benchmark, q.metric, q.value))
                            .collect();
                        writeln!(out, "    {}", q.join("; "))?;
                        writeln!(out, "    licence: {}", e.licence)?;
                    } else {
                        writeln!(out, "    (not in the registry: installed from a folder or archive)")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsAction::Pull { id, from, json } => {
            let cancel = cancel_on_ctrl_c(Some("the partial download is kept; pull again to resume"));
            let bar = bytes_bar(0);
            let (dir, summary) = match from {
                Some(src) => {
                    let (store2, id2, cancel2, bar2) = (store.clone(), id.clone(), cancel.clone(), bar.clone());
                    let inst = tokio::task::spawn_blocking(move || {
                        store2.install_from(&id2, &src, cancel2.as_flag(), &mut |p| {
                            bar2.set_length(p.total);
                            bar2.set_position(p.done);
                            bar2.set_prefix(p.file.clone());
                        })
                    })
                    .await
                    .map_err(|e| anyhow!("install task failed: {e}"))??;
                    (inst.dir.clone(), format!("installed {} from {} ({})", inst.id, "a local copy", mb(inst.bytes)))
                }
                None => {
                    let entry = registry.entry(&id)?;
                    let hub = models::Hub::from_env()?;
                    eprintln!("fetching {} from {} (about {} MB)…", entry.repo, hub.endpoint(), entry.size_mb);
                    let b = bar.clone();
                    let report = store
                        .pull(&hub, entry, cancel.as_flag(), &mut |p| {
                            b.set_length(p.total);
                            b.set_position(p.done);
                            b.set_prefix(p.file.clone());
                        })
                        .await?;
                    let how = if report.up_to_date {
                        "already installed and intact".to_string()
                    } else {
                        format!(
                            "downloaded {}{}{}, every file checked against the hub's published digest",
                            mb(report.received),
                            if report.resumed > 0 {
                                format!(", resumed {}", mb(report.resumed))
                            } else {
                                String::new()
                            },
                            if report.restarts > 0 {
                                format!(", {} restart(s)", report.restarts)
                            } else {
                                String::new()
                            }
                        )
                    };
                    let short = &report.commit[..report.commit.len().min(12)];
                    (report.installed.dir.clone(), format!("{id} @ {short}: {how}"))
                }
            };
            bar.finish_and_clear();
            // Verified bytes are not yet a working model: open it.
            let model = open_model(&dir, &[]).await.with_context(|| {
                format!("{id} is installed in {} but does not load (its files are kept)", dir.display())
            })?;
            let info = model.info();
            if let Some(e) = registry.get(&id) {
                if e.dim != info.dim {
                    eprintln!("warning: the registry says {} dims, the model embeds to {}", e.dim, info.dim);
                }
            }
            let mut out = std::io::stdout().lock();
            if json {
                let v = serde_json::json!({
                    "id": id, "dir": dir.display().to_string(), "model_id": info.id, "dim": info.dim,
                    "image_inputs": info.image_inputs, "text_inputs": info.text_inputs,
                    "languages": info.languages, "device": info.device.to_string(), "device_note": info.device_note,
                    "summary": summary,
                });
                writeln!(out, "{v}")?;
            } else {
                writeln!(out, "{summary}")?;
                writeln!(
                    out,
                    "loads: {} dims; image {}; text {}{}; runs on {}",
                    info.dim,
                    info.image_inputs.join(", "),
                    info.text_inputs.join(", "),
                    if info.languages > 0 {
                        format!("; {} query languages (--lang)", info.languages)
                    } else {
                        String::new()
                    },
                    info.device
                )?;
                if let Some(n) = &info.device_note {
                    writeln!(out, "note: {n}")?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsAction::Verify { id, json } => {
            let s2 = store.clone();
            let id2 = id.clone();
            let report = tokio::task::spawn_blocking(move || s2.verify(&id2, models::Depth::Full))
                .await
                .map_err(|e| anyhow!("verify task failed: {e}"))??;
            let mut out = std::io::stdout().lock();
            if json {
                let v = serde_json::json!({
                    "id": id, "intact": report.is_intact(), "files": report.files,
                    "hashed_bytes": report.hashed_bytes, "has_record": report.has_manifest, "problems": report.problems,
                });
                writeln!(out, "{v}")?;
            } else if !report.has_manifest {
                writeln!(
                    out,
                    "{id}: no install record (placed by hand); the layout's files are {}",
                    if report.is_intact() { "all there" } else { "incomplete" }
                )?;
            } else if report.is_intact() {
                writeln!(out, "{id}: intact ({} files, {} rehashed)", report.files, mb(report.hashed_bytes))?;
            }
            if !report.is_intact() {
                for p in &report.problems {
                    eprintln!("  {p}");
                }
                return Err(models::ModelsError::Damaged { id, problems: report.problems.join("; ") }.into());
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsAction::Use { model, json } => {
            let lib = open_library(library).await?;
            let dir = paths::model_dir(Some(&model));
            let m = open_model(&dir, lib.runtime_dirs()).await?;
            let cancel = cancel_on_ctrl_c(Some("what is embedded is kept; run the same command to continue"));
            let bar = progress_bar();
            let id = m.info().id.clone();
            let summary = lib.use_model(m, &cancel, |p| show_progress(&bar, p)).await?;
            bar.finish_and_clear();
            let mut out = std::io::stdout().lock();
            if json {
                let failed: Vec<FailureJson> =
                    summary.failed.iter().map(|(p, r)| FailureJson { path: p, reason: r }).collect();
                let v = serde_json::json!({
                    "model": id, "embedded": summary.embedded, "remaining": summary.remaining,
                    "activated": summary.activated, "cancelled": summary.cancelled, "failed": failed,
                    "seconds": summary.elapsed.as_secs_f64(),
                });
                writeln!(out, "{v}")?;
            } else if summary.activated {
                writeln!(
                    out,
                    "{id} is now the library's model (embedded {} items in {:.1}s; the previous model's vectors are kept: `clipdex models forget` deletes them)",
                    summary.embedded,
                    summary.elapsed.as_secs_f64()
                )?;
            } else {
                writeln!(
                    out,
                    "switching to {id}: embedded {}, {} to go{}; searches use the current model until it is done. Run the same command to continue",
                    summary.embedded,
                    summary.remaining,
                    if summary.cancelled { " (cancelled)" } else { "" }
                )?;
            }
            for (path, reason) in &summary.failed {
                eprintln!("  failed: {path}: {reason}");
            }
            Ok(if summary.cancelled { ExitCode::from(130) } else { ExitCode::SUCCESS })
        }
        ModelsAction::Forget { model } => {
            let lib = open_library(library).await?;
            // A library model id as status shows it, else an installed model or folder to open.
            let known = lib.models().await?;
            let id = match known.iter().find(|m| m.id == model) {
                Some(m) => m.id.clone(),
                None => {
                    let dir = paths::model_dir(Some(std::path::Path::new(&model)));
                    open_model(&dir, lib.runtime_dirs()).await?.info().id.clone()
                }
            };
            if lib.forget_model(&id).await? {
                println!("deleted the vectors of {id} from the library");
                Ok(ExitCode::SUCCESS)
            } else {
                Err(LibraryError::NotIndexedWith(id).into())
            }
        }
        ModelsAction::Remove { id, force } => {
            let dir = store.path_of(&id)?;
            if !dir.exists() {
                return Err(models::ModelsError::NotInstalled(id).into());
            }
            if !force {
                if let Some(lib_dir) = library_model_dir(library).await {
                    if same_dir(&lib_dir, &dir) {
                        return Err(anyhow!(
                            "{id} is the model this library's vectors were made with; without it the library cannot be searched. \
                             Pass --force to remove it anyway (pull it again later to search)"
                        ));
                    }
                }
            }
            if store.remove(&id)? {
                println!("removed {id}");
                Ok(ExitCode::SUCCESS)
            } else {
                Err(models::ModelsError::NotInstalled(id).into())
            }
        }
    }
}

async fn compare(
    library: Option<PathBuf>,
    text: &str,
    models: &[PathBuf],
    limit: usize,
    lang: Option<String>,
    json: bool,
) -> Result<ExitCode> {
    if models.len() < 2 {
        return Err(anyhow!("give at least two models to compare: --models A,B"));
    }
    let lib = open_library(library).await?;
    let mut opened = Vec::new();
    for m in models {
        opened.push(open_model(&paths::model_dir(Some(m)), lib.runtime_dirs()).await?);
    }
    let opts = SearchOptions { lang, ..SearchOptions::default() };
    let c = lib.compare(&opened, text, limit, &opts).await?;
    let mut out = std::io::stdout().lock();
    if json {
        let runs: Vec<serde_json::Value> = c
            .runs
            .iter()
            .map(|r| {
                serde_json::json!({
                    "model": r.model_id,
                    "hits": r.hits.iter().map(|h| serde_json::json!({"id": h.id, "path": h.path, "score": h.score})).collect::<Vec<_>>(),
                    "latency_ms": r.latency_ms,
                    "scores": {
                        "n": r.scores.n, "min": r.scores.min, "p50": r.scores.p50, "p90": r.scores.p90,
                        "p99": r.scores.p99, "max": r.scores.max, "histogram": r.scores.histogram,
                        "separation": r.scores.separation,
                    },
                    "cutoff": r.cutoff,
                    "images_per_second": r.images_per_second,
                    "vectors": r.vectors,
                    "items": r.items,
                })
            })
            .collect();
        let v = serde_json::json!({
            "query": text, "k": c.k, "runs": runs,
            "jaccard": c.jaccard, "overlap": c.overlap, "spearman": c.spearman,
        });
        writeln!(out, "{v}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let name =
        |p: &str| std::path::Path::new(p).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let width = 34;
    let header: Vec<String> = c.runs.iter().map(|r| format!("{:<width$}", truncate(&r.model_id, width))).collect();
    writeln!(out, "     {}", header.join("  "))?;
    for i in 0..c.k {
        let cells: Vec<String> = c
            .runs
            .iter()
            .map(|r| match r.hits.get(i) {
                Some(h) => format!("{:<width$}", truncate(&format!("{:.3} {}", h.score, name(&h.path)), width)),
                None => format!("{:<width$}", ""),
            })
            .collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            break;
        }
        writeln!(out, "{:>3}  {}", i + 1, cells.join("  "))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "agreement  {} of {} shared (Jaccard {:.2}), rank correlation (Spearman) {:.2}",
        c.overlap, c.k, c.jaccard, c.spearman
    )?;
    for r in &c.runs {
        let s = &r.scores;
        writeln!(out, "{}", r.model_id)?;
        writeln!(
            out,
            "  scores   min {:.3}  p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}  {}  (over {} items; best stands {:.1}× the p50–p99 spread out)",
            s.min, s.p50, s.p90, s.p99, s.max, sparkline(&s.histogram), s.n, s.separation
        )?;
        writeln!(
            out,
            "  latency  {:.1} ms per query (median of 3)   indexing {}   vectors {} of {} items{}",
            r.latency_ms,
            r.images_per_second.map_or("not measured".to_string(), |x| format!("{x:.1} images/s")),
            r.vectors,
            r.items,
            r.cutoff.map_or(String::new(), |c| format!("   default cutoff {c:.3}"))
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn sparkline(h: &[usize]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = h.iter().copied().max().unwrap_or(0).max(1);
    h.iter().map(|&n| if n == 0 { ' ' } else { BARS[(n * 7).div_ceil(max).min(7)] }).collect()
}

/// Opens a model, saying so on stderr when an accelerator could not start
/// (the provider in use and the reason), never falling back silently.
async fn open_model(
    dir: &std::path::Path,
    runtime_dirs: &[PathBuf],
) -> clipdex_library::Result<std::sync::Arc<clipdex_library::Model>> {
    Ok(warned(clipdex_library::open_model(dir, runtime_dirs).await?))
}

fn warned(m: std::sync::Arc<clipdex_library::Model>) -> std::sync::Arc<clipdex_library::Model> {
    if let Some(note) = &m.info().device_note {
        eprintln!("warning: {note}");
    }
    m
}

async fn heatmap(library: Option<PathBuf>, kind: HeatmapKind) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let model = warned(lib.model_for_search(None).await?);
    let mut out = std::io::stdout().lock();
    match kind {
        HeatmapKind::Matrix { prompts, items, lang, json } => {
            let m = lib.heatmap_matrix(model, &prompts, &items, lang.as_deref()).await?;
            if json {
                let v = serde_json::json!({
                    "prompts": m.prompts,
                    "items": m.items.iter().map(|(id, path)| serde_json::json!({"id": id, "path": path})).collect::<Vec<_>>(),
                    "cosines": m.cosines,
                    "levels": (0..m.prompts.len()).map(|p| (0..m.items.len()).map(|i| m.level(p, i)).collect::<Vec<_>>()).collect::<Vec<_>>(),
                    "scale": {"low": m.low, "high": m.high, "source": m.scale},
                });
                writeln!(out, "{v}")?;
                return Ok(ExitCode::SUCCESS);
            }
            let name = |p: &str| {
                std::path::Path::new(p).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            };
            let width = m.prompts.iter().map(|p| p.chars().count()).max().unwrap_or(0).min(30);
            let heads: Vec<String> = m.items.iter().map(|(_, p)| format!("{:>14}", truncate(&name(p), 14))).collect();
            writeln!(out, "{:width$}  {}", "", heads.join(""))?;
            const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];
            for (pi, p) in m.prompts.iter().enumerate() {
                let cells: Vec<String> = (0..m.items.len())
                    .map(|i| {
                        let shade = SHADES[((m.level(pi, i) * 4.0).round() as usize).min(4)];
                        format!("{:>12.3} {shade}", m.cosines[pi][i])
                    })
                    .collect();
                writeln!(out, "{:width$}  {}", truncate(p, width), cells.join(""))?;
            }
            writeln!(
                out,
                "scale: {:.3} (unrelated) … {:.3} (strong match), {}",
                m.low,
                m.high,
                if m.scale == "calibrated" {
                    "calibrated for this model on this library"
                } else {
                    "this matrix's own range (no calibrated scale for this model yet: the next indexing run makes one)"
                }
            )?;
        }
        HeatmapKind::Region { target, text, png, lang, json } => {
            let cancel = cancel_on_ctrl_c(None);
            let bar = progress_bar();
            let b = bar.clone();
            let map = lib
                .heatmap_region(model, &target, &text, lang.as_deref(), &cancel, move |done, total| {
                    b.set_length(total as u64);
                    b.set_position(done as u64);
                })
                .await?;
            bar.finish_and_clear();
            let (lo, hi) =
                map.cells.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), c| (a.min(*c), b.max(*c)));
            let levels: Vec<f32> = map.cells.iter().map(|c| (c - lo) / (hi - lo).max(1e-6)).collect();
            if let Some(out_path) = &png {
                let (_, path) = lib.image_file(&target).await?;
                let img = clipdex_library::decode_image_file(&path)?;
                clipdex_library::heat_overlay(&img, map.rows, map.cols, &levels, 0.45)
                    .save(out_path)
                    .with_context(|| format!("cannot write {}", out_path.display()))?;
            }
            let (pr, pc) = map.peak();
            if json {
                let v = serde_json::json!({
                    "rows": map.rows, "cols": map.cols, "cells": map.cells, "levels": levels,
                    "whole": map.whole, "peak": {"row": pr, "col": pc}, "passes": map.passes, "dense": map.dense, "cached": map.cached,
                    "png": png.as_ref().map(|p| p.display().to_string()),
                });
                writeln!(out, "{v}")?;
            } else {
                for r in 0..map.rows {
                    let row: Vec<String> =
                        (0..map.cols).map(|c| format!("{:7.3}", map.cells[r * map.cols + c])).collect();
                    writeln!(out, "{}", row.join(" "))?;
                }
                writeln!(
                    out,
                    "best at row {}, column {} of {}×{}; whole image {:.3}; {} passes ({}){}",
                    pr + 1,
                    pc + 1,
                    map.rows,
                    map.cols,
                    map.whole,
                    map.passes,
                    if map.dense { "patch tokens" } else { "crops" },
                    if map.cached { " (cached)" } else { "" }
                )?;
                if let Some(p) = &png {
                    writeln!(out, "wrote {}", p.display())?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A cancel flag that Ctrl-C sets, saying on stderr what happens to the work.
fn cancel_on_ctrl_c(what_happens: Option<&'static str>) -> Cancel {
    let cancel = Cancel::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            if let Some(m) = what_happens {
                eprintln!("\ncancelling: {m}");
            }
            on_signal.cancel();
        }
    });
    cancel
}
