"""Synthetic annual reports with exact span labels (more signal than the hand labels).

Each document follows the template of a 政府信息公开工作年度报告 — chrome, title, the intro that
lists all six section names (not headers), sometimes a table of contents (not headers), the six
section headers in the wordings, enumerators and typos seen in the wild, narrative sentences
with counts and categories labelled as annotations/GUIDE.md says, sub-headers, tables (never
labelled) and numbers that are not counts (dates, money, durations, ordinals, document numbers).
"""

from __future__ import annotations

import random

from xxgk.tagger.examples import Example, drop_overlaps

ORGS = ["轵城镇人民政府", "开阳县市场监督管理局", "咸祥镇", "上海市科委", "淮安市人民政府", "平潭综合实验区管委会",
        "送庄镇人民政府", "某某县教育局", "市生态环境局", "区人力资源和社会保障局", "县卫生健康委员会", "市交通运输局",
        "街道办事处", "县自然资源局", "市财政局", "区民政局", "县住房和城乡建设局", "乡人民政府", "市统计局",
        "区应急管理局", "县农业农村局", "市公安局", "区审计局", "县水利局"]
SUBJ = ["我镇", "我局", "本机关", "我委", "我区", "我县", "我办", "本单位", "我街道", ""]

TITLES = {
    1: ["总体情况", "总体情况", "总体情况", "概述", "基本情况", "总体概况", "政府信息公开工作总体情况", "概况"],
    2: ["主动公开政府信息情况", "主动公开政府信息情况", "主动公开政府信息的情况", "主动公开情况", "主动公开政府信息"],
    3: ["收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请情况", "依申请公开政府信息情况",
        "收到和处理政府信息公开申请的情况", "政府信息公开申请情况"],
    4: ["政府信息公开行政复议、行政诉讼情况", "政府信息公开行政复议、行政诉讼情况", "政府信息公开行政法复议、行政诉讼情况",
        "因政府信息公开被申请行政复议、提起行政诉讼情况", "行政复议和行政诉讼情况", "政府信息公开行政复议和行政诉讼情况"],
    5: ["存在的主要问题及改进情况", "存在的主要问题及改进情况", "存在的问题及改进措施", "存在的主要问题和改进措施",
        "工作中存在的问题及改进情况"],
    6: ["其他需要报告的事项", "其他需要报告的事项", "其他事项", "其他需要报告事项"],
}
CN = "一二三四五六"

# categories: (core as labelled, fillers that may follow it in the text)
CATS = ["工作动态", "政务动态", "通知公告", "政策文件", "政策解读", "人事", "财政", "规范性文件", "党务公开",
        "其他", "重点领域", "民生", "办事指南", "征地信息公开", "重大建设项目", "信息公开指南", "规章文件", "在线访谈",
        "省级新闻发布会", "政府信息公开工作年度报告", "涉及教育的政府信息", "依申请公开政府信息", "部门预决算", "图片新闻", "部门动态", "乡镇动态", "公示公告", "政策法规", "规划计划",
        "财政预决算", "招标采购", "公共服务", "为民办实事", "统计数据", "应急管理", "政府会议", "人事任免",
        "扶贫", "最新动态", "信息", "政务信息", "机构职能", "行政执法", "建议提案办理结果", "政府信息",
        "其他政府信息", "基层政务公开领域", "互动回应", "预算决算", "应急预案", "服务事项", "党政要闻和政务资讯"]
CAT_SUFFIX = ["", "", "类信息", "类", "信息", "类信息数量", "数量", "信息数量"]
CAT_PREFIX = ["", "", "", "各类", "相关", "有关"]
CHANNELS = ["", "", "通过政府网站", "在门户网站", "通过微信公众号", "在政务新媒体", "通过政务公开专栏",
            "在各类公开载体", "通过“政务公开”栏目"]
VERBS = ["发布", "公开", "主动公开", "更新", "发布", "推送", "编发"]
UNITS = ["条"] * 8 + ["篇", "期", "件", "个", "次", "份", "项"]
N_THINGS = [("个", "政务新媒体"), ("个", "公开栏"), ("个", "政务服务事项"), ("个", "依申请公开"), ("场", "新闻发布会"),
            ("次", "培训"), ("期", "简报"), ("个", "公开专栏"), ("部", "政务热线")]
NOT_COUNTS = ["{y}年{m}月{d}日", "20个工作日", "15个工作日内", "3天", "第{k}次", "{m}月", "400元", "{k}万元", "{k}%",
              "〔{y}〕{k}号", "0851-8725{k:04d}", "第{k}季度", "三级", "{k}小时", "{k}岁", "{k}层"]


