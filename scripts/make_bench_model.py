#!/usr/bin/env python3
"""Exports a full-size open_clip architecture with random weights, in the
open_clip ONNX layout, for benchmarks: cost does not depend on weight values.
Not for committing (hundreds of MB).

    .venv/bin/python scripts/make_bench_model.py ViT-B-32 /tmp/ViT-B-32__random

A multilingual text tower: `xlm-roberta-base-ViT-B-32` (open_clip's name)
pairs that ViT with a full-size XLM-RoBERTa base text tower (12 layers,
768 wide, 250,002 token embeddings; mean over tokens, then a linear
projection, as M-CLIP's towers and open_clip's "mean_pooler" do), taking
`input_ids` and `attention_mask`. Its tokenizer is the test fixtures' small
one: a token's cost does not depend on which token it is.
"""

import json
import sys
from pathlib import Path

import open_clip
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_test_model as m  # noqa: E402


MULTILINGUAL = "xlm-roberta-base-"


def multilingual(arch: str, out: Path) -> None:
    from transformers import XLMRobertaConfig, XLMRobertaModel

    vision = arch[len(MULTILINGUAL):]
    torch.backends.mha.set_fastpath_enabled(False)
    torch.manual_seed(0)
    clip = open_clip.create_model(vision, pretrained=None).eval()
    cfg = open_clip.get_model_config(vision)
    dim = cfg["embed_dim"]
    config = XLMRobertaConfig(vocab_size=250002, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                              intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1,
                              pad_token_id=1, bos_token_id=0, eos_token_id=2)
    config._attn_implementation = "eager"

    class Text(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = XLMRobertaModel(config, add_pooling_layer=False)
            self.proj = torch.nn.Linear(768, dim)

        def forward(self, ids, mask):
            embs = self.transformer(input_ids=ids.long(), attention_mask=mask.long())[0]
            att = mask.float()
            pooled = (embs * att.unsqueeze(2)).sum(dim=1) / att.sum(dim=1)[:, None]
            return torch.nn.functional.normalize(self.proj(pooled), dim=-1)

    text = Text().eval()
    for p in list(clip.parameters()) + list(text.parameters()):
        p.requires_grad_(False)
    (out / "visual").mkdir(parents=True, exist_ok=True)
    (out / "textual").mkdir(parents=True, exist_ok=True)
    cfg["text_cfg"] = {"context_length": 77, "hf_model_name": "xlm-roberta-base", "hf_tokenizer_name": "xlm-roberta-base",
                       "hf_pooler_type": "mean_pooler", "hf_proj_type": "linear"}
    (out / "config.json").write_text(json.dumps(cfg, indent=2))
    (out / "visual" / "preprocess_cfg.json").write_text(json.dumps(open_clip.get_model_preprocess_cfg(clip), indent=2))
    fixture = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "tiny-xlmr-clip" / "textual"
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (out / "textual" / name).write_bytes((fixture / name).read_bytes())
    size = cfg["vision_cfg"]["image_size"]
    m.export(m.Tower(lambda x: clip.encode_image(x, normalize=True)), out / "visual" / "model.onnx",
             torch.randn(2, 3, size, size), "image", True)
    target = out / "textual" / "model.onnx"
    ids = torch.ones(2, 77, dtype=torch.int32)
    torch.onnx.export(text, (ids, ids), str(target),
                      input_names=["input_ids", "attention_mask"], output_names=["embedding"], opset_version=18,
                      dynamo=False, dynamic_axes={"input_ids": {0: "batch"}, "attention_mask": {0: "batch"},
                                                  "embedding": {0: "batch"}})
    print(f"wrote {out}")


def main() -> None:
    arch, out = sys.argv[1], Path(sys.argv[2])
    if arch.startswith(MULTILINGUAL):
        return multilingual(arch, out)
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
