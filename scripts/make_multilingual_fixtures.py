#!/usr/bin/env python3
"""Makes two tiny random-weight multilingual CLIP test models and their
reference vectors.

Run it with torch, open_clip_torch, transformers, tokenizers, onnx and
onnxruntime installed (the tests themselves never need any of these):

    python3 -m venv .venv && .venv/bin/pip install torch open_clip_torch transformers onnx onnxscript onnxruntime==1.31.1 pillow
    .venv/bin/python scripts/make_multilingual_fixtures.py

What it writes, under tests/fixtures/ (each model in the open_clip ONNX layout
that public exports on the Hugging Face hub use: config.json,
visual/{model.onnx,preprocess_cfg.json},
textual/{model.onnx,tokenizer.json,tokenizer_config.json}):
  tiny-xlmr-clip/      shaped like M-CLIP's "XLM-Roberta-Large-Vit-B-16Plus":
                       the text tower is M-CLIP's MultilingualCLIP (a
                       transformers XLMRobertaModel, attention-mask-weighted
                       mean over tokens, then a Linear), and its graph takes
                       two int32 inputs, `input_ids` and `attention_mask`,
                       [batch, 77]. embed_dim 24. OpenAI mean/std, bicubic,
                       "shortest" (resize then centre crop), like ViT-B-16-plus-240.
  tiny-nllb-clip/      shaped like "nllb-clip-base-siglip": the text tower is
                       open_clip's own HFTextEncoder over an M2M100 (NLLB)
                       encoder with open_clip's nllb-clip pooling ("cls_pooler":
                       the first token's last hidden state) and a bias-free
                       linear projection; it makes its attention mask itself
                       (ids != pad). One int32 input, `text`, [batch, 64].
                       embed_dim 40. SigLIP preprocessing: mean/std 0.5,
                       bilinear, "squash" (resize to 224x224, no crop).
  multilingual-reference.json
                       per model: token ids, attention masks and vectors
                       computed by the reference implementation (the PyTorch
                       modules, with open_clip's own Pillow preprocessing built
                       from each model's preprocess_cfg.json) for the PNG test
                       photos and for awkward texts in several languages.

The Hugging Face hub is not needed. The hub's tokenizers (250k-piece
SentencePiece models) are far too big for fixtures, so each model gets a tiny
Unigram tokenizer trained here on the caption corpus below (NFKC, then
SentencePiece-style Metaspace), with the real special tokens in fairseq order
(<s>=0, <pad>=1, </s>=2, <unk>=3, ..., <mask> last) and the real
post-processors: XLM-R "<s> $A </s>", NLLB "eng_Latn $A </s>" (what
NllbTokenizerFast does with its default src_lang), the NLLB one with all 202
FLORES-200 language codes as special tokens. open_clip's HFTextEncoder is built
through its ordinary config-less path (AutoConfig.from_pretrained on the real
hub name, then AutoModel.from_config(...).encoder, pretrained=False), with
AutoConfig.from_pretrained answered locally by a tiny M2M100Config.

Tokenisation convention the reference follows (Immich's runtime does the
same): collapse whitespace runs to one space and strip; for NLLB only, prepend
the FLORES-200 code with no space (f"{code}{text}", default eng_Latn); encode
with the tokenizer padded (pad id of tokenizer_config's pad_token) and
truncated to the context length of config.json's text_cfg. Note that
tokenizer_config.json's model_max_length is the real models' (512, 1024), not
the context length.

The weights are random (seeded; each model has its own seeds, so the two
vision towers differ). As in make_test_model.py the vision towers' patch path
is strengthened so photos embed apart; the text towers' token embeddings (and,
for NLLB, whose pooled first token is always eng_Latn, the attention's value
path) are scaled up so texts do. The script is deterministic: a rerun writes
the same bytes.
"""

import json
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import onnxruntime as ort
import open_clip
import torch
import transformers
from PIL import Image
from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram
from tokenizers.trainers import UnigramTrainer
from transformers import M2M100Config, XLMRobertaConfig, XLMRobertaModel
from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_test_model as m  # noqa: E402

ROOT = m.ROOT
FIXTURES = m.FIXTURES
PHOTOS = m.PHOTOS
LABELS = ROOT / "crates" / "clipdex-library" / "vocab" / "labels.txt"

