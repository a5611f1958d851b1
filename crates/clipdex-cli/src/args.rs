//! The command line's shape: clap's `Cli`, its commands and their doc comments, which are the `--help` text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use clipdex_library::{Mode, Sort};

#[derive(Parser)]
#[command(name = "clipdex", version, about = "Find photos in your own folders by describing them. Offline.")]
pub(crate) struct Cli {
    /// Library folder [default: $CLIPDEX_LIBRARY, else the platform data dir]
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) library: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
        /// A video gets a moment at least this often, in seconds (and at each scene change); the library remembers it [default: 10]
        #[arg(long, value_name = "SECS")]
        moment_every: Option<f64>,
        /// Tag now even if this model's tag vocabulary is not prepared yet: prepare it after the photos are searchable (once per model, for every library; about 100 s for ViT-B/32 on two cores). Without it, tags wait for a run that prepares it (this flag, the app, `clipdex watch`)
        #[arg(long)]
        tags: bool,
        /// Do not read the text in pictures (OCR) in this run; by default it is read after the items are searchable (Ctrl-C stops it; the next run goes on)
        #[arg(long)]
        no_text: bool,
    },
    /// Print the words read in a picture (OCR, with Tesseract); or choose the languages read, or read what is waiting
    Text {
        /// A library item (indexed path or id)
        #[arg(value_name = "PATH_OR_ID", required_unless_present_any = ["languages", "read"])]
        target: Option<String>,
        /// Read pictures in these languages from now on (Tesseract codes joined by commas: eng,deu,chi_sim); every picture is read again by the next run
        #[arg(long, value_name = "LANGS", value_delimiter = ',')]
        languages: Option<Vec<String>>,
        /// Read every picture not read yet, now
        #[arg(long)]
        read: bool,
        /// The words with their boxes and confidences, as one JSON object
        #[arg(long)]
        json: bool,
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
    /// Serve the library over HTTP on 127.0.0.1, read-only, for scripts and agents (every request needs the token `clipdex token` prints; see /openapi.json)
    Serve {
        /// Port on 127.0.0.1 (0 picks a free one; the first line printed names it)
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The largest query image an upload may be, in MiB
        #[arg(long, default_value_t = 32, value_name = "MIB")]
        max_upload: usize,
    },
    /// Serve the library to an AI assistant as Model Context Protocol tools over stdio, read-only
    Mcp {
        /// How many of a search's top results come with a thumbnail image
        #[arg(long, default_value_t = 3, value_name = "N")]
        images: usize,
    },
    /// Print the library's API token for `clipdex serve` (made on first use)
    Token {
        /// Replace it: the old token stops working at once, also for a running server
        #[arg(long)]
        rotate: bool,
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
pub(crate) enum HeatmapKind {
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
pub(crate) enum ModelsAction {
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
