"""Small report fixtures in each layout met in the wild, rendered from known values.

Each renderer writes the same figures the way one kind of scrape does (tab rows with merged-cell
gaps, one cell per line, labels broken across lines, markdown/pipe dialects, HTML grids with
rowspan/colspan, PDF text with footers and stacked labels, crawler text with glued digits), so a
test can assert that every layout gives back exactly the values it was made from.
"""

from __future__ import annotations

import random

COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total")

T3_2021 = [
    ("new_received", None, "一、本年新收政府信息公开申请数量"),
    ("carried_over", None, "二、上年结转政府信息公开申请数量"),
    ("granted", "三、本年度办理结果", "（一）予以公开"),
    ("partially_granted", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("denied_law_prohibited", None, "2.其他法律行政法规禁止公开"),
    ("denied_security_stability", None, "3.危及“三安全一稳定”"),
    ("denied_third_party", None, "4.保护第三方合法权益"),
    ("denied_internal_affairs", None, "5.属于三类内部事务信息"),
    ("denied_process_info", None, "6.属于四类过程性信息"),
    ("denied_enforcement_file", None, "7.属于行政执法案卷"),
    ("denied_inquiry", None, "8.属于行政查询事项"),
    ("unavailable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", None, "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", None, "3.补正后申请内容仍不明确"),
    ("rejected_petition", "（五）不予处理", "1.信访举报投诉类申请"),
    ("rejected_duplicate", None, "2.重复申请"),
    ("rejected_publication", None, "3.要求提供公开出版物"),
    ("rejected_excessive", None, "4.无正当理由大量反复申请"),
    ("rejected_confirmation", None, "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", None, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", None, "3.其他"),
    ("total_processed", None, "（七）总计"),
    ("carried_forward", None, "四、结转下年度继续办理"),
]
T3_2019 = T3_2021[:20] + [("other_processing", None, "（六）其他处理")] + T3_2021[23:]
RESULT_ROWS_2021 = [k for k, _, _ in T3_2021[2:-2]]
RESULT_ROWS_2019 = [k for k, _, _ in T3_2019[2:-2]]


def consistent_table3(seed: int = 0, fmt: str = "2021", big: bool = False) -> dict:
    """Random table 三 values that satisfy every reconciliation rule."""
    rnd = random.Random(seed)
    rows = RESULT_ROWS_2021 if fmt == "2021" else RESULT_ROWS_2019
    hi = 500 if big else 9

    def row(vals):
        return dict(zip(COLS, list(vals) + [sum(vals)]))

    t = {}
    results = {k: [rnd.choice([0, 0, rnd.randint(0, hi)]) for _ in range(6)] for k in rows}
    processed = [sum(results[k][c] for k in rows) for c in range(6)]
    forward = [rnd.randint(0, 3) for _ in range(6)]
    carried = [rnd.randint(0, 3) for _ in range(6)]
    new = [processed[c] + forward[c] - carried[c] for c in range(6)]
    for c in range(6):  # keep every cell non-negative
        if new[c] < 0:
            carried[c] += new[c]
            new[c] = 0
    t["new_received"] = row(new)
    t["carried_over"] = row(carried)
    for k in rows:
        t[k] = row(results[k])
    t["total_processed"] = row(processed)
    t["carried_forward"] = row(forward)
    return t


def table4(seed: int = 0) -> dict:
    rnd = random.Random(seed)
    out = {}
    for g in ("review", "litigation_direct", "litigation_after_review"):
        v = [rnd.randint(0, 30) for _ in range(4)]
        out[g] = dict(zip(("upheld", "corrected", "other", "pending", "total"), v + [sum(v)]))
    return out


T2_2021 = {"regulations": {"issued": 1, "repealed": 0, "in_force": 11},
           "normative_documents": {"issued": 8, "repealed": 26, "in_force": 66},
           "licensing": 447228, "punishment": 3985, "coercion": 88, "fees": 96171.6}


# ---------------------------------------------------------------------------------------------
# text layouts
# ---------------------------------------------------------------------------------------------

def _vals(t3, key, fmt_na=None):
    out = []
    for c in COLS:
        v = t3[key][c]
        out.append(fmt_na if v is None else str(v))
    return out


def table2_text(layout: str = "tab", t2: dict = T2_2021) -> str:
    r, n = t2["regulations"], t2["normative_documents"]
    rows = [
        ["第二十条第（一）项"],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", str(r["issued"]), str(r["repealed"]), str(r["in_force"])],
        ["行政规范性文件", str(n["issued"]), str(n["repealed"]), str(n["in_force"])],
        ["第二十条第（五）项"], ["信息内容", "本年处理决定数量"], ["行政许可", str(t2["licensing"])],
        ["第二十条第（六）项"], ["信息内容", "本年处理决定数量"], ["行政处罚", str(t2["punishment"])],
        ["行政强制", str(t2["coercion"])],
        ["第二十条第（八）项"], ["信息内容", "本年收费金额（单位：万元，保留4位小数）"],
        ["行政事业性收费", _num(t2["fees"])],
    ]
    if layout == "tab":
        return "\n".join("\t".join(row + [""] * (4 - len(row))) for row in rows)
    if layout == "cells":
        return "\n\n".join(cell for row in rows for cell in row)
    if layout == "pipe":
        return "\n".join("| " + " | ".join(row) + " |" + (" |" * (4 - len(row))) for row in rows)
    if layout == "glued":
        return "".join("".join(row) for row in rows)
    if layout == "spaced":
        return "\n".join(" ".join(row) for row in rows)
    raise ValueError(layout)


def _num(v):
    return str(int(v)) if float(v).is_integer() else str(v)


T3_HEAD_TAB = ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况\t\t\t\t\t\t总计\n"
               "\t自然人\t法人或其他组织\t\t\t\t\t\n"
               "\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t")
T3_HEAD_TEXT = ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n申请人情况\n自然人\n法人或其他组织\n总计\n"
                "商业企业\n科研机构\n社会公益组织\n法律服务机构\n其他")


