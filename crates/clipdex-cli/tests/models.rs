//! `clipdex models …` end to end with the real binary: offline install of a
//! fixture model, listing against the registry, using an installed model by
//! id, multilingual queries (`--lang`), the provider in `status`, damage
//! caught before use, and the clear errors (unknown id, offline hub).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

struct Env {
    lib: tempfile::TempDir,
    models: tempfile::TempDir,
}

impl Env {
    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }
    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_clipdex"));
        c.arg("--library").arg(self.lib.path()).args(args).env("CLIPDEX_MODELS", self.models.path());
        c.env_remove("CLIPDEX_MODEL")
            .env_remove("CLIPDEX_LANG")
            .env_remove("CLIPDEX_HUB_ENDPOINT")
            .env_remove("HF_ENDPOINT");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run clipdex")
    }
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure; stdout: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn lines(s: &str) -> Vec<Value> {
    s.lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

#[test]
fn install_offline_use_by_id_search_in_a_language_and_catch_damage() {
    let env = Env { lib: tempfile::tempdir().expect("lib"), models: tempfile::tempdir().expect("models") };
    let nllb = fixtures().join("tiny-nllb-clip");

    // Offline install from a folder: verified, recorded, and opened.
    let out = ok(&env.run(&["models", "pull", "tiny-nllb", "--from", nllb.to_str().expect("utf8"), "--json"]));
    let v = &lines(&out)[0];
    assert_eq!(v["dim"], 40);
    assert_eq!(v["text_inputs"], serde_json::json!(["text:int32[?,64]"]));
    assert!(v["languages"].as_u64().expect("languages") >= 200);
    assert_eq!(v["device"], "cpu");

    // The registry is listed with what is installed; the fixture is not a registry model.
    let listed = lines(&ok(&env.run(&["models", "list", "--json"])));
    let ids: Vec<&str> = listed.iter().map(|m| m["id"].as_str().expect("id")).collect();
    for want in ["ViT-B-32__openai", "nllb-clip-base-siglip__v1", "XLM-Roberta-Large-Vit-B-16Plus", "tiny-nllb"] {
        assert!(ids.contains(&want), "{want} in {ids:?}");
    }
    let default = listed.iter().find(|m| m["default"] == true).expect("a default");
    assert_eq!(default["id"], "ViT-B-32__openai");
    assert_eq!(default["installed"], false);
    let tiny = listed.iter().find(|m| m["id"] == "tiny-nllb").expect("tiny");
    assert_eq!((tiny["installed"].clone(), tiny["known"].clone()), (Value::Bool(true), Value::Bool(false)));
    let human = ok(&env.run(&["models", "list"]));
    assert!(human.contains("licence: CC-BY-NC-4.0"), "licences are shown: {human}");

    // Index with the installed model by id, then search in German.
    let photos = tempfile::tempdir().expect("photos");
    for f in ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png"] {
        let src = fixtures().join("photos").join(f);
        assert!(src.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", src.display());
        std::fs::copy(&src, photos.path().join(f)).expect("copy");
    }
    ok(&env.run(&["index", photos.path().to_str().expect("utf8"), "--model", "tiny-nllb"]));
    let q = ["search", "ein roter Schlitten", "--json", "--min-score", "-1", "--mode", "vector"];
    let de = lines(&ok(&env.run(&[&q[..], &["--lang", "de"]].concat())));
    let en = lines(&ok(&env.run(&q)));
    assert_eq!(de.len(), 4);
    let score = |hits: &[Value], name: &str| {
        hits.iter().find(|h| h["path"].as_str().expect("path").ends_with(name)).expect("hit")["score"]
            .as_f64()
            .expect("score")
    };
    assert!(
        (score(&de, "chelsea.png") - score(&en, "chelsea.png")).abs() > 1e-4,
        "the language code changes the query vector"
    );
    let from_env = lines(&ok(&env.run_with(&q, &[("CLIPDEX_LANG", "de")])));
    assert_eq!(score(&from_env, "chelsea.png"), score(&de, "chelsea.png"), "CLIPDEX_LANG is --lang's default");
    let e = err(&env.run(&[&q[..], &["--lang", "klingon"]].concat()));
    assert!(e.contains("error[bad_argument]") && e.contains("klingon"), "{e}");

    // status names where inference runs.
    let st = lines(&ok(&env.run(&["status", "--json"])));
    assert_eq!(st[0]["device"]["provider"], "cpu");
    assert!(ok(&env.run(&["status"])).contains("runs on  cpu"));

    // The library's own model is not removed by accident.
    let e = err(&env.run(&["models", "remove", "tiny-nllb"]));
    assert!(e.contains("--force"), "{e}");

    // Damage after install is caught before use, by search and by verify.
    let onnx = env.models.path().join("tiny-nllb/textual/model.onnx");
    std::fs::OpenOptions::new().write(true).open(&onnx).expect("open").set_len(1000).expect("truncate");
    let e = err(&env.run(&["search", "a cat"]));
    assert!(e.contains("error[model_damaged]") && e.contains("textual/model.onnx is 1000 bytes"), "{e}");
    assert!(e.contains("clipdex models pull tiny-nllb"), "says how to repair: {e}");
    let e = err(&env.run(&["models", "verify", "tiny-nllb"]));
    assert!(e.contains("error[model_damaged]"), "{e}");

    ok(&env.run(&["models", "remove", "tiny-nllb", "--force"]));
    let listed = lines(&ok(&env.run(&["models", "list", "--json"])));
    assert!(listed.iter().all(|m| m["id"] != "tiny-nllb"));
    let e = err(&env.run(&["models", "remove", "tiny-nllb"]));
    assert!(e.contains("error[model_not_installed]"), "{e}");
}

#[test]
fn unknown_models_and_an_unreachable_hub_are_clear_errors() {
    let env = Env { lib: tempfile::tempdir().expect("lib"), models: tempfile::tempdir().expect("models") };
    let e = err(&env.run(&["models", "pull", "ViT-Nope"]));
    assert!(e.contains("error[unknown_model]") && e.contains("ViT-B-32__openai"), "lists the known ones: {e}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let endpoint = format!("http://{addr}");
    let e = err(&env.run_with(&["models", "pull", "ViT-B-32__openai"], &[("CLIPDEX_HUB_ENDPOINT", &endpoint)]));
    assert!(e.contains("error[offline]") && e.contains("--from"), "{e}");
    assert!(std::fs::read_dir(env.models.path())
        .expect("models dir")
        .all(|e| { e.map(|e| e.file_name().to_string_lossy().starts_with('.')).unwrap_or(true) }));

    let e = err(&env.run(&["models", "pull", "x", "--from", "/definitely/not/here"]));
    assert!(e.contains("/definitely/not/here"), "{e}");
    let e = err(&env.run(&["models", "pull", "../evil", "--from", fixtures().join("tiny-clip").to_str().expect("u")]));
    assert!(e.contains("error[bad_argument]"), "{e}");
}

#[test]
fn switch_models_compare_them_and_forget_the_old_one() {
    let env = Env { lib: tempfile::tempdir().expect("lib"), models: tempfile::tempdir().expect("models") };
    let (a, b) = (fixtures().join("tiny-clip"), fixtures().join("tiny-nllb-clip"));
    let (a, b) = (a.to_str().expect("utf8"), b.to_str().expect("utf8"));
    let photos = tempfile::tempdir().expect("photos");
    for f in ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "camera.png", "horse.png"] {
        let src = fixtures().join("photos").join(f);
        assert!(src.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", src.display());
        std::fs::copy(&src, photos.path().join(f)).expect("copy");
    }
    ok(&env.run(&["index", photos.path().to_str().expect("utf8"), "--model", a]));

    // Switch to B: it indexes everything, then becomes the library's model.
    let v = &lines(&ok(&env.run(&["models", "use", b, "--json"])))[0];
    assert_eq!(
        (v["embedded"].clone(), v["remaining"].clone(), v["activated"].clone()),
        (6.into(), 0.into(), true.into())
    );
    let st = &lines(&ok(&env.run(&["status", "--json"])))[0];
    let models = st["models"].as_array().expect("models");
    assert_eq!(models.len(), 2);
    assert!(models[0]["active"] == true && models[0]["id"].as_str().expect("id").starts_with("tiny-nllb-clip@"));
    assert!(models[1]["active"] == false && models[1]["complete"] == true);
    assert_eq!(st["model"]["dim"], 40);
    assert!(ok(&env.run(&["status"])).contains("also     tiny-clip@"), "the old model is listed as kept");

    // Both answer, side by side.
    let c = &lines(&ok(&env.run(&["compare", "a cat", "--models", &format!("{a},{b}"), "--limit", "5", "--json"])))[0];
    let runs = c["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    for r in runs {
        assert_eq!(r["hits"].as_array().expect("hits").len(), 5);
        assert!(r["latency_ms"].as_f64().expect("latency") > 0.0);
        assert_eq!(r["scores"]["n"], 6);
        assert!(r["images_per_second"].as_f64().expect("throughput") > 0.0);
    }
    let j = c["jaccard"].as_f64().expect("jaccard");
    assert!((0.0..=1.0).contains(&j));
    let human = ok(&env.run(&["compare", "a cat", "--models", &format!("{a},{b}"), "--limit", "3"]));
    assert!(human.contains("agreement") && human.contains("images/s"), "{human}");
    let e = err(&env.run(&["compare", "a cat", "--models", a]));
    assert!(e.contains("at least two"), "{e}");

    // The active model's vectors stay; the old model's can go.
    let e = err(&env.run(&["models", "forget", b]));
    assert!(e.contains("active model"), "{e}");
    ok(&env.run(&["models", "forget", a]));
    let e = err(&env.run(&["search", "a cat", "--model", a]));
    assert!(e.contains("error[model_not_indexed]") && e.contains("models use"), "{e}");
    let e = err(&env.run(&["index", photos.path().to_str().expect("utf8"), "--model", a]));
    assert!(e.contains("error[model_mismatch]") && e.contains("models use"), "{e}");
    assert_eq!(lines(&ok(&env.run(&["search", "a cat", "--json", "--min-score", "-1"]))).len(), 6);
}