XLMR = "tiny-xlmr-clip"
NLLB = "tiny-nllb-clip"

VISION_CFG = {"image_size": 224, "layers": 2, "width": 48, "head_width": 24, "patch_size": 32, "mlp_ratio": 2.0}

XLMR_CONFIG = {
    "embed_dim": 24,
    "vision_cfg": VISION_CFG,
    "text_cfg": {
        "context_length": 77,
        "hf_model_name": "M-CLIP/XLM-Roberta-Large-Vit-B-16Plus",
        "hf_tokenizer_name": "M-CLIP/XLM-Roberta-Large-Vit-B-16Plus",
        "hf_pooler_type": "mean_pooler",
        "hf_proj_type": "linear",
    },
}
NLLB_CONFIG = {
    "embed_dim": 40,
    "vision_cfg": VISION_CFG,
    "text_cfg": {
        "context_length": 64,
        "hf_model_name": "facebook/nllb-200-distilled-600M",
        "hf_tokenizer_name": "facebook/nllb-200-distilled-600M",
        "hf_proj_type": "linear",
        "hf_pooler_type": "cls_pooler",
    },
}
# Visual preprocessing, overriding open_clip's defaults (OpenAI mean/std,
# bicubic, shortest): NLLB-CLIP's SigLIP tower squashes and uses 0.5s.
XLMR_PREPROCESS = {}
NLLB_PREPROCESS = {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "interpolation": "bilinear", "resize_mode": "squash"}

SEEDS = {XLMR: {"visual": 20261201, "text": 20261202}, NLLB: 20261203}
VOCAB_SIZE = {XLMR: 1600, NLLB: 1300}  # different, so mixing the two tokenizers up shows
DEFAULT_LANG = "eng_Latn"

# PNGs only: both sides decode them identically.
PHOTO_FILES = ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png"]

LONG = " ".join(["a red sled in the snow, ein roter Schlitten im Schnee"] * 12)
# (text, FLORES-200 code for the NLLB model or None for the default)
TEXTS = [
    ("a photo of an astronaut", None),
    ("ein roter Schlitten", "deu_Latn"),
    ("ein roter Schlitten", None),
    ("一只猫在沙发上睡觉", "zho_Hans"),
    ("海辺で遊ぶ子供たち", "jpn_Jpan"),
    ("Crème brûlée à la française, ｃａｆé", "fra_Latn"),
    ("красные санки на снегу", "rus_Cyrl"),
    ("قطة نائمة على الأريكة", "arb_Arab"),
    ("🐶🎉 party dog", None),
    ("", None),
    ("  Kinder   spielen\tam\nStrand\u3000 ", "deu_Latn"),
    (LONG, None),
]

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]

