//! `clipdex mcp`: the library as Model Context Protocol tools over stdio,
//! for assistants answering from the user's own photos. Read-only; items by
//! id only; no path from a tool call is ever opened. Each tool makes one
//! engine call and renders [`crate::wire`] types as text parts, with
//! thumbnails as image parts for the top results.

use std::sync::Arc;

use base64::Engine as _;
use clipdex_library::{is_item_id, Library, LibraryError, Model, SearchOptions, SearchResults};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{tool, tool_handler, tool_router, ErrorData as McpError, ServerHandler, ServiceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::wire::{HitJson, LabelJson, StatusJson};

/// Thumbnails sent with a search's results, by default.
pub const DEFAULT_IMAGES: usize = 3;
/// The most thumbnails one call sends, whatever it asks.
const MAX_IMAGES: usize = 10;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchArgs {
    /// What to look for, in Clipdex's query language: plain words or a
    /// sentence ("kids on a red sled"), "quoted phrases", weights (2:dog),
    /// exclusions (-rain), similar:<id>, and filters: after:2024-06-01
    /// before:2024-09-01 type:photo|video|gif camera:pixel folder:trips
    /// ext:heic minsize:1000.
    pub query: String,
    /// Results at most (1–100, default 10).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Leave out matches below this cosine (-1 to 1). Omit it to use the
    /// library's calibrated cutoff, which is almost always right.
    #[serde(default)]
    pub min_score: Option<f32>,
    /// How many of the top results come with a thumbnail image (0–10, default 3).
    #[serde(default)]
    pub images: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct IdArgs {
    /// An item's id, as a search returned it (64 hex digits).
    pub id: String,
    /// Results at most (1–100).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ItemArgs {
    /// An item's id, as a search returned it (64 hex digits).
    pub id: String,
}

/// The facts of one result as the model reads them.
#[derive(Serialize)]
struct Facts<'a> {
    rank: usize,
    id: &'a str,
    path: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<f64>,
    score: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'a str>,
    date: Option<&'a str>,
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    caption: Option<&'a str>,
    why: String,
}

#[derive(Clone)]
pub struct ClipdexMcp {
    lib: Arc<Library>,
    model: Arc<Model>,
    default_images: usize,
    tool_router: ToolRouter<Self>,
}

fn tool_error(e: &LibraryError) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(format!("error[{}]: {e}", e.code().as_str()))])
}

fn clamp_limit(given: Option<usize>, default: usize) -> usize {
    given.unwrap_or(default).clamp(1, 100)
}

#[tool_router]
impl ClipdexMcp {
    pub fn new(lib: Arc<Library>, model: Arc<Model>, default_images: usize) -> Self {
        Self { lib, model, default_images: default_images.min(MAX_IMAGES), tool_router: Self::tool_router() }
    }

    #[tool(description = "Search the user's own photos and videos by describing them (\"receipts on a table\", \
        \"my red bike\", \"beach at sunset after:2024-06-01\"). Returns the best matches first: for each, a JSON \
        text part (id, path, kind, score, level, date, tags, why) and, for the top few, a thumbnail image part. \
        `score` is the cosine between the query and the picture; `level` puts it in words against the library's \
        calibrated cutoff (strong, good; weaker matches are left out and counted as hidden). Paths in the \
        query are matched as words, never opened. Use the ids with find_similar, describe_photo and photo_details.")]
    async fn search_photos(&self, Parameters(a): Parameters<SearchArgs>) -> Result<CallToolResult, McpError> {
        let opts = SearchOptions {
            limit: clamp_limit(a.limit, 10),
            min_score: a.min_score,
            paths_as_text: true,
            ..SearchOptions::default()
        };
        let images = a.images.unwrap_or(self.default_images).min(MAX_IMAGES);
        match self.lib.search(self.model.clone(), &a.query, &opts).await {
            Ok(found) => Ok(self.results(&found, images).await),
            Err(e) => Ok(tool_error(&e)),
        }
    }

    #[tool(description = "Find the user's photos and videos that look like one of them (\"more like this\"), \
        by the id a search returned. Results as search_photos gives them, with thumbnails for the top few.")]
    async fn find_similar(&self, Parameters(a): Parameters<IdArgs>) -> Result<CallToolResult, McpError> {
        if !is_item_id(&a.id) {
            return Ok(tool_error(&LibraryError::NoSuchItem(a.id)));
        }
        match self.lib.similar(self.model.clone(), &a.id, clamp_limit(a.limit, 10), None).await {
            Ok(found) => Ok(self.results(&found, self.default_images).await),
            Err(e) => Ok(tool_error(&e)),
        }
    }

    #[tool(description = "Describe one photo or video by its id: the labels from Clipdex's vocabulary (and \
        captions the user wrote) that fit it best, with their cosine and softmax probability. Useful to say what \
        is in a picture before answering about it.")]
    async fn describe_photo(&self, Parameters(a): Parameters<IdArgs>) -> Result<CallToolResult, McpError> {
        if !is_item_id(&a.id) {
            return Ok(tool_error(&LibraryError::NoSuchItem(a.id)));
        }
        match self.lib.describe_if_ready(self.model.clone(), &a.id, clamp_limit(a.limit, 10)).await {
            Ok(labels) => {
                let labels: Vec<LabelJson> = labels.iter().map(LabelJson::from).collect();
                Ok(CallToolResult::success(vec![ContentBlock::text(json(&labels))]))
            }
            Err(e) => Ok(tool_error(&e)),
        }
    }

    #[tool(description = "Everything Clipdex knows about one photo or video by its id: every path holding it, \
        size in pixels and bytes, date taken, camera, lens, tags, the user's caption; with its thumbnail.")]
    async fn photo_details(&self, Parameters(a): Parameters<ItemArgs>) -> Result<CallToolResult, McpError> {
        if !is_item_id(&a.id) {
            return Ok(tool_error(&LibraryError::NoSuchItem(a.id)));
        }
        match self.lib.item(&a.id).await {
            Ok(hit) => {
                let mut parts = vec![ContentBlock::text(json(&HitJson::from_hit(&hit, None)))];
                parts.extend(self.thumbnail(&hit.id).await);
                Ok(CallToolResult::success(parts))
            }
            Err(e) => Ok(tool_error(&e)),
        }
    }

    #[tool(description = "The library at a glance: how many photos and videos, its folders, the model, \
        indexing still to do, and the calibrated cutoff scores are judged against.")]
    async fn library_status(&self) -> Result<CallToolResult, McpError> {
        match self.lib.status().await {
            Ok(s) => Ok(CallToolResult::success(vec![ContentBlock::text(json(&StatusJson::from(&s)))])),
            Err(e) => Ok(tool_error(&e)),
        }
    }
}

