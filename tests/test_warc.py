"""Web archives as inputs: one document per archived page or file, read by seeking to its record.
The archives here are written with warcio's own writer (the format Heritrix, wget and Browsertrix write)."""

import gzip
import io

import pytest

from xxgk.inputs.reading import iter_inputs, load_item
from xxgk.errors import InputError

from helpers import run_bytes

warcio = pytest.importorskip("warcio")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

REPORT = ("某某县2022年政府信息公开工作年度报告\n一、总体情况\n本年主动公开政府信息185条。\n二、主动公开政府信息情况\n"
          "三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n"
          "六、其他需要报告的事项\n")


def _archive(path, records, compress=True):
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=compress)
        for url, body, ctype, status, extra in records:
            if status is None:  # a resource record (no HTTP exchange)
                rec = w.create_warc_record(url, "resource", payload=io.BytesIO(body),
                                           warc_content_type=ctype)
            else:
                h = StatusAndHeaders(status, [("Content-Type", ctype)] + extra, protocol="HTTP/1.1")
                rec = w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=h)
            w.write_record(rec)
    return str(path)


def _mixed(tmp_path, compress=True):
    html = f"<html><body>{''.join(f'<p>{x}</p>' for x in REPORT.splitlines())}</body></html>".encode()
    return _archive(tmp_path / ("crawl.warc.gz" if compress else "crawl.warc"), [
        ("http://x.gov.cn/style.css", b"body{}", "text/css", "200 OK", []),
        ("http://x.gov.cn/report.html", html, "text/html; charset=utf-8", "200 OK", []),
        ("http://x.gov.cn/gone", b"<html>404</html>", "text/html", "404 Not Found", []),
        ("http://x.gov.cn/moved", b"", "text/html", "301 Moved Permanently", [("Location", "/report.html")]),
        ("http://x.gov.cn/files/report.txt?id=3", REPORT.encode("gb18030"), "application/octet-stream", "200 OK", []),
        ("http://x.gov.cn/logo.png", b"\x89PNG\r\n\x1a\n", "image/png", "200 OK", []),
        ("http://x.gov.cn/z.html", gzip.compress(html), "text/html", "200 OK", [("Content-Encoding", "gzip")]),
        ("file:///saved/report.txt", REPORT.encode(), "text/plain", None, []),
    ], compress)


@pytest.mark.parametrize("compress", [True, False])
def test_only_documents_become_items_each_read_by_seeking(tmp_path, compress):
    path = _mixed(tmp_path, compress)
    items = list(iter_inputs([str(tmp_path)]))  # a folder walk finds the archive
    assert [(i.doc_id, i.url) for i in items] == [
        ("crawl:2", "http://x.gov.cn/report.html"), ("crawl:5", "http://x.gov.cn/files/report.txt?id=3"),
        ("crawl:7", "http://x.gov.cn/z.html"), ("crawl:8", "file:///saved/report.txt")]
    assert items[0].source == f"{path}#R2" and not any(i.error for i in items)
    for item in reversed(items):  # in any order: each item is read on its own
        dec = load_item(item)
        assert "".join(dec.text.split()) .endswith("六、其他需要报告的事项"), (item.doc_id, dec.text)
        assert "本年主动公开政府信息185条" in dec.text


def test_an_archived_report_reads_as_the_file_does(tmp_path, corpus):
    """平潭 投资促进局 2025 (corpus/more/041.html, a train document), archived as a crawler would."""
    html = (corpus / "more" / "041.html").read_bytes()
    path = _archive(tmp_path / "one.warc.gz", [("http://www.pingtan.gov.cn/041.html", html, "text/html", "200 OK", [])])
    (item,) = iter_inputs([path])
    from xxgk.pipeline import extract

    a = run_bytes(html, ".html")
    b = extract(load_item(item), item.doc_id, item.source, url=item.url, system="rules")
    assert b.status == a.status == "ok" and b.url == "http://www.pingtan.gov.cn/041.html"
    for part in ("active_disclosure", "applications", "review_litigation", "meta"):
        assert getattr(b, part) == getattr(a, part), part


def test_a_damaged_archive_keeps_what_came_before_and_names_the_damage(tmp_path):
    path = _mixed(tmp_path)
    data = open(path, "rb").read()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: int(len(data) * 0.8)])  # inside the 7th record
    items = list(iter_inputs([str(cut)]))
    assert [i.doc_id for i in items] == ["cut:2", "cut:5", "cut:7"] and not items[0].error and not items[1].error
    assert items[-1].error.startswith("E025") and f"{cut}#R7" in items[-1].error and "cut short" in items[-1].error
    with pytest.raises(InputError) as e:
        load_item(items[-1])
    assert e.value.message.startswith("E025")


def test_a_record_over_the_size_limit_is_not_read(tmp_path):
    items = list(iter_inputs([_mixed(tmp_path)]))
    with pytest.raises(InputError) as e:
        load_item(items[0], max_bytes=100)
    assert e.value.message.startswith("E005") and items[0].source in e.value.message


def test_a_file_that_is_not_an_archive_is_one_named_error(tmp_path):
    bad = tmp_path / "bad.warc"
    bad.write_bytes(b"this is not a web archive\n" * 10)
    (item,) = iter_inputs([str(bad)])
    assert item.error.startswith("E025") and str(bad) in item.error
