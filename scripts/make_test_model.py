#!/usr/bin/env python3
"""Makes the tiny random-weight CLIP test model and its reference vectors.

Run it with torch, open_clip_torch, transformers, onnx and onnxruntime installed
(the tests themselves never need any of these):

    python3 -m venv .venv && .venv/bin/pip install torch open_clip_torch transformers onnx onnxscript onnxruntime==1.31.1 pillow
    .venv/bin/python scripts/make_test_model.py

What it writes, under tests/fixtures/:
  tiny-clip/                the model, in the open_clip ONNX layout that public
                            exports on the Hugging Face hub use (config.json,
                            visual/{model.onnx,preprocess_cfg.json},
                            textual/{model.onnx,tokenizer.json,tokenizer_config.json})
  tiny-clip-reference.json  vectors computed by the reference implementation
                            (open_clip in PyTorch, with its own Pillow
                            preprocessing and its own tokenizer) for the test
                            photos and for awkward texts.

The weights are random (seeded) but the architecture is a real open_clip
ViT CLIP, so preprocessing, tokenisation, export and inference are all
exercised for real. The test photos come from the scikit-image wheel
(scripts/fetch_test_photos.py); their SHA-256s are recorded so a test can
tell when it is looking at different pixels.
"""

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import open_clip
import torch
from PIL import Image
from transformers import CLIPTokenizer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MODEL_DIR = FIXTURES / "tiny-clip"
PHOTOS = FIXTURES / "photos"

NAME = "tiny-clip"
CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 224, "layers": 2, "width": 48, "head_width": 24, "patch_size": 32, "mlp_ratio": 2.0},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 2, "mlp_ratio": 2.0},
}

# Photos whose pixels both sides decode identically (PNG) are held to the
# parity bound; JPEG decoders differ slightly, so JPEGs get a looser one.
PHOTO_FILES = [
    "astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png",
    "camera.png", "horse.png", "rocket.jpg", "hubble_deep_field.jpg",
]

TEXTS = [
    "a photo of an astronaut",
    "a cat",
    "  kids   on a\tred sled  ",
    "Crème brûlée à la française, naïve café",
    "日本の桜と富士山",
    "🐶🎉 party dog 🐱",
    "",
    " ".join(["a very long caption about many things"] * 20),
]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, [chr(n) for n in cs]))


def write_tokenizer(out_dir: Path) -> CLIPTokenizer:
    """CLIP's BPE as open_clip ships it, saved as a Hugging Face tokenizer."""
    bpe = Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz"
    merges = gzip.open(bpe).read().decode("utf-8").split("\n")[1 : 49152 - 256 - 2 + 1]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab += ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    tok = CLIPTokenizer(vocab={t: i for i, t in enumerate(vocab)}, merges=[tuple(m.split()) for m in merges], model_max_length=77)
    tok.save_pretrained(out_dir)
    # Keep only the files of the layout.
    for extra in ["vocab.json", "merges.txt", "special_tokens_map.json", "added_tokens.json"]:
        (out_dir / extra).unlink(missing_ok=True)
    return tok


def build_model():
    torch.backends.mha.set_fastpath_enabled(False)
    open_clip.factory._MODEL_CONFIGS[NAME] = CONFIG
    torch.manual_seed(20261127)
    model = open_clip.create_model(NAME, pretrained=None)
    # At random init the class token and positions dominate, so every picture
    # would embed alike (pairwise cosine > 0.99) and a 0.9995 parity bound would
    # prove little. Silence them and strengthen the patch path: photos then
    # spread out (pairwise cosine -0.37..0.97).
    with torch.no_grad():
        model.visual.conv1.weight.mul_(100.0)
        model.visual.class_embedding.mul_(0.0)
        model.visual.positional_embedding.mul_(0.0)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


