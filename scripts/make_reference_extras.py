#!/usr/bin/env python3
"""Makes extra reference data for the tiny test model, without torch or open_clip.

Run it with pillow, numpy, onnxruntime, ftfy and transformers < 5 installed
(transformers 5 dropped the slow, pure-Python CLIPTokenizer used here; ftfy is
what open_clip cleans text with, and CLIPTokenizer falls back to a different
cleaner without it). The tests themselves never need any of these:

    python3 -m venv .venv && .venv/bin/pip install pillow numpy onnxruntime==1.31.1 ftfy "transformers<5"
    python3 scripts/fetch_test_photos.py        # if tests/fixtures/photos/ is empty
    .venv/bin/python scripts/make_reference_extras.py

It reads tests/fixtures/tiny-clip/ and tests/fixtures/tiny-clip-reference.json
(made by scripts/make_test_model.py with open_clip itself) and writes
tests/fixtures/tiny-clip-extras.json with:

  tokens  for every text in the reference, the full 77 ids open_clip feeds the
          text tower: SOT, BPE ids, EOT, truncated to 77 with EOT kept last,
          padded with 0. Made with Hugging Face's slow CLIPTokenizer built from
          the fixture's own vocabulary and merges, plus open_clip's cleaning
          (ftfy, HTML unescape, whitespace collapse, lowercase) and its
          truncation/padding rule. Every array, up to and including EOT, is
          asserted equal to the ids open_clip produced (the reference's
          `tokens`), and the text tower's output for it to open_clip's vector.
  pixels  one photo put through open_clip's eval transform for the fixture's
          preprocess_cfg.json (torchvision Resize(shortest side) + CenterCrop,
          reproduced with Pillow alone, then RGB), as the size after resizing,
          the SHA-256 of the cropped RGB bytes and its first pixels. The visual
          tower's output for it is asserted equal to open_clip's vector.
  labels  a few everyday labels embedded with the prompt templates of
          crates/clipdex-library/src/labels.rs (each template's unit vector,
          averaged, renormalised) through the fixture's text tower, and every
          reference image's cosines to them, ranked, with the gaps a test needs
          to know which rankings are stable (the weights are random).

Everything here is computed in Python, independently of the Rust code.
"""

import hashlib
import html
import json
import sys
import tempfile
from pathlib import Path

import ftfy
import numpy as np
import onnxruntime as ort
import PIL
import transformers
from PIL import Image
from transformers import CLIPTokenizer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MODEL_DIR = FIXTURES / "tiny-clip"
PHOTOS = FIXTURES / "photos"
REFERENCE = FIXTURES / "tiny-clip-reference.json"
OUT = FIXTURES / "tiny-clip-extras.json"

CONTEXT = 77
SOT, EOT, PAD = 49406, 49407, 0

PIXEL_PHOTO = "chelsea.png"

# As in crates/clipdex-library/src/labels.rs (TEMPLATES); `{}` is the label.
TEMPLATES = ["a photo of a {}.", "a close-up photo of {}.", "a picture showing {}.", "{}"]
# Everyday labels, most of them related to a test photo (astronaut, chelsea the
# cat, coffee, motorcycle_left, camera, horse, rocket), one (dog) to none.
LABELS = ["astronaut", "cat", "coffee", "motorcycle", "camera", "rocket", "horse", "dog"]

# A ranking is "stable" when its gap is above this (cosines of a random model
# sit close together, and a port's float error must not swap two labels).
STABLE_GAP = 0.01


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- tokens