# Photo-caption-like phrases for training the tiny tokenizers (written for
# Clipdex), plus the English label vocabulary.
CORPUS = {
    "en": """a red sled in the snow|kids playing on the beach|a cat sleeping on the sofa|sunset over the mountains
a dog running in the park|birthday cake with candles|an astronaut in a space suit|a photo of an astronaut
a cup of coffee on a wooden table|a motorcycle parked on the street|a portrait of an old woman
fireworks over the city at night|a bowl of fresh fruit|a family picnic in the garden|a train crossing a bridge
people walking in the rain|a snowy forest|a boat on the lake|a bride and groom dancing
children building a sandcastle|a plate of pasta|a cherry blossom tree|the Eiffel Tower at night
a horse in a field|a tabby cat looking at the camera|a black and white photo of a street|a selfie at the beach
a mountain lake in summer|autumn leaves in the park|a baby laughing|a christmas tree with lights
a red car on the road|a plane in the sky|a bicycle leaning against a wall|a pizza with cheese
a lighthouse by the sea|two friends hiking|a sleeping puppy|a city skyline|flowers in a vase|a rocket launch
party dog|a cat|my family on holiday|grandma in the kitchen|a rainbow over the hills
Christmas in Cologne, Germany|Crème brûlée, coffee and cake!|Is this Paris? Yes, it is.|Summer holiday 2023 - Day 1
New York City at night|Chelsea the cat, 2019|Coffee, tea or juice?""",
    "de": """ein roter Schlitten im Schnee|ein roter Schlitten|Kinder spielen am Strand|eine Katze schläft auf dem Sofa
Sonnenuntergang über den Bergen|ein Hund rennt im Park|Geburtstagskuchen mit Kerzen|ein Astronaut im Raumanzug
eine Tasse Kaffee auf einem Holztisch|ein Motorrad auf der Straße|Porträt einer alten Frau
Feuerwerk über der Stadt bei Nacht|eine Schüssel mit frischem Obst|Familienpicknick im Garten
ein Zug fährt über eine Brücke|Menschen gehen im Regen spazieren|ein verschneiter Wald|ein Boot auf dem See
Braut und Bräutigam tanzen|Kinder bauen eine Sandburg|ein Teller Nudeln|ein Kirschbaum in voller Blüte
der Eiffelturm bei Nacht|ein Pferd auf der Wiese|eine getigerte Katze schaut in die Kamera
Schwarzweißfoto einer Straße|ein Selfie am Strand|ein Bergsee im Sommer|Herbstlaub im Park|ein lachendes Baby
ein Weihnachtsbaum mit Lichtern|ein rotes Auto auf der Straße|ein Flugzeug am Himmel
ein Fahrrad lehnt an einer Wand|eine Pizza mit Käse|ein Leuchtturm am Meer|zwei Freunde beim Wandern
ein schlafender Welpe|die Skyline der Stadt|Blumen in einer Vase|Schlitten fahren im Winter
Großmutter und Enkel|Brötchen zum Frühstück|ein Regenbogen über den Hügeln|Köln, Deutschland: Weihnachtsmarkt im Dezember""",
    "fr": """une luge rouge dans la neige|des enfants qui jouent sur la plage|un chat qui dort sur le canapé
coucher de soleil sur les montagnes|un chien qui court dans le parc|gâteau d'anniversaire avec des bougies
un astronaute en combinaison spatiale|une tasse de café sur une table en bois|une moto garée dans la rue
portrait d'une vieille femme|feu d'artifice sur la ville la nuit|un bol de fruits frais
pique-nique en famille dans le jardin|un train qui traverse un pont|des gens qui marchent sous la pluie
une forêt enneigée|un bateau sur le lac|les mariés qui dansent|des enfants qui construisent un château de sable
une assiette de pâtes|un cerisier en fleurs|la tour Eiffel la nuit|un cheval dans un pré
photo en noir et blanc d'une rue|un selfie à la plage|un lac de montagne en été|feuilles d'automne dans le parc
un bébé qui rit|un sapin de Noël illuminé|une voiture rouge sur la route|un avion dans le ciel
un vélo contre un mur|une pizza au fromage|un phare au bord de la mer|deux amis en randonnée|un chiot endormi
des fleurs dans un vase|crème brûlée à la française|un café en terrasse à Paris|Crème brûlée, s'il vous plaît !|un arc-en-ciel sur les collines""",
    "es": """un trineo rojo en la nieve|niños jugando en la playa|un gato durmiendo en el sofá
atardecer sobre las montañas|un perro corriendo en el parque|pastel de cumpleaños con velas
un astronauta con traje espacial|una taza de café sobre una mesa de madera|una moto aparcada en la calle
retrato de una anciana|fuegos artificiales sobre la ciudad de noche|un cuenco de fruta fresca
picnic familiar en el jardín|un tren cruzando un puente|gente caminando bajo la lluvia|un bosque nevado
un barco en el lago|los novios bailando|niños construyendo un castillo de arena|un plato de pasta
un cerezo en flor|la torre Eiffel de noche|un caballo en el campo|foto en blanco y negro de una calle
una selfi en la playa|un lago de montaña en verano|hojas de otoño en el parque|un bebé riendo
un árbol de Navidad con luces|un coche rojo en la carretera|un avión en el cielo
una bicicleta apoyada en una pared|una pizza con queso|un faro junto al mar|dos amigos de excursión
un cachorro dormido|flores en un jarrón|paella en la terraza|la familia en la cocina|un arcoíris sobre las colinas""",
    "zh": """雪地里的红色雪橇|孩子们在海滩上玩耍|一只猫在沙发上睡觉|山上的日落|一只狗在公园里奔跑|插着蜡烛的生日蛋糕
穿着宇航服的宇航员|木桌上的一杯咖啡|停在街上的摩托车|一位老奶奶的肖像|城市夜空中的烟花|一碗新鲜水果
在花园里的家庭野餐|火车驶过大桥|在雨中散步的人们|白雪覆盖的森林|湖上的小船|新郎新娘在跳舞|孩子们在堆沙堡
一盘意大利面|盛开的樱花树|夜晚的埃菲尔铁塔|草地上的一匹马|一只看着镜头的猫|街道的黑白照片|在海边自拍
夏天的高山湖泊|公园里的秋叶|一个正在笑的婴儿|挂满彩灯的圣诞树|路上的一辆红色汽车|天空中的飞机
靠在墙上的自行车|一块奶酪披萨|海边的灯塔|两个朋友在徒步|一只熟睡的小狗|城市的天际线|花瓶里的鲜花
长城|熊猫在吃竹子|一只猫|我的家人|山上的彩虹|奶奶在厨房里""",
    "ja": """雪の中の赤いそり|海辺で遊ぶ子供たち|ソファで眠る猫|山に沈む夕日|公園を走る犬|ろうそくが立った誕生日ケーキ
宇宙服を着た宇宙飛行士|木のテーブルの上のコーヒー|道に停めたバイク|おばあさんの肖像|夜の街の花火
新鮮な果物のボウル|庭で家族のピクニック|橋を渡る電車|雨の中を歩く人々|雪に覆われた森|湖に浮かぶボート
踊る新郎新婦|砂の城を作る子供たち|パスタの皿|満開の桜|夜のエッフェル塔|草原の馬|カメラを見つめる猫
白黒の街の写真|海辺での自撮り|夏の山の湖|公園の紅葉|笑っている赤ちゃん|ライトアップされたクリスマスツリー
道路の赤い車|空を飛ぶ飛行機|壁に立てかけた自転車|チーズピザ|海辺の灯台|ハイキングする二人の友達
眠っている子犬|都会の夜景|花瓶の花|日本の桜と富士山|お寿司とラーメン|京都のお寺|丘の上の虹""",
    "ru": """красные санки на снегу|дети играют на пляже|кошка спит на диване|закат над горами|собака бежит в парке
торт со свечами на день рождения|космонавт в скафандре|чашка кофе на деревянном столе|мотоцикл на улице
портрет пожилой женщины|салют над городом ночью|миска свежих фруктов|семейный пикник в саду
поезд едет по мосту|люди гуляют под дождём|заснеженный лес|лодка на озере|жених и невеста танцуют
дети строят замок из песка|тарелка макарон|цветущая вишня|Эйфелева башня ночью|лошадь в поле
чёрно-белое фото улицы|селфи на пляже|горное озеро летом|осенние листья в парке|смеющийся малыш
новогодняя ёлка с огнями|красная машина на дороге|самолёт в небе|велосипед у стены|пицца с сыром
маяк у моря|два друга в походе|спящий щенок|цветы в вазе|Красная площадь в Москве|радуга над холмами""",
    "ar": """زلاجة حمراء في الثلج|أطفال يلعبون على الشاطئ|قطة نائمة على الأريكة|غروب الشمس فوق الجبال
كلب يركض في الحديقة|كعكة عيد ميلاد مع شموع|رائد فضاء ببدلة الفضاء|فنجان قهوة على طاولة خشبية
دراجة نارية في الشارع|صورة لامرأة عجوز|ألعاب نارية فوق المدينة ليلا|وعاء من الفاكهة الطازجة
نزهة عائلية في الحديقة|قطار يعبر جسرا|أشخاص يمشون تحت المطر|غابة مغطاة بالثلج|قارب على البحيرة
العروس والعريس يرقصان|أطفال يبنون قلعة رملية|طبق من المعكرونة|شجرة كرز مزهرة|برج إيفل ليلا
حصان في الحقل|صورة بالأبيض والأسود لشارع|صورة سيلفي على الشاطئ|بحيرة جبلية في الصيف
أوراق الخريف في الحديقة|طفل يضحك|شجرة عيد الميلاد بالأضواء|سيارة حمراء على الطريق|طائرة في السماء
دراجة بجانب الجدار|بيتزا بالجبن|منارة بجانب البحر|صديقان في رحلة|جرو نائم|زهور في مزهرية
الأهرامات في مصر|قوس قزح فوق التلال""",
}


