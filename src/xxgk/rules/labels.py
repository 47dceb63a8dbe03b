"""Every Chinese label xxgk recognises, and its variants, in one table.

All patterns are matched against the *compact match view* of the text (see `text.py`):
simplified characters, full-width forms folded to ASCII (（ → (, ： → :, ０ → 0), whitespace,
pipes and injected pinyin removed.  Keep patterns short and distinctive: labels in scraped
tables are broken across lines, stacked one character per line, or glued to numbers, and a
short key survives all of that.  Patterns must be linear-time (no nested quantifiers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


def wrap_tolerant(pattern: str) -> str:
    """`pattern` with an optional line break allowed between two Chinese characters of a word, outside
    character classes and look-behinds: a hard wrap can fall inside 发布 or 微信公众号, and the words
    still count."""
    out: list[str] = []
    in_class = escaped = False
    prev_cjk = False
    groups: list[bool] = []  # per open group: is it a look-behind (which must keep a fixed width)
    for i, ch in enumerate(pattern):
        fixed = any(groups)
        cjk = "\u4e00" <= ch <= "\u9fff" and not in_class and not escaped and not fixed
        if cjk and prev_cjk:
            out.append("\n?")
        out.append(ch)
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            groups.append(pattern.startswith(("(?<=", "(?<!"), i))
        elif ch == ")" and groups:
            groups.pop()
        prev_cjk = cjk
    return "".join(out)

# ---------------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------------


# An enumerator before a section title: 一、 / 一. / 一， / (一) / 1. / 1、 / 第一部分 / 第一章
SECTION_ENUM = r"(?:第?([一二三四五六七])(?:部分|章)?[、.,:;]*|\(([一二三四五六七])\)[、.]*|([1-7])[、.](?!\d))"
# what makes such a numeral a table's number, not a section's (表二：主动公开政府信息情况, 附表1.): a
# caption of the template's table, on the compact text right before the enumerator
TABLE_CAPTION_BEFORE = r"(?:附?表)$"


@dataclass(frozen=True)
class SectionSpec:
    number: int
    key: str
    title: str
    strong: str  # the template's own wording (tolerant of small variants and typos)
    weak: str  # looser wordings seen in the wild


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(1, "overview", "总体情况",
                strong=r"(?:\d{4}年(?:度)?)?(?:政府信息公开|政务公开)?(?:工作)?总体情况",
                weak=r"(?:政府信息公开工作的?)?(?:基本|总体)概况|概述|基本情况"),
    SectionSpec(2, "active_disclosure", "主动公开政府信息情况",
                strong=r"(?:行政机关)?主动公开政府信息(?:的)?情况",
                weak=r"主动公开(?:政府信息|政务信息|信息)?(?:工作)?(?:的)?情况"),
    SectionSpec(3, "applications", "收到和处理政府信息公开申请情况",
                strong=r"(?:行政机关)?收到和处理政府信息公开申请(?:的)?(?:情况)?",
                weak=r"(?:依申请公开政府信息|政府信息公开申请|(?:政府信息)?依申请公开(?:工作)?)(?:的)?(?:办理)?情况"),
    SectionSpec(4, "review_litigation", "政府信息公开行政复议、行政诉讼情况",
                strong=r"(?:因?政府信息公开(?:工作)?(?:被?申请)?)?行政法?复议[、,和及与]?(?:提起)?行政诉讼(?:的)?(?:情况)?",
                weak=r"(?:被申请行政复议|行政复议(?:情况)?|申请行政复议)[、,和及与]?(?:提起行政诉讼)?(?:的)?情况"),
    SectionSpec(5, "problems", "存在的主要问题及改进情况",
                strong=r"(?:政府信息公开工作)?存在的?(?:主要)?问题(?:及|和|与)(?:改进|整改)(?:情况|措施)?",
                weak=r"(?:主要)?问题(?:及|和|与)(?:改进|整改)(?:情况|措施)|存在(?:的)?(?:主要|突出)?问题"),
    SectionSpec(6, "other", "其他需要报告的事项",
                strong=r"其他需要报告的事项",
                weak=r"其他(?:需要?|应当)?(?:报告|说明)(?:的)?事项|其他事项"),
)

# the six titles as bare Chinese characters (to compare with a header's words, whatever its spacing)
SECTION_TITLE_CHARS: tuple[str, ...] = tuple(re.sub(r"[^\u4e00-\u9fff]", "", s.title) for s in SECTIONS)

# words that introduce the sentence listing all six section names (not headers)
SECTION_LIST_INTRO = re.compile(r"(?:包括|包含|由|分为|内容为|组成|含)[^。\n]{0,6}$")
# a table-of-contents line: dotted leaders followed by a page number
TOC_TAIL = re.compile(r"^[.·…\-—_ ]{4,}\d+")

# ---------------------------------------------------------------------------------------------
# meta
# ---------------------------------------------------------------------------------------------

_ORG_CHARS = r"[^\s\d<>《》:：|,，。；;、“”\"'!?！？\[\]【】]"
# a title from its year on (the year, the body's name when it follows, the report's name)
_TITLE_TAIL = (rf"(?P<year>(?:19|20)\d{{2}})\s*年\s*度?\s*"
               rf"(?P<org2>{_ORG_CHARS}{{0,40}}?)(?:政府信息公开|政务公开|政务信息公开|信息公开)"
               r"(?:工作)?(?:开展)?(?:年度)?(?:工作)?报告")
TITLE_ORG_MAX_CHARS = 40  # the longest body's name before the year (org1)
TITLE = re.compile(rf"(?P<org1>{_ORG_CHARS}{{0,{TITLE_ORG_MAX_CHARS}}}?)\s*{_TITLE_TAIL}")
_TITLE_FROM_YEAR = re.compile(_TITLE_TAIL)


def title_matches(s: str) -> Iterator[re.Match[str]]:
    """`TITLE.finditer(s)`, without trying every position of a long line: a match holds a year where
    `_TITLE_FROM_YEAR` matches, and starts at most TITLE_ORG_MAX_CHARS characters (and blanks) before
    it, so the search for the next match starts there (one-line bodies run to thousands of characters,
    and the lazy name before the year made the plain scan the slowest step of the rules)."""
    pos = 0
    while pos <= len(s):
        anchor = _TITLE_FROM_YEAR.search(s, pos)
        if anchor is None:
            return
        ws = anchor.start()
        while ws > pos and s[ws - 1].isspace():
            ws -= 1
        m = TITLE.search(s, max(pos, ws - TITLE_ORG_MAX_CHARS))
        if m is None:
            return
        yield m
        pos = m.end() if m.end() > m.start() else m.end() + 1


# a page's links under an article: the previous and next ones (上一篇：XX县2021年…年度报告), and the heading of
# a list of related ones; none of them is the report's title, nor are the years they name its year
_PREV_NEXT = r"上一篇|下一篇|上一条|下一条|上篇|下篇"
_LINKS_HEADING = r"相关链接|相关文章|相关阅读|相关推荐|相关新闻|相关文件|推荐阅读|延伸阅读|热点推荐|往期回顾"
LINK_LINE = re.compile(rf"^\s*[【\[]?(?:{_PREV_NEXT})")
LINKS_HEADING = re.compile(rf"^\s*[【\[]?(?:{_LINKS_HEADING})")
LINKS_START = re.compile(rf"(?m)^[ \t\u3000]*[【\[]?(?:{_PREV_NEXT}|{_LINKS_HEADING})")  # never across lines
# section 二's header, wherever it stands (a one-line body too): a report's title stands before it (not
# always before section 一's: a page may repeat 一、总体情况 above the title as a heading)
SECOND_SECTION = re.compile(r"二\s*[、.．]\s*主动公开")
_TITLE_WORD = r"(?:标题|标\s*题|题目|title)"
TITLE_PREFIX = re.compile(rf"^{_TITLE_WORD}\s*[:：|]?\s*")
# a labelled heading line (a crawler's metadata "标题: …"); group 1 is the heading
HEADING_LINE = re.compile(rf"^\s*{_TITLE_WORD}\s*[:：]\s*(.+)$", re.M)
# words of a sentence that mentions the title ("现公布XX局2023年…报告"): the body's name follows them
TITLE_VERBS = re.compile(r"公布|发布|编制(?:了|并)?|现将|特此|印发|制定|要求|根据|按照|结合实际|向社会")
GENERIC_ORG = re.compile(r"^(?:本单位|本机关|本部门|本级|我[局镇乡委办厅市县区街]|我单位|本)$")
# an administrative division: a name cut off before one is a place name cut in two (meta: 武汉|市公安局)
DIVISION_CHAR = re.compile(r"[省市县区镇乡街村旗州盟]")
# the ends of a body's name that name no body on their own
GENERIC_BODY_NAMES = frozenset({"人民政府", "办公室", "管委会", "管理委员会", "办事处", "委员会"})
# a heading naming another kind of document (a letter, a notice, a guide, a work summary, a tender):
# such a page is filed under 年报 on many sites but is not a report
OTHER_DOCUMENT_HEADING = re.compile(r"的函$|通知$|指南$|公告$|方案$|工作总结|工作要点|分解表|思路$|需求$|意见$|决定$|目录$")
REPORT_SELF_REFERENCE = re.compile(r"本(?:年度)?报告(?:由|是|根据|依据|按照|所列|中所列|内容|包括)")
INTERPRETATION = re.compile(r"解读|图解|一图读懂|图读|读懂|答记者问|问答")
PUBLISHED_LABEL = re.compile(
    r"(?:发布时间|发布日期|发文日期|成文日期|公开日期|生成日期|印发日期|撰写时间|日期|(?<!统计)(?<!办理)(?<!申请)(?<!答复)时间)[\s:：|]{0,8}"
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
)
# The signer printed before a signature date (`……。 咸祥镇人民政府 2022年11月30日`): how a date at the end
# is told from one in a sentence when the body has lost its line breaks.
SIGNER_BEFORE_DATE = re.compile(r"(?:^|[。\s])[^\s。，,；;]{2,30}(?:政府|局|办公室|委员会|办事处|中心|院|厅|委|办|镇|乡|街道|公司)\s*$")
DATE_CN = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
STATS_PERIOD_YEAR = re.compile(r"统计(?:期限|时限|周期)[^。\n]{0,20}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")

# ---------------------------------------------------------------------------------------------
# tables: common
# ---------------------------------------------------------------------------------------------

# marks that mean "not applicable / not given": read as null, never 0 (a whole cell; or a free-standing
# token in text without cell separators, where 无 is too common a word to count)
NA_CELL = re.compile(r"^\s*(?:[-—–－/／\\×]{1,3}|不适用|无)\s*$")
NA_TOKEN = re.compile(r"(?<!\S)(?:[-—–－/／\\×]{1,3}|不适用)(?!\S)")

# digits that belong to labels, not cells: 第二十条第(1)项, 保留4位小数, years, row enumerators (1.属于…),
# (1), 表3, 注1
LABEL_DIGITS = re.compile(
    r"第\s{0,3}\d+\s{0,3}条|第\s{0,3}[(（]?\s{0,3}\d+\s{0,3}[)）]?\s{0,3}项|保留\s{0,3}\d+\s{0,3}位|\d{4}\s*年(?:\s*\d{1,2}\s*月)?|"
    r"(?<![\d.])\d\s*[.、．](?=\s*[\u4e00-\u9fff])|[(（]\s*\d\s*[)）](?=\s*[\u4e00-\u9fff])|"
    r"表\s*[一二三四1-4]|注\s*\d"
)

# a page footer or header that PDF text puts inside tables
INLINE_PAGE_NUMBER = re.compile(r"(?<!\S)[-—－]\s?(\d{1,3})\s?[-—－](?!\S)")
PAGE_FOOTER = re.compile(r"^\s*(?:[-—－]\s*\d{1,3}\s*[-—－]|第\s*\d{1,3}\s*页(?:\s*[,，/共]\s*共?\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3}|Page\s*\d+.*|P\.\s*\d+)\s*$")

# an enumerator that starts a row label ("1." "2、" "3．"): digits here are not values
ROW_ENUM_DIGIT = r"(?:[1-9][.、]\s*)?"

# ---------------------------------------------------------------------------------------------
# table 二 (第二十条 items)
# ---------------------------------------------------------------------------------------------

T2_MARK = re.compile(r"第二十条|第20条")
T2_LAYOUT_2019 = re.compile(r"本年新制作|本年新公开|对外公开总数量|上一年项目数量|本年增[/、]?减|政府集中采购|采购项目数量")
T2_LAYOUT_2021 = re.compile(r"本年制发|本年废止|现行有效|本年处理决定数量|本年收费金额")


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    pattern: str
    columns: tuple[str, ...] = ()
    is_float: tuple[bool, ...] = ()


T2_ROWS_2021: tuple[RowSpec, ...] = (
    RowSpec("regulations", "规章", r"规章(?!制度)", ("issued", "repealed", "in_force")),
    RowSpec("normative_documents", "行政规范性文件", r"(?:行政)?规范性文件", ("issued", "repealed", "in_force")),
    RowSpec("licensing", "行政许可", r"行政许可", ("",)),
    RowSpec("punishment", "行政处罚", r"行政处罚", ("",)),
    RowSpec("coercion", "行政强制", r"行政强制", ("",)),
    RowSpec("fees", "行政事业性收费", r"行政事业性收费", ("",), (True,)),
)

T2_ROWS_2019: tuple[RowSpec, ...] = (
    RowSpec("regulations", "规章", r"规章(?!制度)", ("made", "published", "total_public")),
    RowSpec("normative_documents", "规范性文件", r"(?:行政)?规范性文件", ("made", "published", "total_public")),
    RowSpec("licensing", "行政许可", r"行政许可", ("prior_items", "change", "decisions")),
    RowSpec("other_services", "其他对外管理服务事项", r"其他对外管理服务事项|对外管理服务事项", ("prior_items", "change", "decisions")),
    RowSpec("punishment", "行政处罚", r"行政处罚", ("prior_items", "change", "decisions")),
    RowSpec("coercion", "行政强制", r"行政强制", ("prior_items", "change", "decisions")),
    RowSpec("fees", "行政事业性收费", r"行政事业性收费", ("prior_items", "change")),
    RowSpec("procurement", "政府集中采购", r"政府集中采购", ("items", "amount"), (False, True)),
)

# ---------------------------------------------------------------------------------------------
# table 三 (申请)
# ---------------------------------------------------------------------------------------------

T3_MARK = re.compile(r"勾稽关系|本年新收|申请人情况")
T3_COLUMN_LABELS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")

_RESULTS_HEAD = (
    RowSpec("new_received", "一、本年新收政府信息公开申请数量", r"本年度?新收"),
    RowSpec("carried_over", "二、上年结转政府信息公开申请数量", r"上年度?结转"),
    RowSpec("granted", "（一）予以公开", r"予以公开"),
    RowSpec("partially_granted", "（二）部分公开", r"部分公开"),
    RowSpec("denied_state_secret", "（三）1 属于国家秘密", ROW_ENUM_DIGIT + r"(?:属于)?国家秘密"),
    RowSpec("denied_law_prohibited", "（三）2 其他法律行政法规禁止公开", ROW_ENUM_DIGIT + r"(?:其他)?法律和?行政法规禁止"),
    RowSpec("denied_security_stability", "（三）3 危及“三安全一稳定”", ROW_ENUM_DIGIT + r"(?:危及)?.?三安全一稳定"),
    RowSpec("denied_third_party", "（三）4 保护第三方合法权益", ROW_ENUM_DIGIT + r"(?:保护)?第三方合法权益"),
    RowSpec("denied_internal_affairs", "（三）5 属于三类内部事务信息", ROW_ENUM_DIGIT + r"(?:属于)?三类内部事务"),
    RowSpec("denied_process_info", "（三）6 属于四类过程性信息", ROW_ENUM_DIGIT + r"(?:属于)?四类过程性"),
    RowSpec("denied_enforcement_file", "（三）7 属于行政执法案卷", ROW_ENUM_DIGIT + r"(?:属于)?行政执法案卷"),
    RowSpec("denied_inquiry", "（三）8 属于行政查询事项", ROW_ENUM_DIGIT + r"(?:属于)?行政查询事项"),
    RowSpec("unavailable_not_held", "（四）1 本机关不掌握相关政府信息", ROW_ENUM_DIGIT + r"本机关不掌握"),
    RowSpec("unavailable_needs_creation", "（四）2 没有现成信息需要另行制作", ROW_ENUM_DIGIT + r"没有现成信息"),
    RowSpec("unavailable_unclear", "（四）3 补正后申请内容仍不明确", ROW_ENUM_DIGIT + r"补正后申请内容"),
    RowSpec("rejected_petition", "（五）1 信访举报投诉类申请", ROW_ENUM_DIGIT + r"信访举报投诉"),
    RowSpec("rejected_duplicate", "（五）2 重复申请", ROW_ENUM_DIGIT + r"重复申请"),
    RowSpec("rejected_publication", "（五）3 要求提供公开出版物", ROW_ENUM_DIGIT + r"(?:要求提供)?公开出版物"),
    RowSpec("rejected_excessive", "（五）4 无正当理由大量反复申请", ROW_ENUM_DIGIT + r"(?:无正当理由)?大量反复申请"),
    RowSpec("rejected_confirmation", "（五）5 要求行政机关确认或重新出具已获取信息", ROW_ENUM_DIGIT + r"要求行政机关确认"),
)
_TAIL = (
    RowSpec("total_processed", "（七）总计", r"(?:\(七\)|七、|\(7\))?总计"),
    RowSpec("carried_forward", "四、结转下年度继续办理", r"结转下一?年度?"),
)
T3_ROWS_2021: tuple[RowSpec, ...] = _RESULTS_HEAD + (
    RowSpec("other_no_correction", "（六）1 申请人无正当理由逾期不补正", ROW_ENUM_DIGIT + r"(?:申请人)?无正当理由逾期不补正|逾期不补正"),
    RowSpec("other_no_fee", "（六）2 申请人逾期未按收费通知要求缴纳费用", ROW_ENUM_DIGIT + r"(?:申请人)?逾期未按收费|未按收费通知"),
    RowSpec("other_other", "（六）3 其他", r"(?:[3３][.、]?|\(3\))其他(?!需要|结果|法律|对外|处理)"),
) + _TAIL
T3_ROWS_2019: tuple[RowSpec, ...] = _RESULTS_HEAD + (
    RowSpec("other_processing", "（六）其他处理", r"\(六\)其他处理|六、其他处理|其他处理"),
) + _TAIL
T3_LAYOUT_2021 = re.compile(r"逾期不补正|逾期未按收费|未按收费通知")

# result rows that add up to total_processed
T3_RESULT_ROWS_2021 = tuple(r.key for r in T3_ROWS_2021[2:-2])
T3_RESULT_ROWS_2019 = tuple(r.key for r in T3_ROWS_2019[2:-2])

# ---------------------------------------------------------------------------------------------
# table 四 (行政复议 / 行政诉讼)
# ---------------------------------------------------------------------------------------------

T4_MARK = re.compile(r"行政法?复议")
T4_HEADER_WORDS = re.compile(r"结果维持|结果纠正|其他结果|尚未审结|总计|维持|纠正|审结|复议后起诉|直接起诉|行政诉讼|行政复议")
T4_GROUPS = ("review", "litigation_direct", "litigation_after_review")
T4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")

# ---------------------------------------------------------------------------------------------
# narrative: counts in running text
# ---------------------------------------------------------------------------------------------

# matched on the match view (simplified): 條/個/萬 are folded already.  No leading optional group, and only
# bounded whitespace between optional parts, so long runs of spaces or digits cannot make it explode.
# (a hard wrap may cut a figure in two: 11\n18条 is 1118)
COUNT = re.compile(
    r"(?<!\d)(?<!\d[.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\n\d+)?(?:\.\d+)?)\s{0,3}(?P<approx0>余|多)?(?P<mult>万|千|百)?"
    r"(?P<approx>余|多)?\s{0,3}(?P<unit>人次|场次|条|件|篇|期|个|次|份|场|项|部|宗|批|起|则|封)"
    r"(?P<approx2>左右|以上)?"
)
# units that introduce the noun they count (26个试点领域, 68项内容): what follows them is the category
CLASSIFIER_UNITS = frozenset({"个", "项"})
APPROX_BEFORE = re.compile(r"(?:约|近|超过|超|逾|大约|将近)\s*$")
# what must not precede a count (ordinal 第N, dates, phone numbers, document numbers)
COUNT_BAD_PREFIX = re.compile(r"(?:第|〔|\[|(?<!公众)(?<!头条)(?<!视频)号|No\.?|-|—|/|:|\.)\s*$")  # 公众号41个 is a count
COUNT_BAD_SUFFIX = re.compile(r"^(?:工作日|小时|天|日内|年|月|周|分钟|秒|%|％|元|万元|亿元|岁|号|层)")
# the clause boundary when looking back for a category
# "公开" alone is not a boundary: it is part of nouns (党务公开, 不予公开, 依申请公开); 、 和 及 与 以及
# are not either: they join the items of one category (政策、规范性文件类信息; 规章和规范性文件)
# (a boundary word counts only as a whole word: rules.narrative checks the word boundaries)
# (this and the channel/trim/total patterns below are wrap_tolerant: a hard wrap may fall inside their words)
CATEGORY_BOUNDARY = re.compile(wrap_tolerant(r"[，,。；;：:\n（(）)“”\"'《》【】]|其中|包括|包含|分别|共有|共|累计|合计|通过|在|向|对|为|是|了|"
                               r"(?<!其)中|有|发布|公布|刊发|刊登|发生|加强|运行|组成|一并|落实|推进|收集|产生|提交|(?<!应)(?<!应\n)主动公开|更新|推送|编发|制作|获取|转载|报送|印发|收到|收|受理|办理|办结|答复|"
                               r"开展|组织|召开|举办|完成|处理|制发|确认|涉及|接到|接收|开设|梳理出?|处置|收集|罗列|新增|"
                               r"解决|入驻|作为|进行|(?<!无法)提供|征求|参加|承办|编辑出版|出版|汇总|接受|结转(?=上)|剩余|另有|另|因|"
                               r"集中公开|上线|建立|设立|开通|编制|出台|关停|整合|清理|发放|审查|审核|新收"))
# a channel and the verb that publishes through it (张家港市政府门户网站公开|部门文件, 新闻媒体刊发|稿件): the
# category starts after the verb (conventions.CHANNEL_NOUN)
CHANNEL_VERB = re.compile(wrap_tolerant(r"(?:网站|网|微信|微博|公众号|公众平台|平台|新?媒体|专栏|栏目|公开栏|客户端|抖音|视频号|号)[”\"」]?"
                          r"(?:上|中)?(?:主动)?(?:公开|公示|刊发|刊登|发布|推送|更新|登载)"))
CATEGORY_TRIM_LEFT = re.compile(wrap_tolerant(r"^(?:各类|各项|有关|相关|全部|所有|的|了|共|各|、|和|及|与|以及|全年|今年|当年|年内|\d{4}\s*年度?|\s)+"))
# (共 after 公 is the word 公共, not "in all")
CATEGORY_TRIM_RIGHT = re.compile(wrap_tolerant(r"(?:类信息|类|信息数量|信息数|数量|总数|更新量|发布量|信息条数|的|等|共计|累计|(?<!公)共|达|约|近|超过|逾|各类)+$"))
CATEGORY_KEEP_WHOLE = re.compile(r"(?:政府|政务)信息$")  # 政府信息 / 政务信息 are not trimmed
# what is left after a verb when the thing was named before it (信息公开目录信息更新|量|599条): a volume word, not a category
VOLUME_ONLY = re.compile(r"\s*(?:总?量|总?数|数量|条数|件数)\s*")
# a category's leading verb 公开 (公开政府常务会议), except where 公开 starts a noun (公开答复, 公开目录)
LEADING_PUBLISH = re.compile(wrap_tolerant("公开"))
PUBLISH_NOUN = re.compile(wrap_tolerant("公开(?:答复|栏|目录|指南|专栏|平台|申请)"))
# the boundary words that link a thing to its count without saying what was done, adverbs of quantity and
# copulas (X共N条, X累计N条, 行政诉讼数为0件): the thing is named before them
COUNT_LINK = re.compile(r"共有|共计|共|累计|合计|为|是")
# boundary words that are also the head noun of an outcome (同意公开答复9件, 不予处理0件, 其他处理14件): when the count
# follows one directly, it belongs to the phrase
NOUN_VERB = re.compile(r"答复|处理")
# the channel of a count of generic 信息 (conventions.channel_category): the word that introduces it,
# a subject or time word before it, verbs and time words after it, and the noun it must end with
CHANNEL_INTRO = re.compile(wrap_tolerant(r"通过|依托|利用|借助|在"))
CHANNEL_LEAD = re.compile(wrap_tolerant(r"[\s、]*(?:其中|另|还|并|同时|共|全年|当年|本年度?|今年|年内|\d+年度?|(?<=\d)年度?|[我本全][局委办区县镇市乡厅院]"
                          r"|本?单位|本机关|各部门|街道|(?:开办|运营|开设|运维)的)*"))
CHANNEL_TAIL = re.compile(wrap_tolerant(r"(?:[上中里内等共了]|共计|累计|全年|当年|本年度?|年内|今年|主动|公开|发布|推送|更新|编发|"
                          r"刊发|转载|报送|登载|刊登|进行|公示|发送|上传|\s)+$"))
CHANNEL_NOUN = re.compile(wrap_tolerant(r"(?:网站|网|微信|微博|公众号|公众平台|平台|新?媒体|专栏|栏目|公开栏|栏|客户端|抖音|头条|快手|"
                          r"视频号|号|APP|App|app|报纸?|电视台?|广播|电台|渠道|载体|形式|方式|大厅|屏|公报)[”\"」]?"))
TOTAL_CUE = re.compile(wrap_tolerant(r"主动公开(?:政府)?(?:信息)?|公开(?:政府)?信息(?:总数)?|发布(?:各类)?信息"))

# narrative statements that restate a table figure: (rule, cell path(s), pattern, context).  A
# pattern that does not itself name 信息公开 counts only when its sentence does (`context`, looked
# for from the sentence start to the end of the match): "共受理1059件" in a 公安局 report is other business.
_APPLICATION_CONTEXT = re.compile(r"信息公开|依申请")
RESTATEMENTS = (
    ("narrative.applications_received", ("applications.new_received.total",),
     re.compile(r"(?:收到|受理|接收|接到|办理)[^。；;，,\d]{0,14}?(?:政府信息公开|依申请公开|信息公开)[^。；;，,\d]{0,8}?(?:申请)?[^。；;，,\d]{0,6}?"
                r"(?P<num>\d+)\s*(?:件|个|份|宗|起)"), None),  # 条 and 次 count information items and visits
    ("narrative.applications_received", ("applications.new_received.total",),
     re.compile(r"(?:收到|受理|接收)(?:了)?(?:依申请公开|政府信息公开)?(?:申请)?(?:共|共计|累计)?(?P<num>\d+)\s*(?:件|个|份|宗|起)"),
     _APPLICATION_CONTEXT),
    ("narrative.applications_received", ("applications.new_received.total",),
     re.compile(r"(?:收到|受理|接收|接到)(?:了)?\s*(?P<num>\d+)\s*(?:个|件|份|宗|起)\s*(?:依申请公开|政府信息公开申请|信息公开申请|申请)"),
     _APPLICATION_CONTEXT),
    ("narrative.review_total", ("review_litigation.review.total",),
     re.compile(r"(?:政府信息公开)?行政复议(?:案件)?(?:共|共计)?\s*(?P<num>\d+)\s*(?:件|起|宗|个)"), None),
    ("narrative.review_total", ("review_litigation.review.total",),
     re.compile(r"(?<!\d)(?P<num>\d+)\s*(?:件|起|宗|个)(?:涉及政府信息公开工作的)?行政复议"), None),
)
SENTENCE_END = re.compile(r"[。！？!?；;\n]")

NO_APPLICATIONS = re.compile(r"(?:没有|未|无)(?:收到|受理|接到|发生)[^。；;，,\d]{0,10}?(?:政府信息公开|依申请公开|公开政府信息)"
                             r"[^。；;，,\d]{0,6}?(?<!被)申请(?!行政复议|复议)")

# ---------------------------------------------------------------------------------------------
# page chrome and spam (removed from the match view only; the text itself is never edited)
# ---------------------------------------------------------------------------------------------

# pinyin that hijacked mirror sites inject after characters: 規(guī)定; in a Big5 copy the toned vowel,
# which Big5 cannot encode, arrives as '?': 規(gu?)定
PINYIN_INJECTION = r"\([a-zü]*[àáǎāèéěēìíǐīòóǒōùúǔūǖǘǚǜ?][a-zàáǎāèéěēìíǐīòóǒōùúǔūǖǘǚǜü]{0,6}\)"

# ---------------------------------------------------------------------------------------------
# the tables' own vocabulary (to tell a foreign line inside a table from a label)
# ---------------------------------------------------------------------------------------------

# The words the national template and its common variants print in and around the three tables.
# A line inside a table region whose Chinese has almost none of these word pairs (an ad, a spam
# link, a share button) is foreign: it is neither a label nor a value, and does not split a row.
TABLE_VOCABULARY = (
    "二、主动公开政府信息情况 第二十条第（一）项 第（五）项 第（六）项 第（八）项 第（九）项 第（十）项 信息内容 "
    "本年制发件数 本年废止件数 现行有效件数 本年新制作数量 本年新公开数量 对外公开总数量 规章 行政规范性文件 规范性文件 "
    "本年处理决定数量 处理决定数量 上一年项目数量 本年增减 本年增/减 行政许可 其他对外管理服务事项 行政处罚 行政强制 "
    "本年收费金额（单位：万元） 行政事业性收费 政府集中采购 采购项目数量 采购总金额 单位名义制发 "
    "三、收到和处理政府信息公开申请情况 本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和 "
    "申请人情况 自然人 法人或其他组织 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计 合计 "
    "一、本年新收政府信息公开申请数量 二、上年结转政府信息公开申请数量 三、本年度办理结果 （一）予以公开 "
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形） （三）不予公开 1.属于国家秘密 "
    "2.其他法律行政法规禁止公开 3.危及“三安全一稳定” 4.保护第三方合法权益 5.属于三类内部事务信息 "
    "6.属于四类过程性信息 7.属于行政执法案卷 8.属于行政查询事项 （四）无法提供 1.本机关不掌握相关政府信息 "
    "2.没有现成信息需要另行制作 3.补正后申请内容仍不明确 （五）不予处理 1.信访举报投诉类申请 2.重复申请 "
    "3.要求提供公开出版物 4.无正当理由大量反复申请 5.要求行政机关确认或重新出具已获取信息 （六）其他处理 "
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 "
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 3.其他 （七）总计 "
    "四、结转下年度继续办理 四、政府信息公开行政复议、行政诉讼情况 行政复议 行政诉讼 未经复议直接起诉 复议后起诉 "
    "结果维持 结果纠正 其他结果 尚未审结 五、存在的主要问题及改进情况 六、其他需要报告的事项 一、总体情况 "
    "数量 件 条 万元 元 单位 项目 年度 本年 上年 情况 情形 办理 结果 信息处理费 通知收取件数 通知收取金额 "
    "实际收取金额 注：统计数据 截至 说明"
)
# below this share of a line's Chinese character pairs found in TABLE_VOCABULARY, the line is foreign
# (template labels score near 1; unseen label wording seen so far scores above 0.4; ads 0 to 0.25)
FOREIGN_LINE_MAX_SHARE = 0.3
# too little Chinese to judge below this many characters (unless the line is a web address)
FOREIGN_LINE_MIN_CJK = 4
_URLISH = re.compile(r"(?:www\.|https?://|\.com\b|\.cn\b|\.net\b)", re.I)
# the characters of a web address, and how far one reaches on each side of its www. / http / .com mark
# (bounded, so a run of 100,000 digits costs no more than a short one)
_URL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./?=&%#:_~+-")
URL_MAX_REACH = 100


def url_spans(s: str, a: int, b: int) -> list[tuple[int, int]]:
    """The web addresses in s[a:b], whole (their digits are never a table's figures: www.88bet.com)."""
    out: list[tuple[int, int]] = []
    for m in _URLISH.finditer(s, a, b):
        if out and m.start() < out[-1][1]:
            continue
        x, y = m.start(), m.end()
        while x > max(a, m.start() - URL_MAX_REACH) and s[x - 1] in _URL_CHARS:
            x -= 1
        while y < min(b, m.end() + URL_MAX_REACH) and s[y] in _URL_CHARS:
            y += 1
        out.append((x, y))
    return out


# a line with a web address is a link (spam, a footer) when it is about this short; a longer one is a
# page flattened to one line, whose table the address happens to stand in
FOREIGN_URL_LINE_MAX_CHARS = 80
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _table_bigrams() -> frozenset:
    chars = [c for c in TABLE_VOCABULARY]
    return frozenset(a + b for a, b in zip(chars, chars[1:]) if _CJK.match(a) and _CJK.match(b))


TABLE_BIGRAMS = _table_bigrams()


# a report's title on a line of its own is at most this long (as a PDF's running head at each page top)
TITLE_LINE_MAX_CHARS = 60


def is_title_line(line: str) -> bool:
    """A line that could be the report's title standing alone: it names a year and a 报告, is short, and
    has no sentence punctuation (what a PDF repeats as the running head of each page)."""
    s = line.strip()
    return (len(s) <= TITLE_LINE_MAX_CHARS and "报告" in s and re.search(r"(?:19|20)\d\d", s) is not None
            and not re.search(r"[。，；,;！!？?]", s))


def is_link_line(line: str) -> bool:
    """A line of running text that is only a web address and a few words around it (点击进入 www.….com:
    junk a hijacked mirror injects), with no figure and no punctuation of a sentence outside the
    address (通过门户网站www.….cn发布信息86条。 is a sentence)."""
    s = line.strip()
    if not s or len(s) > FOREIGN_URL_LINE_MAX_CHARS:
        return False
    urls = url_spans(s, 0, len(s))
    if not urls:
        return False
    rest = "".join(s[b:c] for b, c in zip([0] + [y for _, y in urls], [x for x, _ in urls] + [len(s)]))
    return not re.search(r"[\d。，；：,;:！？!?（）()]", rest)


def interrupts_sentences(line: str) -> bool:
    """A line that may stand between two lines of a sentence without belonging to it: a junk link line
    or a page number (a running head is the other kind, told by the document: `Text.running_heads`)."""
    return is_link_line(line) or PAGE_FOOTER.match(line) is not None


def is_foreign_line(line: str) -> bool:
    """A line (match view) inside a table that is neither a label nor holds a value: spam, a link."""
    s = line.strip()
    if not s:
        return False
    if (_URLISH.search(s) and len(s) <= FOREIGN_URL_LINE_MAX_CHARS
            and not re.search(r"\d\s*$", s.split()[-1] if s.split() else "")):
        return True
    cjk = _CJK.findall(s)
    if len(cjk) < FOREIGN_LINE_MIN_CJK or re.search(r"\d", s):
        return False
    runs = re.findall(r"[\u4e00-\u9fff]+", s)
    pairs = [r[i:i + 2] for r in runs for i in range(len(r) - 1)]
    if not pairs:
        return False
    share = sum(1 for p in pairs if p in TABLE_BIGRAMS) / len(pairs)
    return share < FOREIGN_LINE_MAX_SHARE