def table3_text(t3: dict, layout: str = "tab", fmt: str = "2021", na: str = "-") -> str:
    spec = T3_2021 if fmt == "2021" else T3_2019
    lines = []
    if layout == "tab":
        lines.append(T3_HEAD_TAB)
        for key, group, label in spec:
            v = _vals(t3, key, na)
            if key in ("new_received", "carried_over", "carried_forward"):
                lines.append(label + "\t\t" + "\t".join(v) + "\t")
            else:
                lines.append((group or "") + "\t" + label + "\t" + "\t".join(v))
    elif layout == "cells":
        lines.append(T3_HEAD_TEXT)
        for key, group, label in spec:
            if group:
                lines.append(group)
            lines.append(label)
            lines.extend(_vals(t3, key, na))
        return "\n\n".join(lines)
    elif layout == "spaced":  # labels broken across lines, values space-separated
        lines.append(T3_HEAD_TEXT)
        for key, group, label in spec:
            if group:
                lines.append(group[:4] + "\n" + group[4:])
            text = label if len(label) < 22 else label[:20] + "\n" + label[20:]
            lines.append(text + " " + " ".join(_vals(t3, key, na)))
    elif layout == "pipe":
        lines.append("| " + T3_HEAD_TEXT.replace("\n", " | ") + " |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for key, group, label in spec:
            lines.append("| " + (group + " | " if group else "") + label + " | " + " | ".join(_vals(t3, key, na)) + " |")
    elif layout == "pipe-loose":  # "label | 1 | 2 |" with a junk run of pipes
        lines.append(T3_HEAD_TEXT.replace("\n", " | ") + " |")
        lines.append("|" * 300)
        for key, group, label in spec:
            lines.append((group + " | " if group else "") + label + " | " + " | ".join(_vals(t3, key, na)) + " |")
    elif layout == "glued":
        out = [T3_HEAD_TEXT.replace("\n", " ")]
        for key, group, label in spec:
            out.append((group + " " if group else "") + label + " " + "".join(_vals(t3, key, na)))
        return "".join(out)
    elif layout == "pdf":  # footers inside the table, group labels stacked one char per line
        lines.append(T3_HEAD_TEXT.replace("\n", " "))
        for i, (key, group, label) in enumerate(spec):
            v = " ".join(_vals(t3, key, na))
            if len(label) > 18:
                lines.append(label[:12])
                lines.append(v)
                lines.append(label[12:])
            else:
                lines.append(f"{label} {v}")
            if group:
                lines.extend(list(group[:3]))
            if i == 12:
                lines.append("- 4 -")
    elif layout == "pdf-centred":  # a long label's figures on the line above it (a PDF centres them in the row)
        lines.append(T3_HEAD_TEXT.replace("\n", " "))
        for key, group, label in spec:
            v = " ".join(_vals(t3, key, na))
            if group:
                lines.append(group)
            centred = len(label) > 10 and key not in ("new_received", "carried_over", "carried_forward")
            lines.extend([v, label] if centred else [f"{label} {v}"])
    else:
        raise ValueError(layout)
    return "\n".join(lines)


def table4_text(t4: dict, layout: str = "tab") -> str:
    head = ("行政复议\t\t\t\t\t行政诉讼\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉\n"
            "\t\t\t\t\t" + "\t".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2))
    vals = [str(t4[g][c]) for g in ("review", "litigation_direct", "litigation_after_review")
            for c in ("upheld", "corrected", "other", "pending", "total")]
    if layout == "tab":
        return head + "\n" + "\t".join(vals)
    if layout == "cells":
        return head.replace("\t", "\n") + "\n" + "\n".join(vals)
    if layout == "glued":
        return head.replace("\t", "").replace("\n", "") + "".join(vals)
    if layout == "spaced":
        return head.replace("\t", " ") + "\n" + " ".join(vals)
    raise ValueError(layout)


