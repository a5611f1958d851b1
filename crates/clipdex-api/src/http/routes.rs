//! The routes, as one table the router and the OpenAPI document are both
//! made from, and their handlers: each parses its request, makes one engine
//! call and renders a wire type.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use clipdex_library::{is_item_id, ErrorCode, Mode, SearchOptions, Sort};
use serde::Deserialize;

use super::{guard::guard, openapi, ApiError, Shared};
use crate::wire::{DescribeJson, HitJson, LabelJson, SearchJson, StatusJson};

/// One route: what the OpenAPI document says of it, and its handler.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    make: fn() -> MethodRouter<Shared>,
}

/// Every route the server answers (and nothing else: the rest is 404).
pub const ROUTES: &[Route] = &[
    Route {
        method: "get",
        path: "/v1/search",
        summary: "Search the library with the query language",
        make: || get(search_text),
    },
    Route {
        method: "post",
        path: "/v1/search",
        summary: "Search with an image (the body), optionally combined with q",
        make: || axum::routing::post(search_image),
    },
    Route { method: "get", path: "/v1/items/{id}", summary: "An item's facts", make: || get(item) },
    Route {
        method: "get",
        path: "/v1/items/{id}/thumbnail",
        summary: "An item's thumbnail (JPEG)",
        make: || get(thumbnail),
    },
    Route { method: "get", path: "/v1/items/{id}/similar", summary: "Items like this one", make: || get(similar) },
    Route {
        method: "get",
        path: "/v1/items/{id}/describe",
        summary: "The labels that fit an item best, ranked",
        make: || get(describe),
    },
    Route { method: "get", path: "/v1/status", summary: "The library's status", make: || get(status) },
    Route { method: "get", path: "/openapi.json", summary: "This document", make: || get(document) },
];

pub(crate) fn router(shared: Shared) -> Router {
    let mut router = Router::new();
    for (i, r) in ROUTES.iter().enumerate() {
        // One path may have several methods (GET and POST /v1/search).
        let mut methods = (r.make)();
        for later in ROUTES[i + 1..].iter().filter(|l| l.path == r.path) {
            methods = methods.merge((later.make)());
        }
        if ROUTES[..i].iter().all(|e| e.path != r.path) {
            router = router.route(r.path, methods);
        }
    }
    router
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such route: see /openapi.json")
        })
        .layer(DefaultBodyLimit::max(shared.max_upload))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// axum's own refusals (a wrong method) as `{"error": …}` too.
async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() == StatusCode::METHOD_NOT_ALLOWED {
        return ApiError::new(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::NotFound, "this route takes another method")
            .into_response();
    }
    res
}

/// Results a search or `similar` may ask for at once.
const MAX_LIMIT: usize = 1000;

#[derive(Debug, Deserialize)]
pub(crate) struct SearchParams {
    q: Option<String>,
    limit: Option<usize>,
    min_score: Option<f32>,
    mode: Option<String>,
    sort: Option<String>,
    lang: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LimitParams {
    limit: Option<usize>,
    min_score: Option<f32>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadArgument, message)
}

fn params<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(p)| p).map_err(|e| bad(e.body_text()))
}

fn limit(given: Option<usize>, default: usize) -> Result<usize, ApiError> {
    match given.unwrap_or(default) {
        0 => Err(bad("limit must be at least 1")),
        n if n > MAX_LIMIT => Err(bad(format!("limit may be at most {MAX_LIMIT}"))),
        n => Ok(n),
    }
}

/// The query's options; words that look like paths are text, never files.
fn options(p: &SearchParams, image: Option<Vec<u8>>) -> Result<SearchOptions, ApiError> {
    let mode: Mode = p.mode.as_deref().unwrap_or("hybrid").parse().map_err(bad)?;
    let sort: Sort = p.sort.as_deref().unwrap_or("relevance").parse().map_err(bad)?;
    Ok(SearchOptions {
        limit: limit(p.limit, 20)?,
        min_score: p.min_score,
        mode,
        sort,
        lang: p.lang.clone(),
        paths_as_text: true,
        image_bytes: image.into_iter().collect(),
        ..SearchOptions::default()
    })
}

/// An id from a path segment; anything else is an unknown item (and is
/// never looked at as a path).
fn item_id(id: &str) -> Result<&str, ApiError> {
    if is_item_id(id) {
        Ok(id)
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NoSuchItem, format!("no library item has the id {id:?}")))
    }
}

async fn search_text(State(s): State<Shared>, q: Result<Query<SearchParams>, QueryRejection>) -> Response {
    let run = async {
        let p = params(q)?;
        let opts = options(&p, None)?;
        let found = s.lib.search(s.model.clone(), p.q.as_deref().unwrap_or(""), &opts).await?;
        Ok::<_, ApiError>(Json(SearchJson::from(&found)))
    };
    run.await.into_response()
}

async fn search_image(
    State(s): State<Shared>,
    q: Result<Query<SearchParams>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let run = async {
        let p = params(q)?;
        let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !kind.trim_start().to_ascii_lowercase().starts_with("image/") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadImage,
                "send the image's bytes with Content-Type: image/… (jpeg, png, webp, gif, …)",
            ));
        }
        let body = body.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::TooLarge,
                    format!("the image is over {} MiB, the most this server takes", s.max_upload >> 20),
                )
            } else {
                bad(e.body_text())
            }
        })?;
        if body.is_empty() {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::BadImage, "the body is empty"));
        }
        let opts = options(&p, Some(body.to_vec()))?;
        let found = s.lib.search(s.model.clone(), p.q.as_deref().unwrap_or(""), &opts).await?;
        Ok(Json(SearchJson::from(&found)))
    };
    run.await.into_response()
}

async fn item(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let run = async {
        let hit = s.lib.item(item_id(&id)?).await?;
        Ok::<_, ApiError>(Json(HitJson::from_hit(&hit, None)))
    };
    run.await.into_response()
}

async fn thumbnail(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let run = async {
        let id = item_id(&id)?;
        let bytes = s.lib.thumbnail(id).await?.ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NoSuchItem, format!("no library item has the id {id}"))
        })?;
        Ok::<_, ApiError>(([(header::CONTENT_TYPE, "image/jpeg")], bytes))
    };
    run.await.into_response()
}

async fn similar(
    State(s): State<Shared>,
    Path(id): Path<String>,
    q: Result<Query<LimitParams>, QueryRejection>,
) -> Response {
    let run = async {
        let p = params(q)?;
        let found = s.lib.similar(s.model.clone(), item_id(&id)?, limit(p.limit, 20)?, p.min_score).await?;
        Ok::<_, ApiError>(Json(SearchJson::from(&found)))
    };
    run.await.into_response()
}

async fn describe(
    State(s): State<Shared>,
    Path(id): Path<String>,
    q: Result<Query<LimitParams>, QueryRejection>,
) -> Response {
    let run = async {
        let p = params(q)?;
        let id = item_id(&id)?;
        let labels = s.lib.describe_if_ready(s.model.clone(), id, limit(p.limit, 10)?).await?;
        Ok::<_, ApiError>(Json(DescribeJson {
            id: id.to_ascii_lowercase(),
            labels: labels.iter().map(LabelJson::from).collect(),
        }))
    };
    run.await.into_response()
}

async fn status(State(s): State<Shared>) -> Response {
    let run = async { Ok::<_, ApiError>(Json(StatusJson::from(&s.lib.status().await?))) };
    run.await.into_response()
}

async fn document(State(s): State<Shared>) -> Response {
    Json(openapi::document(s.port)).into_response()
}
