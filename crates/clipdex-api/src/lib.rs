//! Clipdex for agents and scripts: the local HTTP API (`clipdex serve`) and
//! the MCP server (`clipdex mcp`), and the JSON shapes every headless front
//! end writes ([`wire`], the CLI's `--json` lines too).
//!
//! Both servers are thin front ends over `clipdex_library`: each request or
//! tool call parses its input, makes one engine call and renders a wire
//! type. Both are read-only, reach items by content id only, and never
//! open a path that came with a request.

pub mod http;
pub mod mcp;
pub mod wire;
