"""The normalised `kind` of a narrative count, and the classifier that assigns it.

A narrative item's `category` is the phrase the report wrote (政策解读, 解读稿件, 图解 …); `kind` is
one of a small fixed taxonomy, so that counts can be aggregated across thousands of bodies. The
taxonomy is defined once, here (`KINDS`); `annotations/GUIDE.md` ("Kinds of narrative counts") and
`docs/kinds.md` describe it in words, with examples, and a test keeps the three in step.

The classifier is a logistic regression over character n-grams of the category, of the clause and
the sentence before the number, of the nearest heading (the part of the report the count is in), of
the text after the count and of the unit, plus the TOTAL flag and word cues with a few of their
conjunctions (`features`, `cues`). Two kinds the guide fixes outright are not asked of it
(`guide_kind`): the headline TOTAL is `disclosed_total`, outlets counted with 个 are `platforms`.
It is trained by `train_kinds` (in `xxgk.kinds_train`, `xxgk train-kinds`) and shipped as plain
JSON (`models/kinds.json`: vocabulary, idf, coefficients): loading it executes nothing, and
prediction is numpy only (`KindModel`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from xxgk.text import fold


@dataclass(frozen=True)
class Kind:
    name: str
    definition: str
    examples: str


KINDS: tuple[Kind, ...] = (
    Kind("disclosed_total", "the overall amount of information the body proactively disclosed in the year (the "
         "headline TOTAL, its restatements, the same total split by publishing unit, a cumulative total)",
         "全年主动公开政府信息171条; 各乡镇主动公开政府信息477条; 全文电子化的主动公开信息数共198条"),
    Kind("disclosed_by_channel", "items published through one channel: a website or portal, a 公开栏, news media, "
         "WeChat / Weibo / 抖音 / video accounts (posts, articles, 稿件, 短视频, 直播)",
         "通过市政府网站公开信息2100条; 微信公众号共编发文章1640篇; 其中原创文章294篇; 微博发布信息103条"),
    Kind("disclosed_by_topic", "items of one content category or field within what was disclosed (机构职能, 财政预决算, "
         "工作动态, 通知公告, 规划计划, 重点领域, 其他应主动公开的政府信息 …)",
         "工作动态类信息数量90条; 财政预决算类信息35条; 其他应主动公开的政府信息53条; 公开政府常务会议7期"),
    Kind("policy_documents", "documents published, issued, in force or repealed: 规范性文件, 政策文件, 规章, 部门文件, "
         "文件, 公文, 政策 (policies published as documents)",
         "制发行政规范性文件9件; 现行有效行政规范性文件253件; 政策、规范性文件类信息82条; 发布政策文件136份"),
    Kind("policy_interpretation", "interpretations of policies: 政策解读, 解读材料/稿件, 图解, 数字图文解读, policies "
         "explained",
         "发布政策解读9条; 解读类信息发布21条; 数字图文解读21条; 宣传解读了30余件最新政策"),
    Kind("platforms", "outlets the body runs: websites, new-media accounts, columns (栏目/专栏/主题) of a site",
         "政务新媒体33个; 微博29个; 2个政府网站; 新增社保等8个便民主题"),
    Kind("press_conferences", "press conferences, briefings and media interviews (新闻发布会, 吹风会, 采访)",
         "召开新闻发布会3次; 省级新闻发布会3次; 接受电视采访2次"),
    Kind("public_engagement", "interaction with the public: messages, consultations, complaints, 诉求, 意见征集, "
         "调查问卷, 在线访谈, 回应关切, 政府开放日, 舆情",
         "网友留言11条; 咨询投诉件15564件; 发布调查问卷4次; 组织在线访谈24场; 12333回应公众关切40000余次"),
    Kind("views", "audience figures: visits, page views, reads, plays, likes",
         "政府信息公开专栏访问量达108932人次; 阅读量达100余万次; 累计观看量303855次"),
    Kind("applications_received", "applications for disclosure received, accepted or carried over from the year "
         "before, also split by applicant or by channel",
         "全年收到政府信息公开申请34件; 上年结转政府信息公开申请2件; 涉及自然人72件; 网络申请19件"),
    Kind("applications_handled", "applications answered or closed and their outcomes (公开, 部分公开, 不予公开, "
         "无法提供, 不予处理, 撤销), or carried into next year",
         "本年度办结441件; 其中予以公开10件; 不予公开答复2件; 剩余26件结转下年度办理"),
    Kind("review_litigation", "行政复议 and 行政诉讼 cases about disclosure, and their outcomes",
         "行政复议案件2件; 涉及的行政诉讼数为0件; 维持结果1件; 未经复议直接诉讼0件"),
    Kind("administrative_matters", "administrative power and service items: 权力/责任清单事项, 政务服务事项, 办事指南 "
         "listed, service requests accepted, 行政许可/处罚 decisions, service-hall windows",
         "梳理行政权力事项3646项; 可全程在线办理政务服务事项109项; 共受理申请121510件(服务中心); 开设窗口26个"),
    Kind("other", "anything else: domains, units, rules and systems (制度), inspections and 通报, 建议提案, the "
         "pre-2019 counts of information made or classed 依申请公开 / 不予公开, report parts",
         "26个试点领域; 5项政府信息公开工作制度; 季度通报3次; 人大代表建议50件; 依申请公开信息数142条"),
)
KIND_NAMES: tuple[str, ...] = tuple(k.name for k in KINDS)

# ---------------------------------------------------------------------------------------------
# features: what the classifier reads about one count
# ---------------------------------------------------------------------------------------------

CONTEXT_BEFORE = 24  # characters of the clause before the number (the verb, the channel, 其中 …)
CONTEXT_AFTER = 8  # characters after the count (a following category: "33个政务新媒体")
SENTENCE_BEFORE = 60  # characters of the sentence before the number, across hard wraps and commas
HEADING_WINDOW = 600  # how far back the nearest heading (（二）依申请公开 …, 3.拓展载体) is looked for
HEADING_CHARS = 16  # characters of that heading's title kept
_CLAUSE = re.compile(r"[。；;！!？?\n]")
# a sentence ends at sentence punctuation or a paragraph break, not at a hard wrap inside it
_SENTENCE = re.compile(r"[。；;！!？?]|\n\s*\n|(?<![\u4e00-\u9fff\w，,、])\n")
# a heading: an enumerator at a line start or right after a sentence end, and its title up to
# the first punctuation (一、总体情况; （三）政府信息管理; 3.拓展载体。; 二是强化平台建设，)
_HEADING = re.compile(r"(?:^|(?<=[\n。；;！!？?]))[ \t\u3000#*]*"
                      r"(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、是]|\d{1,2}[.．、](?!\d))"
                      r"[ \t\u3000]*(?P<title>[^\n。；;！!？?，,：:]{2,})", re.M)


def _squash(s: str) -> str:
    return fold("".join(s.split()))


def heading_before(text: str, start: int) -> str:
    """The title of the nearest heading before `start` (within HEADING_WINDOW characters), squashed,
    at most HEADING_CHARS characters; "" when there is none."""
    lo = max(0, start - HEADING_WINDOW)
    last = None
    for m in _HEADING.finditer(text, lo, start):
        if m.start("title") < start:
            last = m
    if last is None:
        return ""
    return _squash(text[last.start("title"):min(last.end("title"), start)])[:HEADING_CHARS]


def _tail_before(text: str, start: int, chars: int, stop: re.Pattern) -> str:
    """The text before `start` back to the last match of `stop` (looked for within 2 * chars),
    squashed, its last `chars` characters."""
    seg = text[max(0, start - chars * 2):start]
    ends = [m.end() for m in stop.finditer(seg)]
    if ends:
        seg = seg[ends[-1]:]
    return _squash(seg)[-chars:]


def features(text: str, start: int, end: int, category: str | None, unit: str | None, total: bool) -> dict[str, str]:
    """The classifier's inputs for one narrative count, as strings (one per field).

    `before`: the clause before the number, cut at sentence punctuation or a line break, at most
    CONTEXT_BEFORE characters; `after`: up to CONTEXT_AFTER characters after the count, to the
    clause end; `sentence`: the sentence before the number (a hard wrap does not end it), at most
    SENTENCE_BEFORE characters; `heading`: the title of the nearest heading before the count (the
    part of the report it is in: 依申请公开, 行政复议, 平台建设, 推进财政资金信息公开 …).  Whitespace is
    removed and traditional / full-width forms folded.
    """
    before = _tail_before(text, start, CONTEXT_BEFORE, _CLAUSE)
    sentence = _tail_before(text, start, SENTENCE_BEFORE, _SENTENCE)
    after = text[end:end + CONTEXT_AFTER * 2]
    m2 = _CLAUSE.search(after)
    if m2:
        after = after[:m2.start()]
    after = _squash(after)[:CONTEXT_AFTER]
    cat, unit_ = _squash(category or ""), fold(unit or "")
    head = heading_before(text, start)
    return {"category": cat, "before": before, "after": after, "unit": unit_, "total": "T" if total else "F",
            "sentence": sentence, "heading": head, "cues": (cu := cues(cat, before, unit_, sentence, head, after)),
            "pairs": pairs(cu), "conj": " ".join(t for t in cu.split() if t.startswith("x:"))}


# word cues: hints the regression weighs (not rules), found in the category (c:…), in the clause
# before the number (b:…), in the sentence before it (s:…) and in the heading (h:…); with few
# examples of the rarer kinds they carry what n-grams cannot learn
CUES: dict[str, re.Pattern] = {name: re.compile(rx) for name, rx in (
    ("review", r"复议|诉讼"),
    ("interp", r"解读|图解|宣讲"),
    ("doc", r"文件|规章|法规|规范性|公文|政策"),
    ("channel", r"微信|微博|公众号|网站|门户|抖音|头条|媒体|视频号|公开栏|客户端|政务网|平台|渠道|载体|方式|形式"),
    ("column", r"栏目|专栏|主题|子站|网站群"),
    ("post", r"文章|稿件|原创|短视频|直播|报道|推送|编发"),
    ("apply", r"申请"),
    ("outcome", r"予以公开|同意公开|准予公开|部分公开|不予|无法提供|不存在|不属于|告知|撤销|办结|答复|结转下|转下|顺延|剩余"
                r"|维持|纠正|审结|结果|^公开$"),
    ("carry", r"上年|结转上"),
    ("views", r"访问|阅读|观看|点赞|浏览|粉丝|关注|人次"),
    ("press", r"发布会|吹风会|采访|通气会"),
    ("engage", r"留言|咨询|投诉|诉求|征集|问卷|访谈|回应|关切|舆情|开放日|互动"),
    ("matters", r"事项|办事指南|窗口|审批服务"),
    ("proposal", r"建议|提案"),
    ("active", r"主动公开"),
    ("total", r"总数|累计|全年|共"),
    ("among", r"其中|包括|分别"),
    ("misc", r"领域|单位|制度|通报|检查|部分|问题|举措"),
    ("applicant", r"自然人|企业|法人|组织|科研|法律服务"),
    ("field", r"信息公开|财政|预决算|重点领域|重大|项目|民生|环境|教育|卫生|安全"),
    ("classed", r"依申请公开(?:类)?信息|不予公开(?:类)?信息|免予公开"),
)}
GENERIC_CATEGORIES = {"", "信息", "政府信息", "政务信息", "各类信息", "工作信息"}
# units that count outlets or things rather than items published (政务新媒体33个, 8个栏目)
THING_UNITS = {"个", "家", "所"}


def cues(category: str, before: str, unit: str, sentence: str = "", heading: str = "", after: str = "") -> str:
    """The cue tokens of one count, space-separated: cues of the category (c:…), of the clause before
    the category (b:…; the whole clause before the number when the category is not in it), of the
    sentence before the number (s:…) and of its heading (h:…); `c:generic` for a category that names
    nothing in particular; the unit; and conjunctions a linear model cannot form itself (x:…):
    `generic+channel` / `generic+nochannel` (generic 信息 through an outlet, or a field's figure),
    `classed` (information classed 依申请公开 / 不予公开, a pre-2019 statistic), `named+channel` (a count that names a thing, in a clause that also names the outlet: the thing,
    not the channel), `outlets` (a thing unit, 个, with a channel or column named: the outlets
    themselves, not their posts), `review+outcome` / `apply+outcome` (an outcome in a sentence about
    行政复议/诉讼, or about applications)."""
    k = before.rfind(category) if category else -1
    context = before[:k] if k >= 0 else before
    out = [f"c:{k}" for k, rx in CUES.items() if rx.search(category)]
    out += [f"b:{k}" for k, rx in CUES.items() if rx.search(context)]
    out += [f"s:{k}" for k, rx in CUES.items() if rx.search(sentence)]
    out += [f"h:{k}" for k, rx in CUES.items() if rx.search(heading)]

    def outlet(s: str) -> bool:
        return bool(CUES["channel"].search(s) or CUES["column"].search(s))

    if category in GENERIC_CATEGORIES:
        out += ["c:generic", "x:generic+channel" if outlet(context) else "x:generic+nochannel"]
    elif not outlet(category) and outlet(context):
        out.append("x:named+channel")
    if CUES["classed"].search(before):
        out.append("x:classed")
    if unit in THING_UNITS and (outlet(category) if category else outlet(after)):
        out.append("x:outlets")
    if CUES["outcome"].search(category):
        if CUES["review"].search(sentence):
            out.append("x:review+outcome")
        elif CUES["apply"].search(sentence + heading):
            out.append("x:apply+outcome")
    out.append(f"u:{unit or '-'}")
    return " ".join(out)


PAIR_PREFIXES = ("c:", "b:", "u:", "x:", "h:")


def pairs(cue_tokens: str) -> str:
    """Every pair of the category, clause, heading, unit and conjunction cues (`c:outcome&b:review`):
    the interactions a linear model cannot form from single cues (an outcome under 行政复议 is a
    review case, under 申请 an application handled)."""
    toks = sorted({t for t in cue_tokens.split() if t.startswith(PAIR_PREFIXES)})
    return " ".join(f"{a}&{b}" for i, a in enumerate(toks) for b in toks[i + 1:])


FIELDS = ("category", "before", "after", "unit", "total", "sentence", "heading", "cues", "pairs", "conj")
WORD_FIELDS = ("cues", "pairs", "conj")  # analysed as space-separated tokens, not character n-grams


def words(s: str) -> list[str]:
    return s.split()


def analyzer(field: str, lo: int, hi: int):
    """How a field is cut into tokens: words for WORD_FIELDS, character n-grams otherwise."""
    if field in WORD_FIELDS:
        return words
    return lambda s: char_ngrams(s, lo, hi)


def char_ngrams(s: str, lo: int, hi: int) -> list[str]:
    """Character n-grams of `s` padded with spaces at both ends (sklearn's `char_wb` analyzer on one word)."""
    s = f" {s} "
    out: list[str] = []
    for n in range(lo, hi + 1):
        out += [s[i:i + n] for i in range(len(s) - n + 1)]
    return out


# ---------------------------------------------------------------------------------------------
# the shipped model: JSON, predicted with numpy
# ---------------------------------------------------------------------------------------------

MODEL_FORMAT = "xxgk-kinds/1"


class KindModel:
    """A fitted kind classifier read from JSON: per field a TF-IDF vocabulary (token → column) with
    idf, then one linear layer (multinomial logistic regression: softmax of X·Wᵀ + b)."""

    def __init__(self, data: dict):
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a kind model (format {data.get('format')!r}, expected {MODEL_FORMAT!r})")
        self.data = data
        self.classes: list[str] = list(data["classes"])
        unknown = [c for c in self.classes if c not in KIND_NAMES]
        if unknown:
            raise ValueError(f"kind model has classes outside the taxonomy: {unknown}")
        self.blocks = []
        idf = []
        offset = 0
        for b in data["blocks"]:
            vocab = {t: offset + i for i, t in enumerate(b["vocabulary"])}  # token → column of the whole matrix
            lo, hi = b["ngram_range"]
            self.blocks.append((b["field"], analyzer(b["field"], lo, hi), vocab, float(b.get("weight", 1.0))))
            idf.extend(b["idf"])
            offset += len(vocab)
        self.n_features = offset
        self.idf = np.asarray(idf, dtype=float)  # of every column, the blocks one after another
        self.coef = np.asarray(data["coef"], dtype=float)
        self.intercept = np.asarray(data["intercept"], dtype=float)
        self._coef_t = np.ascontiguousarray(self.coef.T)  # feature → class weights, rows gathered per item
        if self.coef.shape != (len(self.classes), self.n_features):
            raise ValueError(f"kind model: coef shape {self.coef.shape} != ({len(self.classes)}, {self.n_features})")

    def _entries(self, rows: Sequence[dict[str, str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The non-zero entries of the matrix the regression reads (what `kinds_train.make_vectorizer`
        computes; a row has a few hundred of the ~17,000 columns): row, column and value arrays, in row
        order.  Python only counts the tokens; the TF-IDF arithmetic runs once over all rows."""
        row_of: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        group_of: list[int] = []  # one group per (row, field): each is L2-normalised on its own
        group_weight: list[float] = []
        for r, row in enumerate(rows):
            for field, analyse, vocab, weight in self.blocks:
                hits: dict[int, int] = {}  # column → count of the tokens in the vocabulary
                get = vocab.get
                for token in analyse(row.get(field, "")):
                    column = get(token)
                    if column is not None:
                        hits[column] = hits.get(column, 0) + 1
                if not hits:
                    continue
                g = len(group_weight)
                group_weight.append(weight)
                cols.extend(hits)
                counts.extend(hits.values())
                row_of.extend([r] * len(hits))
                group_of.extend([g] * len(hits))
        col = np.asarray(cols, dtype=np.int64)
        val = (1.0 + np.log(np.asarray(counts, dtype=float))) * self.idf[col]  # sublinear tf
        grp = np.asarray(group_of, dtype=np.int64)
        norm = np.sqrt(np.bincount(grp, weights=val * val, minlength=len(group_weight)))
        val *= (np.asarray(group_weight) / np.where(norm > 0, norm, 1.0))[grp]
        return np.asarray(row_of, dtype=np.int64), col, val

    def transform(self, rows: Sequence[dict[str, str]]) -> np.ndarray:
        """Feature rows → the (dense) matrix the regression reads."""
        X = np.zeros((len(rows), self.n_features))
        r, c, v = self._entries(rows)
        X[r, c] = v
        return X

    def predict_proba(self, rows: Sequence[dict[str, str]]) -> np.ndarray:
        # X·Wᵀ summed over the non-zero entries only (the dense product costs more than the features)
        r, c, v = self._entries(rows)
        z = np.tile(self.intercept, (len(rows), 1))
        if len(r):  # the entries come in row order: sum each row's run of them at once
            starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
            z[r[starts]] += np.add.reduceat(v[:, None] * self._coef_t[c], starts, axis=0)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, rows: Sequence[dict[str, str]]) -> list[tuple[str, float]]:
        """(kind, probability) per row: the guide's decision (`guide_kind`) with confidence 1.0 where it
        makes one, the classifier's elsewhere."""
        if not rows:
            return []
        p = self.predict_proba(rows)
        k = p.argmax(axis=1)
        out = []
        for r, (i, row) in enumerate(zip(k, rows)):
            fixed = guide_kind(row)
            out.append((fixed, 1.0) if fixed else (self.classes[i], float(p[r, i])))
        return out


# Categories whose words alone fix the kind (annotations/GUIDE.md, "Deciding"): the thing counted is
# named, whatever the paragraph is about. First match wins. Only words no other kind counts: an
# audience figure, a 行政复议/行政诉讼 case, a 建议/提案 of deputies, a press conference.
GUIDE_CATEGORY_KINDS: tuple[tuple[str, re.Pattern], ...] = tuple((kind, re.compile(rx)) for kind, rx in (
    ("views", r"(?:访问|浏览|阅读|观看|点击|播放)(?:量|次数|人次)|点赞(?:量|数)?$|粉丝(?:量|数)?$"),
    ("review_litigation", r"复议|诉讼"),  # 行政复议, 行政诉讼, 复议后诉讼, 未经复议直接诉讼
    ("disclosed_total", r"全文电子化"),  # the pre-2019 restatement of the total: 全文电子化的主动公开信息数
    ("other", r"人大代表建议|政协(?:委员)?提案|建议提案"),
    ("press_conferences", r"新闻发布会|吹风会"),
))
# the pre-2019 statistics of information made (制作、获取政府信息总数) or classed 依申请公开 / 不予公开 (a
# class of information, not applications or their outcomes): `other`, by the guide
CLASSED_CATEGORY = re.compile(r"^(?:依申请公开|不[予子]公开|免予公开)(?:类)?(?:政府)?(?:信息)?(?:数)?$")
MADE_CLAUSE = re.compile(r"(?:制作|获取)、?(?:制作|获取)?(?:的)?政府信息(?:总数|数量?)?(?:为|共|达)?$")
# an outcome listed right after a count of 行政复议 / 行政诉讼 (收到行政复议1件,维持结果1件,尚未办结0件) is one
# of theirs: the clause before it names 复议 or 诉讼 after any 申请
OUTCOME_CATEGORY = re.compile(r"^(?:维持|纠正|结果|尚未|审结|其他情形)")
_REVIEW_OR_APPLICATION = re.compile(r"复议|诉讼|申请")


def guide_kind(row: dict[str, str]) -> str | None:
    """The kind annotations/GUIDE.md ("Deciding") fixes without weighing anything, or None:
    a TOTAL span is always `disclosed_total` (its category may be the channel it was published
    through); `个` of outlets (政务新媒体33个, 2个政府网站, 8个栏目: cue `x:outlets`) is `platforms`;
    a category naming what only one kind counts (`GUIDE_CATEGORY_KINDS`) is that kind; the pre-2019
    statistics of information made or classed 依申请公开 / 不予公开 are `other`; an outcome right after a
    count of 行政复议 / 行政诉讼 is `review_litigation`.
    These rows are left out of the classifier's training (`kinds_train.fit`)."""
    if row.get("total") == "T":
        return "disclosed_total"
    if "x:outlets" in row.get("cues", "").split():
        return "platforms"
    category = row.get("category", "")
    if "x:classed" in row.get("cues", "").split() and CLASSED_CATEGORY.search(category) \
            or MADE_CLAUSE.search(row.get("before", "")):
        return "other"
    for kind, rx in GUIDE_CATEGORY_KINDS:
        if rx.search(category):
            return kind
    if OUTCOME_CATEGORY.search(category) and \
            _REVIEW_OR_APPLICATION.findall(row.get("before", ""))[-1:] in (["复议"], ["诉讼"]):
        return "review_litigation"
    return None


def model_path() -> Path:
    return Path(str(resources.files("xxgk") / "models" / "kinds.json"))


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> KindModel | None:
    """The shipped kind model (or the one at `path`); None when there is none or it does not load."""
    p = Path(path) if path else model_path()
    try:
        return KindModel(json.loads(p.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def assign_kinds(text: str, items: list, model: KindModel | None = None) -> list:
    """Set `kind` and `kind_confidence` on narrative items (NarrativeCount) in place; returns them.
    Without a model both stay null."""
    model = model or load_model()
    if model is None or not items:
        return items
    rows = [features(text, n.start, n.end, n.category, n.unit, n.total) for n in items]
    for n, (kind, p) in zip(items, model.predict(rows)):
        n.kind = kind
        n.kind_confidence = round(p, 4)
    return items