def corpus() -> list:
    phrases = [p.strip() for text in CORPUS.values() for line in text.splitlines() for p in line.split("|") if p.strip()]
    labels = [line.strip() for line in LABELS.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return phrases * 4 + [f"a photo of a {label}" for label in labels]


def canonical_vocab(vocab: list) -> list:
    """The trainer's output varies from run to run in ways that do not matter
    but change ids: pieces with (nearly) equal scores come in hash order, and
    the characters it appends at the end, to cover the alphabet, get scores
    stepping down by 1e-4 in hash order. Give those characters the same steps
    in code-point order, round every score, and sort ties by piece. Specials
    stay first."""
    head, learnt = vocab[:4], [list(e) for e in vocab[4:]]
    assert [p for p, _ in head] == SPECIALS
    i = len(learnt) - 1
    while i > 0 and learnt[i - 1][1] - learnt[i][1] <= 1.01e-4:
        i -= 1
    chars = sorted(p for p, _ in learnt[i:] if len(p) == 1)
    assert len(chars) > 1, learnt[i:]
    base = learnt[i][1]
    scores = {p: round(s, 6) for p, s in learnt}
    scores.update({p: round(base - 1e-4 * k, 6) for k, p in enumerate(chars)})
    return head + sorted(([p, s] for p, s in scores.items()), key=lambda e: (-e[1], e[0]))


def train_tokenizer(vocab_size: int, added: list, template: str, anchor: str) -> Tokenizer:
    """A SentencePiece-like Unigram tokenizer: specials 0..3 in fairseq order,
    then the learnt pieces, then `added` (special, e.g. language codes), then <mask>."""
    tok = Tokenizer(Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = UnigramTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, unk_token="<unk>", max_piece_length=8)
    tok.train_from_iterator(corpus(), trainer)
    spec = json.loads(tok.to_str())
    spec["model"]["vocab"] = canonical_vocab(spec["model"]["vocab"])
    tok = Tokenizer.from_str(json.dumps(spec))
    tok.add_special_tokens(added + ["<mask>"])
    assert [tok.token_to_id(t) for t in SPECIALS] == [0, 1, 2, 3]
    assert tok.token_to_id("<mask>") == tok.get_vocab_size() - 1
    tok.post_processor = processors.TemplateProcessing(
        single=f"{anchor} $A </s>", pair=template,
        special_tokens=[(anchor, tok.token_to_id(anchor)), ("</s>", 2)],
    )
    return tok


def write_tokenizer(name: str, out_dir: Path) -> None:
    if name == XLMR:
        tok = train_tokenizer(VOCAB_SIZE[name], [], "<s> $A </s> </s> $B </s>", "<s>")
        cfg = {"model_max_length": 512, "tokenizer_class": "XLMRobertaTokenizer"}
    else:
        tok = train_tokenizer(VOCAB_SIZE[name], list(FAIRSEQ_LANGUAGE_CODES), "eng_Latn $A $B </s>", DEFAULT_LANG)
        cfg = {"model_max_length": 1024, "tokenizer_class": "NllbTokenizer", "src_lang": DEFAULT_LANG, "tgt_lang": None,
               "additional_special_tokens": list(FAIRSEQ_LANGUAGE_CODES)}
    out_dir.mkdir(parents=True, exist_ok=True)
    tok.save(str(out_dir / "tokenizer.json"))
    cfg = {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "mask_token": "<mask>", "pad_token": "<pad>",
           "sep_token": "</s>", "unk_token": "<unk>", **cfg}
    (out_dir / "tokenizer_config.json").write_text(json.dumps(dict(sorted(cfg.items())), indent=2, ensure_ascii=False) + "\n")


def load_tokenizer(text_dir: Path, context_length: int) -> Tokenizer:
    """The saved tokenizer, configured as the runtime does: pad to and truncate at the context length."""
    tok = Tokenizer.from_file(str(text_dir / "tokenizer.json"))
    pad = json.loads((text_dir / "tokenizer_config.json").read_text())["pad_token"]
    tok.enable_padding(length=context_length, pad_id=tok.token_to_id(pad), pad_token=pad)
    tok.enable_truncation(max_length=context_length)
    return tok


def prepare_text(text: str, lang) -> str:
    text = " ".join(text.split())
    return text if lang is None else f"{lang}{text}"


class MultilingualCLIP(torch.nn.Module):
    """M-CLIP's text tower (github.com/FreddeFrallan/Multilingual-CLIP,
    multilingual_clip/pt_multilingual_clip.py), same attribute names and
    forward. M-CLIP builds its transformer with AutoModel, pooling layer
    included; its forward never uses the pooler, so it is left out here."""

    def __init__(self, config: XLMRobertaConfig, num_dims: int):
        super().__init__()
        self.transformer = XLMRobertaModel(config, add_pooling_layer=False)
        self.LinearTransformation = torch.nn.Linear(config.hidden_size, num_dims)

    def forward(self, input_ids, attention_mask):
        embs = self.transformer(input_ids=input_ids, attention_mask=attention_mask)[0]
        att = attention_mask
        embs = (embs * att.unsqueeze(2)).sum(dim=1) / att.sum(dim=1)[:, None]
        return self.LinearTransformation(embs)


def freeze(module):
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def strengthen_visual(visual) -> None:
    # As in make_test_model.py: at random init the class token and positions
    # dominate and every picture embeds alike.
    with torch.no_grad():
        visual.conv1.weight.mul_(100.0)
        visual.class_embedding.mul_(0.0)
        visual.positional_embedding.mul_(0.0)


@contextmanager
def local_hf_config(hf_name: str, config):
    """Answers open_clip's AutoConfig.from_pretrained(hf_name) with `config`, offline."""
    auto = open_clip.hf_model.AutoConfig
    original = auto.from_pretrained

    def from_pretrained(name, *args, **kwargs):
        assert name == hf_name, name
        return config

    auto.from_pretrained = from_pretrained
    try:
        yield
    finally:
        auto.from_pretrained = original


def create_clip(name: str, cfg: dict, preprocess: dict, seed: int):
    open_clip.factory._MODEL_CONFIGS[name] = json.loads(json.dumps(cfg))
    torch.manual_seed(seed)
    return open_clip.create_model(name, pretrained=None, pretrained_text=False, force_preprocess_cfg=preprocess)


def build_xlmr(vocab_size: int):
    """Returns (open_clip CLIP, of which only .visual is used; M-CLIP text tower; preprocess cfg)."""
    # Only the vision tower of this open_clip model is used (M-CLIP pairs its
    # text tower with an open_clip ViT); its throwaway text tower is built after
    # the vision tower, so does not change the vision weights.
    cfg = {**XLMR_CONFIG, "text_cfg": {"context_length": 77, "vocab_size": 8, "width": 8, "heads": 1, "layers": 1}}
    clip = freeze(create_clip(XLMR + "-visual", cfg, XLMR_PREPROCESS, SEEDS[XLMR]["visual"]))
    strengthen_visual(clip.visual)
    config = XLMRobertaConfig(
        vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=XLMR_CONFIG["text_cfg"]["context_length"] + 2, type_vocab_size=1,
        pad_token_id=1, bos_token_id=0, eos_token_id=2,
    )
    config._attn_implementation = "eager"
    torch.manual_seed(SEEDS[XLMR]["text"])
    text = MultilingualCLIP(config, XLMR_CONFIG["embed_dim"])
    with torch.no_grad():
        text.transformer.embeddings.word_embeddings.weight.mul_(20.0)
    return clip, freeze(text), open_clip.get_model_preprocess_cfg(clip)


def build_nllb(vocab_size: int):
    """Returns (open_clip CustomTextCLIP, preprocess cfg)."""
    config = M2M100Config(
        vocab_size=vocab_size, d_model=32, encoder_layers=2, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
        max_position_embeddings=NLLB_CONFIG["text_cfg"]["context_length"], activation_function="relu",
        scale_embedding=True, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
    )
    config._attn_implementation = "eager"
    # open_clip builds the vision tower, then the text tower, from this one seed.
    with local_hf_config(NLLB_CONFIG["text_cfg"]["hf_model_name"], config):
        model = create_clip(NLLB, NLLB_CONFIG, NLLB_PREPROCESS, SEEDS[NLLB])
    assert isinstance(model.text, open_clip.hf_model.HFTextEncoder)
    assert type(model.text.transformer).__name__ == "M2M100Encoder", type(model.text.transformer)
    freeze(model)
    strengthen_visual(model.visual)
    with torch.no_grad():
        # The pooled first token is always the same (eng_Latn); at random init
        # attention barely moves it and every text would embed alike (cosine
        # 1.0000). Strengthen the tokens and the attention's value path: texts
        # then spread out, and a language code changes the vector.
        model.text.transformer.embed_tokens.weight.mul_(20.0)  # the pad row stays zero
        for layer in model.text.transformer.layers:
            layer.self_attn.v_proj.weight.mul_(20.0)
            layer.self_attn.out_proj.weight.mul_(20.0)
    return model, open_clip.get_model_preprocess_cfg(model)


class Tower(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *x):
        return self.fn(*x)


def export(model, out: Path, dummies: tuple, input_names: list) -> None:
    """make_test_model.export, for graphs with several inputs (batch axis dynamic)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    axes = {n: {0: "batch"} for n in input_names + ["embedding"]}
    torch.onnx.export(model, dummies, str(out), input_names=input_names, output_names=["embedding"],
                      opset_version=18, dynamo=False, dynamic_axes=axes)
    import onnx
    mo = onnx.load(str(out), load_external_data=True)
    for f in out.parent.glob("*.data"):
        f.unlink()
    onnx.save(mo, str(out), save_as_external_data=False)


def rounded(v) -> list:
    return [float(f"{float(a):.7g}") for a in v]


def cosine_spread(vectors) -> dict:
    a = np.array(vectors)
    sims = a @ a.T
    off = sims[~np.eye(len(a), dtype=bool)]
    return {"min": round(float(off.min()), 4), "max": round(float(off.max()), 4)}


def make_model(name: str) -> dict:
    model_dir = FIXTURES / name
    if model_dir.exists():
        shutil.rmtree(model_dir)
    (model_dir / "visual").mkdir(parents=True)
    cfg = XLMR_CONFIG if name == XLMR else NLLB_CONFIG
    ctx = cfg["text_cfg"]["context_length"]
    write_tokenizer(name, model_dir / "textual")
    tok = load_tokenizer(model_dir / "textual", ctx)
    vocab = tok.get_vocab_size()

    if name == XLMR:
        clip, mclip, pre_cfg = build_xlmr(vocab)

        def encode_image(x):
            return clip.encode_image(x, normalize=True)

        def encode_text(ids, mask):
            return torch.nn.functional.normalize(mclip(ids.long(), mask.long()), dim=-1)

        dummies = (torch.ones(2, ctx, dtype=torch.int32), torch.ones(2, ctx, dtype=torch.int32))
        input_names = ["input_ids", "attention_mask"]
    else:
        clip, pre_cfg = build_nllb(vocab)

        def encode_image(x):
            return clip.encode_image(x, normalize=True)

        def encode_text(ids):
            return clip.encode_text(ids.long(), normalize=True)

        dummies = (torch.ones(2, ctx, dtype=torch.int32),)
        input_names = ["text"]

    (model_dir / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    (model_dir / "visual" / "preprocess_cfg.json").write_text(json.dumps(pre_cfg, indent=2) + "\n")
    size = cfg["vision_cfg"]["image_size"]
    m.export(Tower(encode_image), model_dir / "visual" / "model.onnx", torch.randn(2, 3, size, size), "image", True)
    export(Tower(encode_text), model_dir / "textual" / "model.onnx", dummies, input_names)

    # open_clip's own transform, from the preprocess_cfg.json just written.
    written = json.loads((model_dir / "visual" / "preprocess_cfg.json").read_text())
    preprocess = open_clip.image_transform(
        tuple(written["size"]), is_train=False, mean=written["mean"], std=written["std"],
        resize_mode=written["resize_mode"], interpolation=written["interpolation"], fill_color=written["fill_color"])

    vis = ort.InferenceSession(str(model_dir / "visual" / "model.onnx"))
    txt = ort.InferenceSession(str(model_dir / "textual" / "model.onnx"))
    gaps, diffs = [], []

    def check(v, onnx_v, what):
        cos = float(np.dot(v, onnx_v))
        assert cos >= 0.9999, f"{name}: export drifted on {what} (cosine {cos})"
        gaps.append(1.0 - cos)
        diffs.append(float(np.abs(v - onnx_v).max()))

    images = {}
    texts = []
    with torch.no_grad():
        for photo in PHOTO_FILES:
            x = preprocess(Image.open(PHOTOS / photo)).unsqueeze(0)
            v = encode_image(x)[0].numpy()
            check(v, vis.run(None, {"image": x.numpy()})[0][0], photo)
            images[photo] = rounded(v)

        batch = []
        seen = set()
        for text, lang in TEXTS:
            if name == NLLB:
                lang = lang or DEFAULT_LANG
            elif text in seen:
                continue  # a language code means nothing to XLM-R
            seen.add(text)
            enc = tok.encode(prepare_text(text, lang if name == NLLB else None))
            ids = np.array([enc.ids], dtype=np.int32)
            mask = np.array([enc.attention_mask], dtype=np.int32)
            assert ids.shape == (1, ctx)
            feeds = {"input_ids": ids, "attention_mask": mask} if name == XLMR else {"text": ids}
            v = encode_text(*(torch.from_numpy(a) for a in feeds.values()))[0].numpy()
            check(v, txt.run(None, feeds)[0][0], repr(text))
            batch.append((feeds, v))
            case = {"text": text}
            if name == NLLB:
                case["lang"] = lang
            case.update({"ids": enc.ids, "mask": enc.attention_mask, "vector": rounded(v)})
            texts.append(case)
        # The batch axis is dynamic: all the texts at once give the same vectors.
        feeds = {k: np.concatenate([f[k] for f, _ in batch]) for k in batch[0][0]}
        out = txt.run(None, feeds)[0]
        for (_, v), o in zip(batch, out):
            check(v, o, "batched texts")

    total = sum(f.stat().st_size for f in model_dir.rglob("*") if f.is_file())
    print(f"wrote {model_dir} ({total / 1e6:.2f} MB, vocab {vocab}); "
          f"image cosine {cosine_spread(list(images.values()))}, text cosine {cosine_spread([t['vector'] for t in texts])}; "
          f"max onnx cosine gap {max(gaps):.2e}")
    return {
        "embed_dim": cfg["embed_dim"],
        "context_length": ctx,
        "inputs": input_names,
        "pad_id": tok.token_to_id("<pad>"),
        "default_lang": DEFAULT_LANG if name == NLLB else None,
        "onnx_max_cosine_gap": float(f"{max(gaps):.3g}"),
        "onnx_max_abs_diff": float(f"{max(diffs):.3g}"),
        "image_pairwise_cosine": cosine_spread(list(images.values())),
        "text_pairwise_cosine": cosine_spread([t["vector"] for t in texts]),
        "texts": texts,
        "images": images,
    }


def main():
    torch.backends.mha.set_fastpath_enabled(False)
    ref = {
        "generator": "scripts/make_multilingual_fixtures.py",
        "reference": f"open_clip {open_clip.__version__}, transformers {transformers.__version__}, torch {torch.__version__}, "
                     f"Pillow {Image.__version__}",
        "tokenisation": "collapse whitespace runs to one space and strip; NLLB only: prepend the FLORES-200 code with no "
                        "space (default eng_Latn); encode, padded with the pad_token's id and truncated to "
                        "text_cfg.context_length",
        "photos": {},
    }
    for photo in PHOTO_FILES:
        img = Image.open(PHOTOS / photo)
        ref["photos"][photo] = {"sha256": m.sha256(PHOTOS / photo), "mode": img.mode, "size": list(img.size)}
    for name in (XLMR, NLLB):
        ref[name] = make_model(name)
    (FIXTURES / "multilingual-reference.json").write_text(json.dumps(ref, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