impl ClipdexMcp {
    async fn results(&self, found: &SearchResults, images: usize) -> CallToolResult {
        let mut parts = vec![ContentBlock::text(summary(found))];
        for (rank, h) in found.hits.iter().enumerate() {
            let j = HitJson::from_hit(h, Some(found));
            let facts = Facts {
                rank: rank + 1,
                id: &j.id,
                path: &j.path,
                kind: &j.kind,
                time: j.time,
                score: j.score,
                level: j.level.as_deref(),
                date: j.taken_at.as_deref(),
                tags: j.tags.iter().take(5).map(|t| t.label.as_str()).collect(),
                caption: j.caption.as_deref(),
                why: why(&j),
            };
            parts.push(ContentBlock::text(json(&facts)));
            if rank < images {
                parts.extend(self.thumbnail(&h.id).await);
            }
        }
        CallToolResult::success(parts)
    }

    async fn thumbnail(&self, id: &str) -> Option<ContentBlock> {
        let bytes = self.lib.thumbnail(id).await.ok().flatten()?;
        Some(ContentBlock::image(base64::engine::general_purpose::STANDARD.encode(bytes), "image/jpeg"))
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn summary(found: &SearchResults) -> String {
    let shown = found.hits.len();
    let mut s = format!("{shown} result{}", if shown == 1 { "" } else { "s" });
    if let Some(c) = found.cutoff {
        s.push_str(&format!(" at or above the cutoff {c:.3}"));
    }
    if found.below_cutoff > 0 {
        s.push_str(&format!(
            "; {} weaker match{} hidden",
            found.below_cutoff,
            if found.below_cutoff == 1 { "" } else { "es" }
        ));
    }
    s.push('.');
    s
}

/// Why a result matched, in words.
fn why(j: &HitJson) -> String {
    let mut out = Vec::new();
    if let Some(r) = j.why.vector_rank {
        out.push(format!("picture matches the query (rank {r}, cosine {:.3})", j.why.vector_score));
    }
    if !j.why.keyword_fields.is_empty() {
        out.push(format!("words found in {}", j.why.keyword_fields.join("; ")));
    }
    if out.is_empty() {
        out.push("listed".into());
    }
    out.join("; ")
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for ClipdexMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("clipdex", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Clipdex searches the user's own photos and videos, offline. Start with search_photos; follow up \
                 on an id with photo_details, describe_photo or find_similar. Cite paths and dates from the results; \
                 a result's level (strong, good) says how sure the match is.",
            )
    }
}

/// Serves the tools on stdin/stdout until the client closes them.
pub async fn serve_stdio(lib: Arc<Library>, model: Arc<Model>, images: usize) -> anyhow::Result<()> {
    let service = ClipdexMcp::new(lib, model, images).serve(rmcp::transport::stdio()).await?;
    service.waiting().await?;
    Ok(())
}