def _num(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.55:
        return str(rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(1000, 9999)]))
    if r < 0.65:
        return f"{rng.randint(1, 9)},{rng.randint(0, 999):03d}"
    if r < 0.75:
        return f"{rng.randint(1, 9)}.{rng.randint(1, 9)}万"
    if r < 0.9:
        return str(rng.randint(1, 99) * 10) + rng.choice(["余", "多"])
    return str(rng.randint(1, 500)) + " "


class Doc:
    """A document under construction: text pieces with labelled spans."""

    def __init__(self):
        self.parts: list[str] = []
        self.n = 0
        self.spans: list[tuple[int, int, str]] = []

    def add(self, s: str, label: str | None = None):
        if label and s:
            self.spans.append((self.n, self.n + len(s), label))
        self.parts.append(s)
        self.n += len(s)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _count(doc: Doc, rng: random.Random, label: str = "COUNT", unit: str | None = None):
    pre = rng.choice(["", "", "", "约", "近", "共", "共计", "累计", "达"])
    doc.add(pre)
    n = _num(rng)
    u = unit or rng.choice(UNITS)
    tail = rng.choice(["", "", "", "", "左右", "以上"]) if "余" not in n and "多" not in n else ""
    doc.add(n + u + tail, label)


# what annotations/GUIDE.md calls generic: a count of these through a named channel takes the channel
GENERIC = ("信息", "政务信息", "政府信息")


def _channel(doc: Doc, ch: str, verb: str, label: bool):
    """`通过政府网站` + verb: the channel's name (without 通过/在 and a leading 各类) is the CATEGORY when
    `label` (the count names nothing but generic 信息), as annotations/GUIDE.md says."""
    intro = ""
    for w in ("通过", "在"):
        if ch.startswith(w):
            intro, ch = w, ch[len(w):]
    if ch.startswith("各类"):
        intro, ch = intro + "各类", ch[2:]
    doc.add(intro)
    doc.add(ch, "CATEGORY" if label and ch else None)
    doc.add(verb)


def _category(doc: Doc, rng: random.Random, core: str | None = None, channel: bool = False):
    core = core or rng.choice(CATS)
    prefix = rng.choice(CAT_PREFIX)
    suffix = "" if core.endswith("信息") else rng.choice(CAT_SUFFIX)
    doc.add(prefix)
    doc.add(core, None if channel and core in GENERIC else "CATEGORY")
    doc.add(suffix)


def _narrative(doc: Doc, rng: random.Random, year: int, total: bool):
    """One paragraph with a headline total and a breakdown, or a loose count sentence."""
    subj = rng.choice(SUBJ)
    kind = rng.random()
    if total and kind < 0.7:
        doc.add(rng.choice([f"{year}年，", f"{year}年度，", "全年", "本年度，", ""]) + subj)
        ch = rng.choice(CHANNELS)
        gov = rng.random() < 0.4
        core = GOV_INFO_CAT[0] if gov else rng.choice(CATS)
        _channel(doc, ch, rng.choice(["", "共", "累计"]) + rng.choice(VERBS), label=bool(ch) and core in GENERIC)
        if gov:
            doc.add(GOV_INFO_CAT[0], None if ch else "CATEGORY")
            doc.add(GOV_INFO_CAT[1] + rng.choice(["", "总数"]))
        else:
            _category(doc, rng, core, channel=bool(ch))
        _count(doc, rng, "TOTAL")
        doc.add(rng.choice(["，其中", "。其中，", "，其中：", "，包括", "，"]))
        for i in range(rng.randint(1, 5)):
            if i:
                doc.add(rng.choice(["，", "；", "、", "，"]))
            if rng.random() < 0.1:  # a channel and a count, nothing else named: the channel is the CATEGORY
                doc.add(rng.choice(["重点领域信息公开栏目", "政务公开专栏", "门户网站", "微信公众号"]), "CATEGORY")
                doc.add(rng.choice(VERBS))
                _count(doc, rng)
                continue
            core = rng.choice(CATS)
            ch = rng.choice(CHANNELS[2:]) if rng.random() < 0.2 else ""
            if ch:
                _channel(doc, ch, rng.choice(VERBS), label=core in GENERIC)
            _category(doc, rng, core, channel=bool(ch))
            _count(doc, rng)
        doc.add(rng.choice(["。", "。", "等。"]))
    elif kind < 0.8:
        u, thing = rng.choice(N_THINGS)
        doc.add(rng.choice([f"{year}年，", "", "目前，"]) + subj + rng.choice(["开通", "设置", "收到", "召开", "开展", "建立"]))
        _count(doc, rng, unit=u)
        doc.add(thing, "CATEGORY")
        doc.add(rng.choice(["。", "，运行良好。", "，均按时办结。"]))
    elif kind < 0.9:
        doc.add(subj + rng.choice(["共收到", "全年受理", "本年度收到"]))
        core = rng.choice(["政府信息公开申请", "依申请公开", "申请", "信息公开申请"])
        doc.add(core, "CATEGORY")
        _count(doc, rng, unit=rng.choice(["件", "件", "条", "份"]))
        doc.add(rng.choice(["，均在法定期限内答复。", "，已全部办结。", "。"]))
    else:
        doc.add(subj + rng.choice(["组织开展", "举办", "参加"]))
        doc.add(rng.choice(["业务培训", "培训", "专题培训", "政务公开培训"]), "CATEGORY")
        _count(doc, rng, unit=rng.choice(["次", "场", "期"]))
        doc.add("，")
        doc.add("参训人员", "CATEGORY")
        doc.add(str(rng.randint(20, 500)) + "人次", "COUNT")
        doc.add("。")