def report(t3: dict | None = None, t4: dict | None = None, layout: str = "tab", fmt: str = "2021",
           year: int = 2022, org: str = "某某镇人民政府", t2: dict = T2_2021, intro: str = "",
           narrative: str = "2022年我镇主动公开政府信息185条，其中工作动态90条。") -> str:
    t3 = t3 if t3 is not None else consistent_table3(1, fmt)
    t4 = t4 if t4 is not None else table4(1)
    t2_layout = layout if layout in ("tab", "cells", "pipe", "glued", "spaced") else "spaced"
    t4_layout = layout if layout in ("tab", "cells", "glued", "spaced") else "spaced"
    parts = [
        f"{org}{year}年政府信息公开工作年度报告",
        intro or "本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、"
                 "存在的主要问题及改进情况、其他需要报告的事项六部分组成。",
        "一、总体情况",
        narrative,
        "二、主动公开政府信息情况",
        table2_text(t2_layout, t2),
        "三、收到和处理政府信息公开申请情况",
        table3_text(t3, layout, fmt),
        "四、政府信息公开行政复议、行政诉讼情况",
        table4_text(t4, t4_layout),
        "五、存在的主要问题及改进情况",
        "公开内容还不够全面。",
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。",
    ]
    sep = "" if layout == "glued" else "\n"
    return sep.join(parts) if layout != "glued" else " ".join(parts)


def report_html(t3: dict, t4: dict, year: int = 2022, org: str = "某某市人民政府") -> str:
    """An HTML page with navigation chrome and tables using rowspan/colspan."""
    def tr(cells):
        return "<tr>" + "".join(cells) + "</tr>"

    rows = [tr(['<td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>',
                '<td colspan="7">申请人情况</td>']),
            tr(['<td rowspan="2">自然人</td>', '<td colspan="5">法人或其他组织</td>', '<td rowspan="2">总计</td>']),
            tr([f"<td>{x}</td>" for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")])]
    group_spans = {"三、本年度办理结果": 22, "（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3}
    for key, group, label in T3_2021:
        v = "".join(f"<td>{t3[key][c]}</td>" for c in COLS)
        if key in ("new_received", "carried_over", "carried_forward"):
            rows.append(tr([f'<td colspan="3">{label}</td>', v]))
            continue
        cells = []
        if key == "granted":
            cells.append('<td rowspan="22">三、本年度办理结果</td>')
        if group and group != "三、本年度办理结果":
            cells.append(f'<td rowspan="{group_spans[group]}">{group}</td>')
        if key in ("granted", "partially_granted", "total_processed"):
            cells.append(f'<td colspan="2">{label}</td>')
        else:
            cells.append(f"<td>{label}</td>")
        rows.append(tr(cells + [v]))
    t4v = "".join(f"<td>{t4[g][c]}</td>" for g in ("review", "litigation_direct", "litigation_after_review")
                  for c in ("upheld", "corrected", "other", "pending", "total"))
    t2 = T2_2021
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{org}{year}年政府信息公开工作年度报告_门户网站</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a>政府信息公开</a> &gt; 年报 一、总体情况 二、主动公开政府信息情况</div>
<div id="header">网站导航 行政复议 12 34 56</div>
<div class="article"><h1>{org}{year}年政府信息公开工作年度报告</h1>
<p>一、总体情况</p><p>2022年主动公开政府信息300余条。</p>
<p>二、主动公开政府信息情况</p>
<table><tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>1</td><td>0</td><td>11</td></tr><tr><td>行政规范性文件</td><td>8</td><td>26</td><td>66</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr><tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="3">{t2['licensing']}</td></tr><tr><td>行政处罚</td><td colspan="3">{t2['punishment']}</td></tr>
<tr><td>行政强制</td><td colspan="3">{t2['coercion']}</td></tr><tr><td>行政事业性收费</td><td colspan="3">{t2['fees']}</td></tr></table>
<p>三、收到和处理政府信息公开申请情况</p><table>{''.join(rows)}</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<table><tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td>
<td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr>{t4v}</tr></table>
<p>五、存在的主要问题及改进情况</p><p>还有不足。</p><p>六、其他需要报告的事项</p><p>无。</p></div>
<div class="footer">版权所有 网站地图</div><script>var x = "三、收到和处理政府信息公开申请情况 1 2 3";</script></body></html>"""
