"""Pages saved as one file (.mhtml / .mht): the page's HTML part is read as any HTML page."""

from email.charset import BASE64, QP, Charset
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from xxgk.errors import InputError
from xxgk.inputs.reading import decode_bytes

from helpers import run_bytes


def _saved_page(html: str, charset: str = "utf-8", meta: bool = True) -> bytes:
    """As Chrome saves a page: a multipart/related message, the page first (quoted-printable UTF-8, as
    Chrome writes it; base64 for the GB charsets), then its resources."""
    msg = MIMEMultipart("related", type="text/html")
    msg["From"] = "<Saved by Blink>"
    msg["Snapshot-Content-Location"] = "http://www.example.gov.cn/art/2023/report.html"
    msg["Subject"] = "saved page"
    if not meta:
        html = html.replace('<meta charset="utf-8">', "")
    cs = Charset(charset)
    cs.body_encoding = QP if charset == "utf-8" else BASE64
    page = MIMEText(html, "html", cs)  # type: ignore[arg-type]
    page["Content-Location"] = "http://www.example.gov.cn/art/2023/report.html"
    msg.attach(page)
    msg.attach(MIMEImage(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "png"))
    return msg.as_bytes()


PAGE = ('<html><head><meta charset="utf-8"><title>某县2023年政府信息公开工作年度报告</title></head><body>'
        "<p>某县2023年政府信息公开工作年度报告</p><p>一、总体情况</p><p>全年主动公开政府信息1185条。</p>"
        "<table><tr><td>规章</td><td>0</td><td>0</td><td>2</td></tr></table></body></html>")


@pytest.mark.parametrize("charset, meta", [("utf-8", True), ("gb2312", False), ("gb18030", True)])
def test_the_page_part_is_read_in_its_declared_charset(charset, meta):
    data = _saved_page(PAGE, charset, meta=meta)
    for suffix in (".mhtml", ".mht", ".html"):  # a saved page renamed .html is still recognised
        dec = decode_bytes(data, suffix, f"page{suffix}")
        assert dec.kind == "mhtml" and "全年主动公开政府信息1185条" in dec.text and "PNG" not in dec.text
        assert dec.html_spans, "the table is read as an HTML table"


def test_a_saved_page_with_no_html_is_a_named_error():
    msg = MIMEMultipart("related")
    msg.attach(MIMEImage(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "png"))
    with pytest.raises(InputError) as e:
        decode_bytes(msg.as_bytes(), ".mht", "img.mht")
    assert e.value.message.startswith("E016") and "img.mht" in e.value.message


def test_a_text_that_mentions_mime_headers_is_still_text():
    text = "某县2023年政府信息公开工作年度报告\n一、总体情况\nMIME-Version: 1.0 multipart/related 的说明。\n"
    assert decode_bytes(text.encode(), ".txt", "x.txt").kind == "text"


def test_a_real_report_saved_as_mhtml_reads_as_the_page(corpus):
    """平潭 投资促进局 2025 (corpus/more/041.html, a train document), saved as Chrome would."""
    html = (corpus / "more" / "041.html").read_bytes()
    a = run_bytes(html, ".html")
    b = run_bytes(_saved_page(html.decode("utf-8")), ".mhtml")
    assert b.status == a.status == "ok"
    for part in ("active_disclosure", "applications", "review_litigation", "meta"):
        assert getattr(b, part) == getattr(a, part), part
