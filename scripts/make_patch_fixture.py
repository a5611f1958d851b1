#!/usr/bin/env python3
"""Makes tests/fixtures/tiny-clip-patches: the tiny test CLIP (the same seeded
weights as scripts/make_test_model.py) exported with a second visual output,
its patch tokens projected into the embedding space, and the reference
implementation's dense map for one photo and one text.

    .venv/bin/python scripts/make_patch_fixture.py

The visual graph outputs `embedding` [batch, dim] and `patch_embeddings`
[batch, 49, dim]: open_clip's `ln_post(tokens) @ proj` (no class token) for
a 224×224 input in 32-pixel patches. Clipdex finds such an output by its
shape (float32, rank 3, the embedding's width), whatever its name, and draws
the "where it matches" map from it in one pass instead of 30 crops. The text
tower, tokenizer and config are tiny-clip's (same bytes, so git stores them
once).
"""

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import open_clip
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_test_model as base  # noqa: E402

OUT = base.FIXTURES / "tiny-clip-patches"
PHOTO = "astronaut.png"
TEXT = "a photo of an astronaut"


class Both(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        v = self.model.visual
        v.output_tokens = True
        pooled, tokens = v(x)
        v.output_tokens = False
        return torch.nn.functional.normalize(pooled, dim=-1), tokens @ v.proj


def main():
    model = base.build_model()
    src = base.MODEL_DIR
    if OUT.exists():
        shutil.rmtree(OUT)
    shutil.copytree(src, OUT)
    size = base.CONFIG["vision_cfg"]["image_size"]
    out = OUT / "visual" / "model.onnx"
    torch.onnx.export(
        Both(model), (torch.randn(2, 3, size, size),), str(out), input_names=["image"],
        output_names=["embedding", "patch_embeddings"], opset_version=18, dynamo=False,
        dynamic_axes={"image": {0: "batch"}, "embedding": {0: "batch"}, "patch_embeddings": {0: "batch"}},
    )
    import onnx
    m = onnx.load(str(out), load_external_data=True)
    for f in out.parent.glob("*.data"):
        f.unlink()
    onnx.save(m, str(out), save_as_external_data=False)

    pre_cfg = open_clip.get_model_preprocess_cfg(model)
    # The map squashes the whole picture to the input size (no centre crop).
    squash = open_clip.image_transform(size, is_train=False, mean=pre_cfg["mean"], std=pre_cfg["std"],
                                       resize_mode="squash", interpolation=pre_cfg["interpolation"])
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    with torch.no_grad():
        x = squash(Image.open(base.PHOTOS / PHOTO)).unsqueeze(0)
        _, patches = Both(model)(x)
        q = model.encode_text(tokenizer([TEXT]), normalize=True)[0]
        tokens = torch.nn.functional.normalize(patches[0], dim=-1)
        cells = (tokens @ q).numpy()
        onnx_patches = ort.InferenceSession(str(out)).run(None, {"image": x.numpy()})[1][0]
        onnx_cells = (onnx_patches / np.linalg.norm(onnx_patches, axis=-1, keepdims=True)) @ q.numpy()
        assert np.abs(onnx_cells - cells).max() < 1e-4, "export drifted"
    side = int(round(len(cells) ** 0.5))
    ref = {
        "generator": "scripts/make_patch_fixture.py",
        "reference": f"open_clip {open_clip.__version__}, torch {torch.__version__}",
        "photo": PHOTO,
        "text": TEXT,
        "rows": side,
        "cols": side,
        "cells": [round(float(c), 6) for c in cells],
    }
    (base.FIXTURES / "tiny-clip-patches-reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {OUT} and the reference ({side}×{side} cells, {cells.min():.3f}..{cells.max():.3f})")


if __name__ == "__main__":
    main()