# how "政府信息" before a headline total is labelled (the fixtures keep 政府信息 whole)
GOV_INFO_CAT = ("政府信息", "")


def _filler(rng: random.Random, year: int) -> str:
    s = rng.choice([
        "{y}年，{o}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，不断深化政务公开。",
        "严格落实保密审查机制，坚持“先审查、后公开”和“一事一审”原则，全年未发生泄密事件。",
        "按照“谁主管、谁负责”的原则，进一步规范信息发布流程，确保信息发布及时、准确。",
        "截至{y}年12月31日，办理时限为{k}个工作日，未收取任何费用。",
        "我单位于{y}年{m}月{d}日召开专题会议，研究部署政务公开工作。",
        "根据《关于做好{y}年政务公开工作的通知》（〔{y}〕{k}号）要求，落实各项任务。",
        "咨询电话：0851-8725{k:04d}，办公地址：人民路{k}号。",
        "本年度行政事业性收费为0元，信息处理费0万元。",
        "政府网站访问量同比增长{k}%，群众满意度达到98%以上。",
        "成立了由主要负责同志任组长的政务公开工作领导小组，明确专人负责。",
        "进一步加强政策解读，采用图片、视频等形式，提高政策知晓率。",
        "第{k}次会议审议通过了相关制度。",
    ])
    return s.format(y=year, o=rng.choice(ORGS), k=rng.randint(1, 60), m=rng.randint(1, 12), d=rng.randint(1, 28))


