//! The pure parts of hybrid search: reciprocal rank fusion, keyword tokens,
//! the words of a path, and telling which fields a keyword match came from.

use std::collections::HashMap;

use clipdex_store::Details;

/// The constant in reciprocal rank fusion (Cormack et al. 2009): a list's
/// item at rank r (1-based) adds 1 / (K + r).
pub const RRF_K: f32 = 60.0;

/// Fuses ranked lists of ids by reciprocal rank, best first (ties keep the
/// order of first appearance).
pub fn rrf(lists: &[&[String]]) -> Vec<(String, f32)> {
    let mut score: HashMap<&str, f32> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for list in lists {
        for (i, id) in list.iter().enumerate() {
            let e = score.entry(id.as_str()).or_insert_with(|| {
                order.push(id.as_str());
                0.0
            });
            *e += 1.0 / (RRF_K + i as f32 + 1.0);
        }
    }
    let mut out: Vec<(String, f32)> = order.into_iter().map(|id| (id.to_string(), score[id])).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// How deep into each list [`fuse`] fuses by rank.
pub const FUSE_DEPTH: usize = 100;

/// Reciprocal-rank fusion of each list's first `depth` entries, then the
/// rest of each list in its own order (the first list first). The order of
/// any position therefore does not depend on how deep the lists were
/// fetched past `depth`, so pages of one query join up without repeats or gaps.
pub fn fuse(lists: &[&[String]], depth: usize) -> Vec<(String, f32)> {
    let heads: Vec<&[String]> = lists.iter().map(|l| &l[..l.len().min(depth)]).collect();
    let mut out = rrf(&heads);
    let mut seen: std::collections::HashSet<String> = out.iter().map(|(id, _)| id.clone()).collect();
    for list in lists {
        for (i, id) in list.iter().enumerate().skip(depth) {
            if seen.insert(id.clone()) {
                out.push((id.clone(), 1.0 / (RRF_K + i as f32 + 1.0)));
            }
        }
    }
    out
}

pub(crate) const STOP_WORDS: &[&str] =
    &["a", "an", "the", "of", "on", "in", "at", "to", "for", "by", "with", "and", "or", "is", "are", "my", "our"];

/// Lower-case word tokens, without stop words, lightly stemmed.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect()
}

/// "dogs" → "dog", "beaches" → "beach": enough to match plurals.
fn stem(w: &str) -> String {
    if w.len() > 4 && w.ends_with("es") && (w.ends_with("ches") || w.ends_with("shes") || w.ends_with("xes")) {
        w[..w.len() - 2].to_string()
    } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
        w[..w.len() - 1].to_string()
    } else {
        w.to_string()
    }
}

/// The fields of `details` that hold words of `query`, as `field: words`.
pub fn matched_fields(details: &Details, query: &str) -> Vec<String> {
    let q = tokens(query);
    if q.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut check = |name: &str, text: &str| {
        let have = tokens(text);
        let hits: Vec<&str> = q.iter().filter(|t| have.contains(t)).map(String::as_str).collect();
        if !hits.is_empty() {
            let mut uniq: Vec<&str> = Vec::new();
            for h in hits {
                if !uniq.contains(&h) {
                    uniq.push(h);
                }
            }
            out.push(format!("{name}: {}", uniq.join(" ")));
        }
    };
    check("path", &details.words);
    let tags: Vec<&str> = details.tags.iter().map(|t| t.label.as_str()).collect();
    check("tags", &tags.join(" | "));
    check("camera", details.camera.as_deref().unwrap_or(""));
    check("lens", details.lens.as_deref().unwrap_or(""));
    check("caption", details.caption.as_deref().unwrap_or(""));
    out
}

/// The words of a path below its library folder, with the folder's own
/// name: `/home/ann/Pictures/Norway 2019/day_2/fjord-boat.jpg` under
/// `/home/ann/Pictures/Norway 2019` gives `Norway 2019 day 2 fjord boat jpg`.
pub fn path_words(path: &str, root: &str) -> String {
    let p = std::path::Path::new(path);
    let r = std::path::Path::new(root);
    let mut parts: Vec<String> = Vec::new();
    match p.strip_prefix(r) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            if let Some(name) = r.file_name() {
                parts.push(name.to_string_lossy().into_owned());
            }
            parts.push(rel.to_string_lossy().into_owned());
        }
        // The root is the file itself (indexed on its own), or unrelated.
        _ => parts.push(p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
    }
    let joined = parts.join(" ");
    joined.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clipdex_store::Tag;

    #[test]
    fn fused_order_does_not_depend_on_how_deep_the_lists_were_fetched() {
        let ids = |prefix: &str, n: usize| (0..n).map(|i| format!("{prefix}{i}")).collect::<Vec<String>>();
        let (vector, mut keyword) = (ids("v", 300), ids("k", 150));
        keyword[3] = "v7".into();
        let deep = fuse(&[&vector, &keyword], 10);
        for fetched in [12, 40, 200] {
            let shallow = fuse(&[&vector[..fetched.min(300)], &keyword[..fetched.min(150)]], 10);
            assert_eq!(shallow[..fetched.min(20)], deep[..fetched.min(20)], "fetched {fetched}");
        }
        // In both lists' heads: fused above either list's first alone.
        assert_eq!(deep[0].0, "v7");
        let unique: std::collections::HashSet<&String> = deep.iter().map(|(id, _)| id).collect();
        assert_eq!(unique.len(), deep.len(), "no repeats");
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fusion_rewards_agreement_between_lists() {
        let vector = ids(&["a", "b", "c", "d"]);
        let keyword = ids(&["c", "e"]);
        let fused = rrf(&[&vector, &keyword]);
        let order: Vec<&str> = fused.iter().map(|(id, _)| id.as_str()).collect();
        // c is 3rd and 1st: 1/63 + 1/61 beats a's 1/61 alone; b and e tie
        // (2nd in one list each) and keep the order they first appeared in.
        assert_eq!(order, ["c", "a", "b", "e", "d"]);
        assert!((fused[0].1 - (1.0 / 63.0 + 1.0 / 61.0)).abs() < 1e-6);
        // One list fused alone keeps its order.
        let alone = rrf(&[&vector]);
        assert_eq!(alone.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>(), ["a", "b", "c", "d"]);
        assert!(rrf(&[]).is_empty());
    }

    #[test]
    fn matched_fields_name_the_field_and_the_words() {
        let d = Details {
            id: "x".into(),
            camera: Some("Canon EOS R5".into()),
            lens: None,
            tags: vec![Tag { label: "dog".into(), score: 0.3 }, Tag { label: "sandy beach".into(), score: 0.2 }],
            words: "Norway 2019 beaches fjord jpg".into(),
            caption: Some("Rex chasing waves".into()),
            ..Default::default()
        };
        assert_eq!(
            matched_fields(&d, "dogs on the beach with canon"),
            ["path: beach", "tags: dog beach", "camera: canon"]
        );
        assert_eq!(matched_fields(&d, "Rex"), ["caption: rex"]);
        assert!(matched_fields(&d, "cat").is_empty());
        assert!(matched_fields(&d, "the of").is_empty());
    }

    #[test]
    fn path_words_are_relative_to_the_library_folder() {
        assert_eq!(
            path_words("/home/ann/Pictures/Norway 2019/day_2/fjord-boat.jpg", "/home/ann/Pictures/Norway 2019"),
            "Norway 2019 day 2 fjord boat jpg"
        );
        assert_eq!(path_words("/x/y/cat.png", "/x/y/cat.png"), "cat png");
    }
}