def make_tokenizer(tmp: Path) -> CLIPTokenizer:
    """The slow CLIPTokenizer over the fixture's vocabulary and merges."""
    spec = json.loads((MODEL_DIR / "textual" / "tokenizer.json").read_text(encoding="utf-8"))
    model = spec["model"]
    assert model["type"] == "BPE" and model["end_of_word_suffix"] == "</w>", model["type"]
    vocab = model["vocab"]
    assert vocab["<|startoftext|>"] == SOT and vocab["<|endoftext|>"] == EOT
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    (tmp / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    # CLIPTokenizer skips the first line of merges.txt (a version header).
    (tmp / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    tok = CLIPTokenizer(str(tmp / "vocab.json"), str(tmp / "merges.txt"), model_max_length=CONTEXT)
    assert len(tok.bpe_ranks) == len(merges), "merges were cut short"
    assert tok.fix_text is not None, "ftfy is missing: CLIPTokenizer would clean text unlike open_clip"
    return tok


def open_clip_ids(tok: CLIPTokenizer, text: str) -> list:
    """open_clip's SimpleTokenizer.__call__ for one text, via CLIPTokenizer."""
    # open_clip cleans with ftfy.fix_text, html.unescape twice and strip, then
    # collapses whitespace and lowercases. CLIPTokenizer._tokenize does
    # fix_text, the whitespace collapse and lowercase itself, so only the
    # unescape (which it lacks) is done here first.
    pre = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
    ids = [SOT] + tok.convert_tokens_to_ids(tok.tokenize(pre)) + [EOT]
    if len(ids) > CONTEXT:
        ids = ids[:CONTEXT]
        ids[-1] = EOT
    return ids + [PAD] * (CONTEXT - len(ids))


def cut_at_eot(ids: list) -> list:
    return ids[: ids.index(EOT) + 1] if EOT in ids else ids


# ---------------------------------------------------------------- pixels

def eval_transform(img: Image.Image, cfg: dict):
    """open_clip.image_transform(is_train=False) up to the RGB conversion:
    torchvision Resize(size) (shortest side) then CenterCrop(size), then
    convert('RGB') (open_clip converts after cropping). Returns the resized
    size and the cropped RGB image."""
    size = cfg["size"]
    size = size if isinstance(size, int) else size[0]
    assert cfg.get("size") in (size, [size, size]), "only a square size is reproduced here"
    assert cfg["resize_mode"] == "shortest", cfg["resize_mode"]
    resample = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR}[cfg["interpolation"]]

    # torchvision.transforms.functional._compute_resized_output_size, int size.
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    if (new_w, new_h) != (w, h):  # torchvision returns the image untouched otherwise
        img = img.resize((new_w, new_h), resample)
    resized = [new_w, new_h]

    # torchvision CenterCrop: offsets int(round((dim - crop) / 2.0)).
    top = int(round((new_h - size) / 2.0))
    left = int(round((new_w - size) / 2.0))
    img = img.crop((left, top, left + size, top + size))
    return resized, img.convert("RGB")


def to_input(rgb: Image.Image, cfg: dict) -> np.ndarray:
    x = np.asarray(rgb, dtype=np.float32) / 255.0
    x = (x - np.array(cfg["mean"], dtype=np.float32)) / np.array(cfg["std"], dtype=np.float32)
    return x.transpose(2, 0, 1)[None].astype(np.float32)


# ---------------------------------------------------------------- main

def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def main():
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    cfg = json.loads((MODEL_DIR / "visual" / "preprocess_cfg.json").read_text())
    txt = session(MODEL_DIR / "textual" / "model.onnx")
    vis = session(MODEL_DIR / "visual" / "model.onnx")
    (txt_in,) = txt.get_inputs()
    (vis_in,) = vis.get_inputs()
    assert txt_in.type == "tensor(int32)" and txt_in.shape[1] == CONTEXT, (txt_in.name, txt_in.type, txt_in.shape)
    assert vis_in.type == "tensor(float)", (vis_in.name, vis_in.type)

    def embed_text(ids: list) -> np.ndarray:
        out = txt.run(None, {txt_in.name: np.array([ids], dtype=np.int32)})[0][0]
        return unit(out.astype(np.float64))

    # 1. tokens
    failures = []
    tokens = []
    with tempfile.TemporaryDirectory() as tmp:
        tok = make_tokenizer(Path(tmp))
        for t in ref["texts"]:
            ids = open_clip_ids(tok, t["text"])
            assert len(ids) == CONTEXT
            if cut_at_eot(ids) != t["tokens"]:
                failures.append(f"{t['text']!r}:\n  ours     {cut_at_eot(ids)}\n  open_clip {t['tokens']}")
                continue
            cos = float(embed_text(ids) @ unit(np.array(t["vector"])))
            if cos < 0.99999:
                failures.append(f"{t['text']!r}: text tower cosine to open_clip's vector {cos:.6f}")
            tokens.append({"text": t["text"], "ids": ids})
        label_ids = {lab: [open_clip_ids(tok, tpl.replace("{}", lab)) for tpl in TEMPLATES] for lab in LABELS}
    if failures:
        sys.exit("token cross-check against open_clip failed, nothing written:\n" + "\n".join(failures))

    # 2. pixels
    path = PHOTOS / PIXEL_PHOTO
    raw = path.read_bytes()
    ref_img = next(i for i in ref["images"] if i["file"] == PIXEL_PHOTO)
    assert sha256(raw) == ref_img["sha256"], f"{PIXEL_PHOTO} is not the photo the reference was made from"
    src = Image.open(path)
    src_mode, src_size = src.mode, list(src.size)
    resized, rgb = eval_transform(src, cfg)
    assert rgb.size == (224, 224) and rgb.mode == "RGB"
    data = rgb.tobytes()
    v = vis.run(None, {vis_in.name: to_input(rgb, cfg)})[0][0]
    cos = float(unit(v.astype(np.float64)) @ unit(np.array(ref_img["vector"])))
    assert cos > 0.99999, f"visual tower on our pixels vs open_clip's vector: cosine {cos:.6f}"
    pixels = {
        "file": PIXEL_PHOTO,
        "file_sha256": sha256(raw),
        "mode": src_mode,
        "source_size": src_size,
        "resize_mode": cfg["resize_mode"],
        "interpolation": cfg["interpolation"],
        "resized_size": resized,
        "size": list(rgb.size),
        "rgb_sha256": sha256(data),
        "first_pixels": [list(data[i : i + 3]) for i in range(0, 24, 3)],
    }

    # 3. labels
    vectors = []
    for lab in LABELS:
        mean = np.mean([embed_text(ids) for ids in label_ids[lab]], axis=0)
        vectors.append(unit(mean))
    vectors = np.array(vectors)
    ranked = []
    for img in ref["images"]:
        cos = vectors @ unit(np.array(img["vector"]))
        order = [int(i) for i in np.argsort(-cos, kind="stable")]
        c = cos[order]
        ranked.append({
            "file": img["file"],
            "order": order,
            "top": LABELS[order[0]],
            "cosines": [round(float(x), 7) for x in cos],
            "margin_top": round(float(c[0] - c[1]), 7),
            "margin_top3": round(float(c[2] - c[3]), 7),
            # c[i] - c[i+1] down the ranking: an ordered top-k is stable when
            # gaps[0..k] all are.
            "gaps": [round(float(a - b), 7) for a, b in zip(c, c[1:])],
        })
    labels = {
        "templates": TEMPLATES,
        "labels": LABELS,
        "vectors": [[round(float(x), 7) for x in row] for row in vectors],
        "stable_gap": STABLE_GAP,
        "ranked": ranked,
        "stable_top1": [r["file"] for r in ranked if r["margin_top"] > STABLE_GAP],
        "stable_top3": [r["file"] for r in ranked if r["margin_top3"] > STABLE_GAP],
    }

    out = {
        "model": ref["model"],
        "generator": "scripts/make_reference_extras.py",
        "reference": (f"transformers {transformers.__version__} (slow CLIPTokenizer), ftfy {ftfy.__version__}, "
                      f"onnxruntime {ort.__version__}, Pillow {PIL.__version__}, numpy {np.__version__}"),
        "tokens": tokens,
        "pixels": pixels,
        "labels": labels,
    }
    text = json.dumps(out, indent=1, ensure_ascii=False) + "\n"
    # Keep each id list and vector on one line.
    text = compact_lists(text)
    json.loads(text)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text.encode()) / 1e3:.1f} kB): {len(tokens)} token arrays; "
          f"{PIXEL_PHOTO} resized to {resized}, rgb sha256 {pixels['rgb_sha256'][:16]}…; "
          f"stable top-1 {labels['stable_top1']}, stable top-3 {labels['stable_top3']}")


def compact_lists(text: str) -> str:
    """Puts lists of numbers, which json.dumps(indent=...) spreads one per line, on one line."""
    import re
    return re.sub(r"\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]",
                  lambda m: "[" + ", ".join(s.strip() for s in m.group(1).split(",")) + "]", text)


if __name__ == "__main__":
    main()