def _table(rng: random.Random, sec: int) -> str:
    sep = rng.choice(["\t", " | ", "|", "\n", " "])
    rows = {2: [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章"], ["行政规范性文件"],
                ["信息内容", "本年处理决定数量"], ["行政许可"], ["行政处罚"], ["行政强制"],
                ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费"]],
            3: [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
                ["一、本年新收政府信息公开申请数量"], ["二、上年结转政府信息公开申请数量"],
                ["三、本年度办理结果", "（一）予以公开"], ["（二）部分公开"], ["（三）不予公开", "1.属于国家秘密"],
                ["四、结转下年度继续办理"]],
            4: [["行政复议", "行政诉讼"], ["维持", "纠正", "其他结果", "尚未审结", "总计"], []]}[sec]
    lines = []
    for r in rows:
        cells = list(r) + [str(rng.choice([0, 0, 0, rng.randint(0, 300)])) for _ in range(rng.randint(1, 7))]
        if rng.random() < 0.1:
            cells[-1] = rng.choice(["-", "/", "—", ""])
        lines.append(sep.join(cells) if sep != "\n" else "\n".join(cells))
    if sep.strip() == "|":
        lines = ["| " + ln + " |" for ln in lines]
    return "\n".join(lines)


def _header(doc: Doc, rng: random.Random, num: int, style: str, typo_ok: bool, year: int = 2022):
    title = rng.choice(TITLES[num]) if typo_ok else TITLES[num][0]
    if num in (1, 2) and rng.random() < 0.12:  # "一、2023年政务公开总体情况"
        title = f"{year}年" + rng.choice(["", "度"]) + rng.choice(["政务公开", "政府信息公开工作", ""]) + (
            "总体情况" if num == 1 else "主动公开政府信息情况")
    lead = rng.choice(["", "", "", "## ", "# ", "  ", "\u3000\u3000", "**"])
    doc.add(lead)
    if style == "cn":
        enum = CN[num - 1] + rng.choice(["、", "、", "、", ".", "，", "．"])
    elif style == "paren":
        enum = f"（{CN[num - 1]}）"
    elif style == "digit":
        enum = f"{num}" + rng.choice(["、", ".", "．"])
    elif style == "part":
        enum = f"第{CN[num - 1]}部分 "
    else:
        enum = ""
    if rng.random() < 0.05 and len(title) > 6:  # broken over two lines
        k = rng.randint(2, len(title) - 2)
        title = title[:k] + "\n" + title[k:]
    doc.add(enum + title, "SECTION")
    doc.add(rng.choice(["\n", "\n", "\n\n", "\n", "：\n", " \n"]) if rng.random() > 0.07 else "")


def synth_doc(rng: random.Random, idx: int = 0):
    """→ (text, spans)"""
    doc = Doc()
    year = rng.randint(2015, 2024)
    org = rng.choice(ORGS)
    if rng.random() < 0.4:
        for c in rng.sample(CHROME_LINES, rng.randint(1, 3)):
            doc.add(c + "\n")
    if rng.random() < 0.15:  # a page-chrome duplicate header before the title (not a SECTION)
        doc.add(f"一、{TITLES[1][0]}\n")
    doc.add(f"{org}{year}年政府信息公开工作年度报告\n" if rng.random() < 0.8 else f"{year}年{org}政府信息公开工作年度报告\n")
    if rng.random() < 0.3:
        doc.add(f"发布时间：{year + 1}-01-{rng.randint(10, 31)}\n")
    doc.add("本报告根据《中华人民共和国政府信息公开条例》要求编制。")
    if rng.random() < 0.6:
        doc.add("本报告" + rng.choice(["包括", "由", "内容包括"]) + "、".join(TITLES[n][0] for n in range(1, 7))
                + rng.choice(["等六个部分。", "组成。", "六部分。"]))
    doc.add(f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。\n")
    if rng.random() < 0.12:  # a table of contents: not headers
        for n in range(1, 7):
            doc.add(f"{CN[n - 1]}、{TITLES[n][0]}{'…' * rng.randint(4, 12)}{n}\n")
    style = rng.choices(["cn", "paren", "digit", "part", "none"], [0.78, 0.06, 0.07, 0.04, 0.05])[0]
    typo_ok = rng.random() < 0.5
    present = list(range(1, 7))
    if rng.random() < 0.1:
        present.remove(rng.choice(present))
    for num in present:
        _header(doc, rng, num, style, typo_ok, year)
        if num == 1:
            subs = rng.random() < 0.5
            for k in range(rng.randint(1, 4)):
                if subs:
                    doc.add(f"（{CN[k]}）" + rng.choice(["主动公开", "依申请公开", "政府信息管理", "平台建设", "监督保障",
                                                       "主动公开情况", "依申请公开情况"]) + rng.choice(["\n", "。", ""]))
                if rng.random() < 0.4:
                    doc.add(_filler(rng, year))
                _narrative(doc, rng, year, total=(k == 0))
                if rng.random() < 0.5:
                    doc.add(_filler(rng, year))
                if rng.random() < 0.3:
                    nc = rng.choice(NOT_COUNTS).format(y=year, k=rng.randint(1, 99), m=rng.randint(1, 12),
                                                      d=rng.randint(1, 28))
                    doc.add(rng.choice(["办理期限为", "截至", "收费", "编号", "同比增长", "联系电话："]) + nc + "。")
                doc.add("\n")
        elif num in (2, 3, 4):
            if rng.random() < 0.85:
                doc.add(_table(rng, num) + "\n")
            if rng.random() < 0.15:
                _narrative(doc, rng, year, total=False)
                doc.add("\n")
        else:
            for _ in range(rng.randint(1, 3)):
                doc.add(_filler(rng, year))
                if rng.random() < 0.3:
                    _narrative(doc, rng, year, total=False)
            doc.add("\n")
    return doc.text, sorted(doc.spans)


CHROME_LINES = ["索引号：11410000MB0000000X/2022-00001", "发布机构：人民政府办公室", "打印本页 关闭窗口",
                "【字体：大 中 小】", "首页 > 政务公开 > 年度报告", "您当前的位置：首页 > 信息公开 > 年度报告",
                "标  题：政府信息公开工作年度报告"]


def synth_examples(n: int, seed: int = 0):

    rng = random.Random(seed)
    out = []
    for i in range(n):
        text, spans = synth_doc(rng, i)
        spans = [(a, b, lab) for a, b, lab in spans if 0 <= a < b <= len(text)]
        out.append(Example(f"synth-{seed}-{i}", text, drop_overlaps(spans), "synthetic"))
    return out