class Tower(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def export(model, out: Path, dummy, input_name: str, dynamic):
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model, (dummy,), str(out), input_names=[input_name], output_names=["embedding"],
        opset_version=18, dynamo=False, dynamic_axes={input_name: {0: "batch"}, "embedding": {0: "batch"}} if dynamic else None,
    )
    # Inline any external data so the model is one file.
    import onnx
    m = onnx.load(str(out), load_external_data=True)
    for f in out.parent.glob("*.data"):
        f.unlink()
    onnx.save(m, str(out), save_as_external_data=False)


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def main():
    if not PHOTOS.is_dir():
        subprocess.check_call([sys.executable, str(ROOT / "scripts" / "fetch_test_photos.py")])
    model = build_model()
    if MODEL_DIR.exists():
        shutil.rmtree(MODEL_DIR)
    (MODEL_DIR / "visual").mkdir(parents=True)
    (MODEL_DIR / "textual").mkdir(parents=True)

    (MODEL_DIR / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    pre_cfg = open_clip.get_model_preprocess_cfg(model)
    (MODEL_DIR / "visual" / "preprocess_cfg.json").write_text(json.dumps(pre_cfg, indent=2) + "\n")
    hf_tok = write_tokenizer(MODEL_DIR / "textual")

    size = CONFIG["vision_cfg"]["image_size"]
    ctx = CONFIG["text_cfg"]["context_length"]
    export(Tower(lambda x: model.encode_image(x, normalize=True)), MODEL_DIR / "visual" / "model.onnx",
           torch.randn(2, 3, size, size), "image", True)
    export(Tower(lambda t: model.encode_text(t.long(), normalize=True)), MODEL_DIR / "textual" / "model.onnx",
           torch.ones(2, ctx, dtype=torch.int32), "text", True)

    preprocess = open_clip.image_transform(size, is_train=False, mean=pre_cfg["mean"], std=pre_cfg["std"],
                                           resize_mode=pre_cfg["resize_mode"], interpolation=pre_cfg["interpolation"])
    tokenizer = open_clip.get_tokenizer("ViT-B-32")  # open_clip's own BPE tokenizer, context 77

    vis = ort.InferenceSession(str(MODEL_DIR / "visual" / "model.onnx"))
    txt = ort.InferenceSession(str(MODEL_DIR / "textual" / "model.onnx"))

    images = []
    with torch.no_grad():
        for name in PHOTO_FILES:
            path = PHOTOS / name
            img = Image.open(path)
            x = preprocess(img).unsqueeze(0)
            v = model.encode_image(x, normalize=True)[0].numpy()
            onnx_v = vis.run(None, {"image": x.numpy()})[0][0]
            assert float(np.dot(v, onnx_v)) > 0.99999, f"export drifted on {name}"
            images.append({"file": name, "sha256": sha256(path), "mode": img.mode, "size": list(img.size),
                           "vector": [round(float(a), 7) for a in v]})

        texts = []
        for t in TEXTS:
            tokens = tokenizer([t])
            v = model.encode_text(tokens, normalize=True)[0].numpy()
            onnx_v = txt.run(None, {"text": tokens.numpy().astype(np.int32)})[0][0]
            assert float(np.dot(v, onnx_v)) > 0.99999, f"export drifted on {t!r}"
            ids = [int(i) for i in tokens[0].tolist()]
            ids = ids[: ids.index(49407) + 1] if 49407 in ids else ids
            hf_ids = hf_tok(" ".join(t.split()), truncation=True, max_length=ctx)["input_ids"]
            if hf_ids != ids:
                print(f"note: Hugging Face and open_clip tokenisers differ on {t!r}", file=sys.stderr)
            texts.append({"text": t, "tokens": ids, "vector": [round(float(a), 7) for a in v]})

    # Pairwise spread, so a reader can see what the parity bound is up against.
    m = np.array([i["vector"] for i in images])
    sims = m @ m.T
    off = sims[~np.eye(len(images), dtype=bool)]
    ref = {
        "model": NAME,
        "generator": "scripts/make_test_model.py",
        "reference": f"open_clip {open_clip.__version__}, torch {torch.__version__}, Pillow {Image.__version__}",
        "image_pairwise_cosine": {"min": round(float(off.min()), 4), "max": round(float(off.max()), 4)},
        "images": images,
        "texts": texts,
    }
    (FIXTURES / "tiny-clip-reference.json").write_text(json.dumps(ref, indent=1, ensure_ascii=False) + "\n")
    total = sum(f.stat().st_size for f in MODEL_DIR.rglob("*") if f.is_file())
    print(f"wrote {MODEL_DIR} ({total / 1e6:.1f} MB); image pairwise cosine {off.min():.3f}..{off.max():.3f}")


if __name__ == "__main__":
    main()
