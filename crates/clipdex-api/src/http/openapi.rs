//! The OpenAPI 3.1 document of `clipdex serve`: its paths from the same
//! route table the router is built from, its schemas generated from the
//! wire types (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).

use schemars::generate::SchemaSettings;
#[cfg(test)]
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

use super::routes::ROUTES;
use crate::wire::{DescribeJson, ErrorJson, HitJson, SearchJson, StatusJson};

/// The whole document, for a server on `port`.
pub fn document(port: u16) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .for_serialize()
        .into_generator();
    let mut schema = |f: fn(&mut schemars::SchemaGenerator) -> schemars::Schema| f(&mut generator).to_value();
    let refs = Refs {
        search: schema(|g| g.subschema_for::<SearchJson>()),
        hit: schema(|g| g.subschema_for::<HitJson>()),
        describe: schema(|g| g.subschema_for::<DescribeJson>()),
        status: schema(|g| g.subschema_for::<StatusJson>()),
        error: schema(|g| g.subschema_for::<ErrorJson>()),
    };
    let schemas = generator.take_definitions(true);

    let mut paths = Map::new();
    for r in ROUTES {
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method] = operation(r.method, r.path, r.summary, &refs);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Clipdex local API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
        },
        "servers": [{ "url": format!("http://127.0.0.1:{port}") }],
        "security": [{ "token": [] }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The library's token: `clipdex token` prints it.",
                },
            },
        },
    })
}

const DESCRIPTION: &str = "Read-only search over a Clipdex library, on loopback only. Every request \
needs `Authorization: Bearer <token>` (`clipdex token`), a Host of 127.0.0.1:PORT or localhost:PORT, \
and no Origin header. Scores are cosines between the query and an item; results below the library's \
calibrated cutoff are left out (`hidden` counts them) unless `min_score` says otherwise. Items are \
named by content id only.";

struct Refs {
    search: Value,
    hit: Value,
    describe: Value,
    status: Value,
    error: Value,
}

fn param(name: &str, place: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": place, "required": place == "path", "schema": schema, "description": description })
}

fn operation(method: &str, path: &str, summary: &str, refs: &Refs) -> Value {
    let id_param = || {
        param(
            "id",
            "path",
            json!({"type": "string", "pattern": "^[0-9a-fA-F]{64}(#[0-9]{1,12})?$"}),
            "An item's content id (64 hex digits; a video's moment adds # and its milliseconds, sent as %23).",
        )
    };
    let limit = |d: u64| {
        param(
            "limit",
            "query",
            json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": d}),
            "Results at most.",
        )
    };
    let min_score = param(
        "min_score",
        "query",
        json!({"type": "number", "minimum": -1, "maximum": 1}),
        "Leave out vector matches below this cosine [default: the library's calibrated cutoff; -1 shows all].",
    );
    let json_body = |schema: &Value| json!({ "application/json": { "schema": schema } });
    let error = |what: &str| json!({ "description": what, "content": json_body(&refs.error) });
    let mut responses = Map::new();
    let mut parameters = Vec::new();
    let mut body = None;
    match (method, path) {
        (_, "/v1/search") => {
            parameters.push(param("q", "query", json!({"type": "string"}),
                "The query language, as the CLI takes it: words, \"phrases\", weights (2:dog), \
                 exclusions (-rain), similar:<id>, filters (after:2024-01-01 before: type:video camera: folder: ext: minsize:). \
                 Words that look like file paths are matched as text; no file is read."));
            parameters.push(limit(20));
            parameters.push(min_score.clone());
            parameters.push(param(
                "mode",
                "query",
                json!({"enum": ["hybrid", "vector", "keyword"], "default": "hybrid"}),
                "Which lists to draw on.",
            ));
            parameters.push(param(
                "sort",
                "query",
                json!({"enum": ["relevance", "date"], "default": "relevance"}),
                "Result order.",
            ));
            parameters.push(param(
                "lang",
                "query",
                json!({"type": "string"}),
                "The query's language (BCP-47), for models that take one.",
            ));
            responses.insert(
                "200".into(),
                json!({ "description": "Results, best first.", "content": json_body(&refs.search) }),
            );
            responses
                .insert("400".into(), error("A malformed query or parameter (with the position of a syntax error)."));
            if method == "post" {
                body = Some(json!({
                    "required": true,
                    "description": "An image's bytes (at most 32 MiB unless the server was started with another limit).",
                    "content": { "image/*": { "schema": { "type": "string", "contentMediaType": "image/*" } } },
                }));
                responses.insert("413".into(), error("The image is over the upload limit."));
                responses.insert("415".into(), error("The body is not an image."));
            }
        }
        (_, "/v1/items/{id}") => {
            parameters.push(id_param());
            responses
                .insert("200".into(), json!({ "description": "The item (score 0).", "content": json_body(&refs.hit) }));
            responses.insert("404".into(), error("No item has this id."));
        }
        (_, "/v1/items/{id}/thumbnail") => {
            parameters.push(id_param());
            responses.insert(
                "200".into(),
                json!({ "description": "A JPEG of at most 256 px a side.",
                "content": { "image/jpeg": { "schema": { "type": "string", "contentMediaType": "image/jpeg" } } } }),
            );
            responses.insert("404".into(), error("No item has this id."));
        }
        (_, "/v1/items/{id}/similar") => {
            parameters.extend([id_param(), limit(20), min_score.clone()]);
            responses.insert("200".into(), json!({ "description": "Items like this one, best first (itself left out).", "content": json_body(&refs.search) }));
            responses.insert("404".into(), error("No item has this id."));
        }
        (_, "/v1/items/{id}/describe") => {
            parameters.extend([id_param(), limit(10)]);
            responses.insert(
                "200".into(),
                json!({ "description": "Labels and user captions, best first.", "content": json_body(&refs.describe) }),
            );
            responses.insert("404".into(), error("No item has this id."));
            responses.insert(
                "409".into(),
                error("The model's label vocabulary is not prepared yet (an indexing run with tags prepares it)."),
            );
        }
        (_, "/v1/status") => {
            responses.insert(
                "200".into(),
                json!({ "description": "The library at a glance.", "content": json_body(&refs.status) }),
            );
        }
        _ => {
            responses.insert("200".into(), json!({ "description": "This document.", "content": { "application/json": { "schema": { "type": "object" } } } }));
        }
    }
    responses.insert("401".into(), error("No token, or not the library's."));
    responses.insert("403".into(), error("A Host other than this server's loopback address, or an Origin header."));
    let mut op = json!({
        "summary": summary,
        "operationId": format!("{method}_{}", path.trim_start_matches('/').replace(['/', '.'], "_").replace(['{', '}'], "")),
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(b) = body {
        op["requestBody"] = b;
    }
    op
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema of a wire type, as the document names it.
    fn schema_name<T: JsonSchema>() -> String {
        T::schema_name().into_owned()
    }

    #[test]
    fn every_route_is_in_the_document_and_nothing_else() {
        let doc = document(1234);
        let mut listed: Vec<(String, String)> = Vec::new();
        for (path, ops) in doc["paths"].as_object().expect("paths") {
            for method in ops.as_object().expect("ops").keys() {
                listed.push((method.clone(), path.clone()));
            }
        }
        let mut routes: Vec<(String, String)> = ROUTES.iter().map(|r| (r.method.into(), r.path.into())).collect();
        listed.sort();
        routes.sort();
        assert_eq!(listed, routes);
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for name in [schema_name::<SearchJson>(), schema_name::<HitJson>(), schema_name::<ErrorJson>()] {
            assert!(schemas.contains_key(&name), "{name}");
        }
    }
}
