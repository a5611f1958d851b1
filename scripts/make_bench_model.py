#!/usr/bin/env python3
"""Exports a full-size open_clip architecture with random weights, in the
open_clip ONNX layout, for benchmarks: cost does not depend on weight values.
Not for committing (hundreds of MB).

    .venv/bin/python scripts/make_bench_model.py ViT-B-32 /tmp/ViT-B-32__random
"""

import json
import sys
from pathlib import Path

import open_clip
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_test_model as m  # noqa: E402


def main() -> None:
    arch, out = sys.argv[1], Path(sys.argv[2])
    torch.backends.mha.set_fastpath_enabled(False)
    torch.manual_seed(0)
    model = open_clip.create_model(arch, pretrained=None).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    cfg = open_clip.get_model_config(arch)
    (out / "visual").mkdir(parents=True, exist_ok=True)
    (out / "textual").mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg, indent=2))
    (out / "visual" / "preprocess_cfg.json").write_text(json.dumps(open_clip.get_model_preprocess_cfg(model), indent=2))
    m.write_tokenizer(out / "textual")
    size = cfg["vision_cfg"]["image_size"]
    ctx = cfg["text_cfg"].get("context_length", 77)
    m.export(m.Tower(lambda x: model.encode_image(x, normalize=True)), out / "visual" / "model.onnx",
             torch.randn(2, 3, size, size), "image", True)
    m.export(m.Tower(lambda t: model.encode_text(t.long(), normalize=True)), out / "textual" / "model.onnx",
             torch.ones(2, ctx, dtype=torch.int32), "text", True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
