//! Query images: pictures dropped or pasted into a front end. One is
//! registered once, by its bytes (decoded and embedded then, so a bad file
//! is refused at once), and named afterwards by a token — its content hash —
//! so that each keystroke of a query sends the token, not the picture, and
//! embeds nothing again. The last [`KEEP`] images are held; a token that has
//! fallen out is refused with a clear error, never silently ignored. Their
//! bytes are kept too (to embed them again for another model) while they
//! fit in [`KEEP_BYTES`]; past that only their vectors are.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use clipdex_embed::Model;

use crate::error::{error_chain, LibraryError, Result};
use crate::state::{blocking, cache, State};

/// Query images held at once.
pub const KEEP: usize = 16;
/// Encoded bytes held at most, over all query images.
pub const KEEP_BYTES: usize = 64 << 20;
/// The largest picture a query takes, encoded.
pub const MAX_BYTES: usize = 48 << 20;

/// Query images by token, oldest first, with their vectors by model id.
#[derive(Default)]
pub(crate) struct QueryImages {
    held: VecDeque<Held>,
}

struct Held {
    token: String,
    /// `None` once the byte budget ran out: the vectors alone remain.
    bytes: Option<Arc<Vec<u8>>>,
    vectors: HashMap<String, Vec<f32>>,
}

impl QueryImages {
    fn find(&mut self, token: &str) -> Option<&mut Held> {
        self.held.iter_mut().find(|h| h.token == token)
    }

    fn bytes_held(&self) -> usize {
        self.held.iter().filter_map(|h| h.bytes.as_ref()).map(|b| b.len()).sum()
    }
}

/// The token of an image's bytes.
fn token_of(bytes: &[u8]) -> String {
    format!("qimg-{}", &blake3::hash(bytes).to_hex()[..32])
}

/// Decodes and embeds `bytes` with `model`, holds them, and returns their token.
pub(crate) async fn register(state: &State, model: &Arc<Model>, bytes: Vec<u8>) -> Result<String> {
    if bytes.len() > MAX_BYTES {
        return Err(LibraryError::BadArgument(format!("the picture is over {} MB", MAX_BYTES >> 20)));
    }
    let token = token_of(&bytes);
    // Held already for this model: nothing to decode or embed again.
    if cache(&state.query_images).find(&token).is_some_and(|h| h.vectors.contains_key(&model.info().id)) {
        return Ok(token);
    }
    let bytes = Arc::new(bytes);
    let vector = embed(model, bytes.clone()).await?;
    let mut images = cache(&state.query_images);
    if let Some(h) = images.find(&token) {
        h.vectors.insert(model.info().id.clone(), vector);
        return Ok(token);
    }
    if images.held.len() >= KEEP {
        images.held.pop_front();
    }
    let bytes = (images.bytes_held() + bytes.len() <= KEEP_BYTES).then_some(bytes);
    let vectors = HashMap::from([(model.info().id.clone(), vector)]);
    images.held.push_back(Held { token: token.clone(), bytes, vectors });
    Ok(token)
}

/// The vector of a held query image for `model` (embedded now if it was
/// registered under another model).
pub(crate) async fn vector(state: &State, model: &Arc<Model>, token: &str) -> Result<Vec<f32>> {
    let id = &model.info().id;
    let bytes = {
        let mut images = cache(&state.query_images);
        let held = images.find(token).ok_or_else(|| {
            LibraryError::BadArgument(format!(
                "the query image {token} is no longer held (only the last {KEEP} are); add the picture again"
            ))
        })?;
        if let Some(v) = held.vectors.get(id) {
            return Ok(v.clone());
        }
        held.bytes.clone().ok_or_else(|| {
            LibraryError::BadArgument(format!(
                "the query image {token} was added for another model and is too large to keep; add the picture again"
            ))
        })?
    };
    let v = embed(model, bytes).await?;
    if let Some(h) = cache(&state.query_images).find(token) {
        h.vectors.insert(id.clone(), v.clone());
    }
    Ok(v)
}

async fn embed(model: &Arc<Model>, bytes: Arc<Vec<u8>>) -> Result<Vec<f32>> {
    let m = model.clone();
    blocking(move || {
        let img = clipdex_media::decode(&bytes)
            .map_err(|e| LibraryError::Decode { path: PathBuf::from("<query image>"), reason: error_chain(&e) })?;
        m.embed_images(vec![img])?.pop().ok_or(LibraryError::EmptyQuery)
    })
    .await?
}
