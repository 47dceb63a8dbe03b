"""Inputs: find them, read their bytes, decode them to text.

`iter_inputs` turns the command line's mix of files, folders and globs into `InputItem`s (one per
document; a JSONL file gives one per line, a web archive one per archived document: warc.py)
without reading them, so a batch can start at once and a worker can read its own item.
`load_item` reads and decodes one item into a `Decoded` text, or raises `InputError` with a
message from the catalogue naming it.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from xxgk.errors import Errors, InputError, Warnings
from xxgk.inputs.mhtml import MHTML_SUFFIXES, looks_like_mhtml, page_html
from xxgk.inputs.warc import is_warc, iter_warc, read_payload
from xxgk.text import normalise_newlines, radicals_as_ideographs

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
WORD97_SUFFIXES = {".doc", ".wps"}  # Word 97-2003 and WPS Office's own files (the same binary format)
OLE = "ole (an Office 97-2003 file: .doc, .xls, .ppt)"
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | WORD97_SUFFIXES | MHTML_SUFFIXES | {".pdf", ".ofd", ".docx", ".jsonl", ".ndjson"}
DEFAULT_MAX_BYTES = 50 * 2**20
WARC_RECORD = ".warc-record"  # the suffix of an item that is one record of a web archive


@dataclass
class InputItem:
    """One document to extract, before reading."""

    doc_id: str
    source: str
    path: str
    suffix: str
    line_no: int | None = None  # 1-based, for JSONL lines
    offset: int | None = None  # byte offset of a JSONL line (read by the worker, not carried along)
    length: int | None = None
    url: str | None = None
    error: str | None = None  # why the item cannot be read, found during discovery (a catalogue message)
    record_suffix: str | None = None  # a web-archive record: the file type its payload decodes as


@dataclass
class Decoded:
    text: str
    sha256: str
    warnings: list[str] = field(default_factory=list)
    html_spans: list[tuple[int, int]] = field(default_factory=list)  # text ranges rendered from HTML tables
    kind: str = "text"
    # where the document's pictures stand in the text (HTML <img>, DOCX drawings, PDF images): a table
    # missing from the text may be one of them (W113)
    pictures: list[int] = field(default_factory=list)

    def before(self, cut: int) -> "Decoded":
        """The text up to `cut` (the first report of a file that holds several)."""
        return Decoded(text=self.text[:cut], sha256=self.sha256, warnings=list(self.warnings),
                       html_spans=[(x, min(y, cut)) for x, y in self.html_spans if x < cut], kind=self.kind,
                       pictures=[x for x in self.pictures if x < cut])

    def after(self, cut: int) -> "Decoded":
        """The text from `cut` on (the next report of a file that holds several), offsets counted from there."""
        return Decoded(text=self.text[cut:], sha256=self.sha256, warnings=list(self.warnings),
                       html_spans=[(max(x, cut) - cut, y - cut) for x, y in self.html_spans if y > cut], kind=self.kind,
                       pictures=[x - cut for x in self.pictures if x >= cut])


# ---------------------------------------------------------------------------------------------
# discovery
# ---------------------------------------------------------------------------------------------


def _is_glob(spec: str) -> bool:
    return any(ch in spec for ch in "*?[")


def _unreadable(path: str, e: OSError) -> str:
    if os.path.isdir(path):
        return Errors.E023.format(path=path, detail=e.strerror or e)
    return Errors.E017.format(path=path, detail=e.strerror or e)


def iter_input_paths(specs: list[str]) -> Iterator[tuple[str, str | None]]:
    """Yield (path, error) for every file named by the specs; folders recurse, globs expand.
    A spec that does not exist, or a folder or file that cannot be read, comes out with the
    catalogue's error message, so it gets a failed record instead of vanishing."""
    seen: set[str] = set()
    for spec in specs:
        if _is_glob(spec):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                yield spec, Errors.E001.format(path=spec)
            found: list[tuple[str, str | None]] = []
            for m in matches:
                found.extend(_walk(m) if os.path.isdir(m) else [(m, None)])
        else:
            try:
                st = os.stat(spec)
            except FileNotFoundError:
                yield spec, Errors.E001.format(path=spec)
                continue
            except OSError as e:  # e.g. inside a folder we may not enter: say so, not "not found"
                yield spec, _unreadable(spec, e)
                continue
            found = _walk(spec) if stat.S_ISDIR(st.st_mode) else [(spec, None)]
        for p, err in found:
            key = os.path.abspath(p)
            if key not in seen:
                seen.add(key)
                yield p, err


def _walk(folder: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []

    def on_error(e: OSError) -> None:
        out.append((e.filename or folder, _unreadable(e.filename or folder, e)))

    for root, dirs, files in os.walk(folder, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if f.startswith(".") or f == "manifest.jsonl":
                continue
            if Path(f).suffix.lower() in SUPPORTED or is_warc(f):
                out.append((os.path.join(root, f), None))
    return out


def iter_inputs(specs: list[str], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[InputItem]:
    """Every document named by `specs`; inputs that cannot be read come out as items that fail on load."""
    for path, err in iter_input_paths(specs):
        if err:
            yield InputItem(doc_id=Path(path).stem or path, source=path, path=path, suffix="", error=err)
            continue
        suffix = Path(path).suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            yield from _iter_jsonl(path, max_bytes)
        elif is_warc(path):
            for d in iter_warc(path, SUPPORTED):
                yield InputItem(doc_id=d.doc_id, source=d.source, path=path, suffix=WARC_RECORD, line_no=d.n or None,
                                offset=d.offset, length=d.length, url=d.url, error=d.error, record_suffix=d.suffix)
        else:
            yield InputItem(doc_id=Path(path).stem, source=path, path=path, suffix=suffix)


def _iter_jsonl(path: str, max_bytes: int) -> Iterator[InputItem]:
    stem = Path(path).stem
    try:
        fh = open(path, "rb")
    except OSError as e:
        yield InputItem(doc_id=stem, source=path, path=path, suffix=".jsonl", error=_unreadable(path, e))
        return
    with fh:
        offset = 0
        for n, line in enumerate(fh, start=1):
            start, offset = offset, offset + len(line)
            if not line.strip():
                continue
            source = f"{path}#L{n}"
            if len(line) > max_bytes:
                yield InputItem(doc_id=f"{stem}:{n}", source=source, path=path, suffix=".jsonl-line", line_no=n,
                                error=Errors.E005.format(path=source, size=len(line), limit=max_bytes))
                continue
            doc_id, url = f"{stem}:{n}", None
            m_id = _ID_FIELD.search(line[:4096])
            if m_id:  # name the item without parsing the whole line (the worker parses it)
                doc_id = _json_str(m_id.group(1)) or doc_id
            m_url = _URL_FIELD.search(line[:4096])
            if m_url:
                url = _json_str(m_url.group(1))
            yield InputItem(doc_id=doc_id, source=source, path=path, suffix=".jsonl-line", line_no=n,
                            offset=start, length=len(line), url=url)


_ID_FIELD = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,30})')
_URL_FIELD = re.compile(rb'"url"\s*:\s*("(?:[^"\\]|\\.){0,2000}")')


def _json_str(raw: bytes) -> str | None:
    try:
        v = json.loads(raw)
    except ValueError:
        return None
    return str(v) if v not in (None, "") else None


# ---------------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------------


def load_item(item: InputItem, max_bytes: int = DEFAULT_MAX_BYTES) -> Decoded:
    if item.error:
        raise InputError(item.error)
    if item.suffix == ".jsonl-line":
        return _load_jsonl_line(item, max_bytes)
    if item.suffix == WARC_RECORD:
        if item.length is not None and item.length > max_bytes:
            raise InputError(Errors.E005.format(path=item.source, size=item.length, limit=max_bytes))
        data = read_payload(item.path, item.offset or 0, item.source, max_bytes)
        return decode_bytes(data, item.record_suffix or ".html", item.source)
    try:
        size = os.path.getsize(item.path)
    except OSError as e:
        raise InputError(Errors.E017.format(path=item.path, detail=e.strerror or e)) from None
    if size > max_bytes:
        raise InputError(Errors.E005.format(path=item.path, size=size, limit=max_bytes))
    try:
        with open(item.path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise InputError(Errors.E017.format(path=item.path, detail=e.strerror or e)) from None
    return decode_bytes(data, item.suffix, item.path)


def _load_jsonl_line(item: InputItem, max_bytes: int) -> Decoded:
    try:
        with open(item.path, "rb") as fh:
            fh.seek(item.offset or 0)
            line = fh.read(item.length or 0)
    except OSError as e:
        raise InputError(Errors.E017.format(path=item.path, detail=e.strerror or e)) from None
    sha = hashlib.sha256(line).hexdigest()
    try:
        obj = json.loads(line)
    except ValueError as e:
        raise InputError(Errors.E006.format(line=item.line_no, detail=str(e)[:80], path=item.path)) from None
    if not isinstance(obj, dict):
        raise InputError(Errors.E006.format(line=item.line_no, detail="not a JSON object", path=item.path))
    where = f"{item.path}#L{item.line_no}"
    field_name = next((f for f in JSONL_TEXT_FIELDS + JSONL_HTML_FIELDS if isinstance(obj.get(f), str)), None)
    if field_name is None:
        raise InputError(Errors.E007.format(line=item.line_no, path=item.path,
                                            fields=", ".join(JSONL_TEXT_FIELDS + JSONL_HTML_FIELDS)))
    body = obj[field_name]
    if not body.strip():
        raise InputError(Errors.E002.format(path=where))
    if field_name in JSONL_HTML_FIELDS or _looks_like_html(body):
        # crawlers put raw pages under many names, `content` and `body` among them
        from xxgk.inputs.html import html_to_text

        text, spans, pictures = html_to_text(body, where)
        dec = Decoded(text=text, sha256=sha, html_spans=spans, kind="jsonl-html", pictures=pictures)
    else:
        body, warnings = _plain(body, [])
        dec = Decoded(text=normalise_newlines(body), sha256=sha, kind="jsonl-text", warnings=warnings)
    title = obj.get("title")
    if isinstance(title, str) and title.strip() and _missing_title(dec.text, title):
        # the crawler kept the page's title apart (as a page's <title> or 标题 header would carry it): it
        # leads the text, so the report's name, body and year are read from it as from a title line
        dec.text = normalise_newlines(title.strip()) + "\n" + dec.text
        lead = len(title.strip()) + 1
        dec.html_spans = [(x + lead, y + lead) for x, y in dec.html_spans]
        dec.pictures = [x + lead for x in dec.pictures]
        dec.warnings.append(Warnings.W104.format(field="title", line=item.line_no))
    return _as_ideographs(dec)


# the fields of a crawler's JSON line that hold the page, in the order they are looked for
JSONL_TEXT_FIELDS = ("text", "content", "body", "markdown", "article", "main_text")
JSONL_HTML_FIELDS = ("html", "raw_html", "page_html", "content_html", "body_html")
TITLE_LOOKUP_CHARS = 300  # a title the text already opens with is not added again


def _missing_title(text: str, title: str) -> bool:
    def squash(s: str) -> str:
        return re.sub(r"\s+", "", s)

    return squash(title) not in squash(text[:TITLE_LOOKUP_CHARS + len(title)])


_MAGIC = (
    (b"%PDF", "pdf"), (b"PK\x03\x04", "zip"), (b"\x89PNG", "png image"), (b"\xff\xd8\xff", "jpeg image"),
    (b"GIF8", "gif image"), (b"\x1f\x8b", "gzip"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
    (b"Rar!", "rar"), (b"7z\xbc\xaf", "7z"), (b"\x7fELF", "executable"),
)


def decode_bytes(data: bytes, suffix: str, path: str) -> Decoded:
    """Bytes of one file → normalised text; the file type is sniffed before the suffix is trusted."""
    return _as_ideographs(_decode_bytes(data, suffix, path))


def _as_ideographs(dec: Decoded) -> Decoded:
    """`dec` with radicals standing for ideographs written as those (W111), whatever the input type."""
    dec.text, n = radicals_as_ideographs(dec.text)
    if n:
        dec.warnings.append(Warnings.W111.format(n=n))
    return dec


def _decode_bytes(data: bytes, suffix: str, path: str) -> Decoded:
    if not data or not data.strip(b" \t\r\n\x00"):
        raise InputError(Errors.E002.format(path=path))
    sha = hashlib.sha256(data).hexdigest()
    sniffed = next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)
    if sniffed == "pdf" or (suffix == ".pdf" and sniffed is None and b"%PDF" in data[:1024]):
        from xxgk.inputs.pdf import read_pdf

        text, repaired, unmapped, pictures = read_pdf(data, path)
        return Decoded(text=text, sha256=sha, kind="pdf", pictures=pictures,
                       warnings=([Warnings.W106.format(n=repaired)] if repaired else [])
                       + ([Warnings.W112.format(n=unmapped)] if unmapped else []))
    if suffix == ".pdf":
        raise InputError(Errors.E008.format(path=path, detail=f"content is {sniffed or 'not a PDF'}"))
    if sniffed == "zip" and suffix != ".docx":
        from xxgk.inputs.ofd import is_ofd, read_ofd

        if suffix == ".ofd" or is_ofd(data):
            text, repaired = read_ofd(data, path)
            return Decoded(text=text, sha256=sha, kind="ofd",
                           warnings=[Warnings.W106.format(n=repaired)] if repaired else [])
    if suffix == ".ofd":
        raise InputError(Errors.E026.format(path=path, detail=f"content is {sniffed or 'not an OFD (zip)'}"))
    if sniffed == "zip" and suffix in (".docx", ".txt", ".md", ".html", ".htm"):
        from xxgk.inputs.docx import read_docx

        text, pictures = read_docx(data, path, lambda blob, where, html: decode_text_bytes(blob, where, html=html))
        return Decoded(text=text, sha256=sha, kind="docx", pictures=pictures)
    if suffix == ".docx":
        raise InputError(Errors.E010.format(path=path, detail=f"content is {sniffed or 'not a DOCX (zip)'}"))
    if sniffed == OLE and suffix in WORD97_SUFFIXES | TEXT_SUFFIXES | HTML_SUFFIXES:
        from xxgk.inputs.doc import doc_to_text

        return Decoded(text=doc_to_text(data, path), sha256=sha, kind="doc")
    if suffix in WORD97_SUFFIXES:
        raise InputError(Errors.E024.format(path=path, detail=f"content is {sniffed or 'not an OLE file'}"))
    if sniffed is not None:
        raise InputError(Errors.E003.format(path=path, detail=sniffed))
    if suffix in MHTML_SUFFIXES or (suffix in TEXT_SUFFIXES | HTML_SUFFIXES and looks_like_mhtml(data)):
        from xxgk.inputs.html import html_to_text

        html, declared = page_html(data, path)
        text, warnings = _decode_declared(html, declared, path)
        body, spans, pictures = html_to_text(text, path)
        return Decoded(text=body, sha256=sha, warnings=warnings, html_spans=spans, kind="mhtml", pictures=pictures)
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
        raise InputError(Errors.E011.format(path=path, suffix=suffix))
    text, warnings = decode_text_bytes(data, path, html=suffix in HTML_SUFFIXES)
    if suffix in HTML_SUFFIXES or _looks_like_html(text):
        from xxgk.inputs.html import html_to_text

        body, spans, pictures = html_to_text(text, path)
        return Decoded(text=body, sha256=sha, warnings=warnings, html_spans=spans, kind="html", pictures=pictures)
    text, warnings = _plain(text, warnings)
    return Decoded(text=normalise_newlines(text), sha256=sha, warnings=warnings, kind="text")


def _plain(text: str, warnings: list[str]) -> tuple[str, list[str]]:
    """Plain text with what a careless scrape did to it undone: mojibake (W109), line breaks saved as
    escape sequences (W100), then tags (W108) and character references (W107) left of the page."""
    warnings = list(warnings)
    text, how = repair_mojibake(text)
    if how:
        warnings.append(Warnings.W109.format(how=how))
    text, escapes = unescape_breaks(text)
    if escapes:
        warnings.append(Warnings.W100.format(n=escapes))
    text, tags = strip_leftover_tags(text)
    text, refs = unescape_entities(text)
    return text, warnings + ([Warnings.W108.format(n=tags)] if tags else []) + \
        ([Warnings.W107.format(n=refs)] if refs else [])


# Mojibake: a Chinese page's bytes read in a Western code page and saved again (`å¹³æ½­` for 平潭). Tried
# only on text with almost no Chinese characters and many Latin-1 letters; kept only when the repair
# gives mostly Chinese text.
MOJIBAKE_MAX_CJK_SHARE = 0.05  # of the text's non-blank characters, before: a Chinese text has far more
MOJIBAKE_MIN_LATIN1_SHARE = 0.3  # characters U+0080–U+00FF (and cp1252's), before
MOJIBAKE_MIN_CJK_SHARE = 0.3  # after the repair
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _cjk_share(s: str) -> float:
    chars = [c for c in s if not c.isspace()]
    return sum(1 for c in chars if _CJK.match(c)) / max(len(chars), 1)


def _as_bytes(s: str, codepage: str) -> bytes | None:
    """The bytes `s` was decoded from in `codepage` (cp1252's five holes, and latin-1, pass bytes
    through as their own code points), or None."""
    out = bytearray()
    for ch in s:
        try:
            out += ch.encode(codepage)
        except UnicodeEncodeError:
            if ord(ch) < 256:
                out.append(ord(ch))
            else:
                return None
    return bytes(out)


# UTF-8 read as GBK gives Chinese characters, but rare ones (鏀垮簻淇℃伅 for 政府信息): of a report's
# ideographs at least half are among the common ones (_COMMON_CHARS; the labelled reports: 0.52 to 0.86),
# of such mojibake under 2 % (the same reports served so: at most 0.016)
MOJIBAKE_MAX_COMMON_SHARE = 0.15  # before
MOJIBAKE_MIN_COMMON_SHARE = 0.35  # after the repair


def _common_share(s: str) -> float:
    from xxgk.text import fold

    ideographs = [c for c in fold(s[:20000]) if _CJK.match(c)]
    return sum(1 for c in ideographs if c in _COMMON_CHARS) / max(len(ideographs), 1)


def repair_mojibake(text: str) -> tuple[str, str | None]:
    """Text decoded in the wrong code page, read back to its bytes and decoded as UTF-8 or GB18030;
    the text as it is when it is not mojibake. Returns (text, how) with how None when nothing was done."""
    chars = [c for c in text[:20000] if not c.isspace()]
    if chars and _cjk_share(text[:20000]) >= MOJIBAKE_MIN_CJK_SHARE \
            and _common_share(text) < MOJIBAKE_MAX_COMMON_SHARE:
        # UTF-8 read as GB18030/GBK: a byte the reading replaced by U+FFFD is lost, so the character it
        # belonged to comes back as U+FFFD (never guessed); the others come back whole
        fixed = b"".join(part.encode("gb18030") for part in text.split("\ufffd")).decode("utf-8", errors="replace")
        if _common_share(fixed) >= MOJIBAKE_MIN_COMMON_SHARE:
            return fixed, f"utf-8 read as gb18030, {fixed.count(chr(0xFFFD))} character(s) lost"
    if not chars or _cjk_share(text[:20000]) > MOJIBAKE_MAX_CJK_SHARE:
        return text, None
    latin = sum(1 for c in chars if 0x80 <= ord(c) < 0x100 or c in "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")
    if latin < MOJIBAKE_MIN_LATIN1_SHARE * len(chars):
        return text, None
    for codepage in ("cp1252", "latin-1"):
        raw = _as_bytes(text, codepage)
        if raw is None:
            continue
        for encoding in ("utf-8", "gb18030"):
            try:
                fixed = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _cjk_share(fixed[:20000]) >= MOJIBAKE_MIN_CJK_SHARE:
                return fixed, f"{encoding} read as {codepage}"
    return text, None


# A JSON string saved as it was: the page on one line, its breaks written `\n` and its cells' gaps `\t`.
# Undone only when the text holds more written breaks than line breaks of its own.
ESCAPED_BREAKS_MIN = 1
_ESCAPED = re.compile(r"\\(?:([ntr\"/\\])|u([0-9a-fA-F]{4}))")


def unescape_breaks(text: str) -> tuple[str, int]:
    """Escape sequences of a JSON string read back (`\\n`, `\\t`, `\\"`, `\\u5e73` …), and how many line
    breaks and tabs there were; the text as it is unless it holds at least ESCAPED_BREAKS_MIN written
    breaks and fewer real ones."""
    written = text.count("\\n") + text.count("\\t")
    if written < ESCAPED_BREAKS_MIN or text.count("\n") >= written:
        return text, 0
    plain = {"n": "\n", "t": "\t", "r": "", '"': '"', "/": "/", "\\": "\\"}
    return _ESCAPED.sub(lambda m: plain[m.group(1)] if m.group(1) else chr(int(m.group(2), 16)), text), written


# Tags a scrape that did not take the page apart leaves in its text (`规章\t0\t1<br>`, `<p>二、…</p>`,
# `<span style=…>`): a line's end where a block or a line break was (unless one is there already), a
# tab after a table cell, nothing for the rest. Only these names: a `<` in the text is otherwise kept.
_BLOCK_TAG = re.compile(r"[ \t]*<(?:br|/?(?:p|div|li|ul|ol|h[1-6]|tr|table|tbody|thead|section|article))\b[^<>]{0,300}?/?>"
                        r"[ \t]*\n?", re.I)
_CELL_END = re.compile(r"</t[dh]\s*>", re.I)
_INLINE_TAG = re.compile(r"</?(?:td|th|span|font|strong|b|i|em|u|a|img|sup|sub|o:p|st1:[a-z]+)\b[^<>]{0,300}?/?>", re.I)


def strip_leftover_tags(text: str) -> tuple[str, int]:
    """Plain text without the page tags left in it (`_BLOCK_TAG`, `_CELL_END`, `_INLINE_TAG`), and how many."""
    if "<" not in text:
        return text, 0
    n = 0

    def block(m: re.Match[str]) -> str:
        nonlocal n
        n += 1
        at_line_start = m.start() == 0 or text[m.start() - 1] == "\n"
        return "" if at_line_start else "\n"  # a line already starts here, or the tag ends one

    def fixed(repl: str):
        def one(m: re.Match[str]) -> str:
            nonlocal n
            n += 1
            return repl
        return one

    text = _BLOCK_TAG.sub(block, text)
    text = _CELL_END.sub(fixed("\t"), text)
    return _INLINE_TAG.sub(fixed(""), text), n


# An HTML character reference with its semicolon (`&nbsp;`, `&ldquo;`, `&#12290;`, `&#x3002;`): a scrape
# that strips a page's tags but not its entities leaves them in the text, between a table's figures
# (`规章&nbsp;0&nbsp;1`) and at the start of lines. Without the semicolon (`&copy`, `?a=1&para=2`) a
# name is left as written.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescape_entities(text: str) -> tuple[str, int]:
    """Plain text with its HTML character references read as characters, and how many there were
    (a name HTML does not define is left as written). A page escaped twice (`&amp;nbsp;`, as some sites'
    JSON interfaces return it) is read twice: what `&amp;` gave is read once more."""
    import html

    n = amps = 0

    def one(m: re.Match[str]) -> str:
        nonlocal n, amps
        got = html.unescape(m.group())
        n += got != m.group()
        amps += got == "&"
        return got

    for _ in range(ESCAPE_PASSES):
        if "&" not in text:
            break
        amps = 0
        text = _ENTITY.sub(one, text)
        if not amps:
            break
    return text, n


ESCAPE_PASSES = 2  # a page escaped twice is seen; three times, never


_GB = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}  # declared GB charsets: read as the superset


def _decode_declared(data: bytes, declared: str | None, path: str) -> tuple[str, list[str]]:
    """Bytes in the charset their container declares; detected when it declares none or a wrong one."""
    if declared:
        enc = _GB.get(declared.lower(), declared.lower())
        try:
            return data.decode(enc), []
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text_bytes(data, path, html=True)


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text[:20000])


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def decode_text_bytes(data: bytes, path: str, html: bool = False) -> tuple[str, list[str]]:
    """Decode text of unknown encoding: BOMs, strict UTF-8, UTF-16 sniffing, then detection."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                     (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            text = data[len(bom):].decode(enc, errors="replace")
            return text, _replacement_warning(text, data)
    even_nul = data[0:4000:2].count(0)
    odd_nul = data[1:4000:2].count(0)
    sample = min(len(data), 4000) // 2 or 1
    for enc, cond in (("utf-16-le", odd_nul > 0.3 * sample and even_nul < 0.05 * sample),
                      ("utf-16-be", even_nul > 0.3 * sample and odd_nul < 0.05 * sample)):
        if cond:
            text = data.decode(enc, errors="replace")
            if _looks_like_text(text):
                return text, [Warnings.W101.format(encoding=enc, confidence="BOM-less")]
    if data.count(0) > max(8, len(data) // 100):
        # NULs: BOM-less UTF-16 of mostly Chinese text, or binary
        for enc in ("utf-16-le", "utf-16-be"):
            text = data.decode(enc, errors="replace")
            cjk = sum(1 for ch in text[:5000] if "\u4e00" <= ch <= "\u9fff")
            if _looks_like_text(text) and cjk * 3 > len(text[:5000]):
                return text, [Warnings.W101.format(encoding=enc, confidence="BOM-less")]
        raise InputError(Errors.E003.format(path=path, detail=f"{data.count(0)} NUL bytes"))
    try:
        text = data.decode("utf-8")
        # UTF-8 once read as GBK holds many U+FFFD; it is text all the same, repaired as plain text (_plain)
        if not _looks_like_text(text) and repair_mojibake(text)[1] is None:
            raise InputError(Errors.E003.format(path=path, detail="control characters, not text"))
        return text, []
    except UnicodeDecodeError:
        pass
    mixed = _mixed_lines(data)
    if mixed is not None:
        text, utf8, legacy, enc = mixed
        return text, [Warnings.W114.format(utf8=utf8, legacy=legacy, encoding=enc)]
    # mostly UTF-8 with a few broken sequences (a page cut mid-character): keep UTF-8
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\xef\xbf\xbd".encode("latin-1"))
    if bad * 200 < len(text):
        return text, [Warnings.W102.format(n=bad)]
    if html:
        m = _META_CHARSET.search(data[:4096])
        if m:
            enc = m.group(1).decode("ascii", "ignore").lower()
            enc = _GB.get(enc, enc)
            try:
                return data.decode(enc), [Warnings.W101.format(encoding=enc, confidence="declared")]
            except (LookupError, UnicodeDecodeError):
                pass
    return _detect(data, path)


# a line is in another encoding than UTF-8 when reading it as UTF-8 breaks at least this many sequences and
# this share of its characters (a UTF-8 line cut inside a character breaks one)
MIXED_MIN_BROKEN = 2
MIXED_BROKEN_SHARE = 0.3
# a line that reads as UTF-8 with this many characters of three bytes is taken for UTF-8 (one such character
# can be a legacy pair that happens to line up)
MIXED_MIN_WIDE = 2


def _mixed_lines(data: bytes) -> tuple[str, int, int, str] | None:
    """A file whose lines are in two encodings (a page template in UTF-8 around an article stored as GBK,
    parts appended to one file), decoded line by line: (text, UTF-8 lines, other lines, their encoding).
    None unless there are lines clearly in each: UTF-8 ones with characters of three bytes (GBK or Big5
    pairs seldom line up as such sequences) and others that reading as UTF-8 breaks throughout (a UTF-8
    line cut inside a character breaks once)."""
    lines = data.split(b"\n")
    kinds: list[str | None] = []  # None: ASCII; "broken": not UTF-8; "either": UTF-8 of two-byte characters
    clear: list[bytes] = []  # lines clearly in another encoding
    for line in lines:
        if line.isascii():
            kinds.append(None)
            continue
        try:
            as_utf8 = line.decode("utf-8")
        except UnicodeDecodeError:
            broken = line.decode("utf-8", errors="replace").count("\ufffd")
            wide = sum(1 for ch in line.decode("gb18030", errors="replace") if ord(ch) > 127)
            if broken >= MIXED_MIN_BROKEN and broken >= MIXED_BROKEN_SHARE * wide:
                clear.append(line)
            kinds.append("broken")
            continue
        kinds.append("utf8" if sum(1 for ch in as_utf8 if ord(ch) >= 0x800) >= MIXED_MIN_WIDE else "either")
    if not clear or "utf8" not in kinds:
        return None
    strict = _strict_cjk(b"\n".join(clear))
    # too few characters to tell the encoding by (a two-character heading): GB18030, a Chinese page's own
    enc = strict[1] if strict is not None else "gb18030"

    def reads(line: bytes) -> bool:
        try:
            line.decode(enc)
        except UnicodeDecodeError:
            return False
        return True

    # a broken line is in the other encoding when it reads there, else a UTF-8 line cut; a line of two-byte
    # characters only (`息` in GBK reads as UTF-8 `Ϣ`, `·` in UTF-8 as GBK `路`) goes with the lines around it
    kinds = [("legacy" if reads(line) else "utf8") if k == "broken" else k for line, k in zip(lines, kinds)]
    if "legacy" not in kinds:
        return None
    after: list[str | None] = [None] * len(kinds)  # the kind of the next line that has one
    for i in range(len(kinds) - 2, -1, -1):
        after[i] = kinds[i + 1] if kinds[i + 1] in ("utf8", "legacy") else after[i + 1]
    before = None
    for i, k in enumerate(kinds):
        if k == "either":
            k = kinds[i] = "legacy" if (before or after[i]) == "legacy" and reads(lines[i]) else "utf8"
        if k is not None:
            before = k
    text = "\n".join(line.decode(enc) if k == "legacy" else line.decode("utf-8", errors="replace")
                     for line, k in zip(lines, kinds))
    if not _looks_like_text(text):
        return None
    return text, kinds.count("utf8"), kinds.count("legacy"), enc


def _looks_like_text(text: str) -> bool:
    """Few control / private-use / unassigned characters: decoded text, not binary noise."""
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t\f") or 0xE000 <= ord(ch) <= 0xF8FF
              or ch == "\ufffd" or 0xD800 <= ord(ch) <= 0xDFFF)
    return bad * 20 < max(len(sample), 200)


# Characters that fill any Chinese report (simplified; a decoded text is folded before counting, so
# traditional text scores the same): a wrong decoding yields rare characters instead of these.
_COMMON_CHARS = frozenset("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
                          "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小"
                          "物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相"
                          "全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公"
                          "无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头"
                          "基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任"
                          "取据处府报告申请信息依办理收")
# Encodings tried by strict decoding when detection gives no answer (Chinese pages are one of these).
_CJK_ENCODINGS = ("gb18030", "big5", "cp950", "big5hkscs")


def _strict_cjk(data: bytes) -> tuple[str, str] | None:
    """The encoding among _CJK_ENCODINGS that decodes `data` strictly into the most common characters."""
    from xxgk.text import fold

    best = None
    for enc in _CJK_ENCODINGS:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        sample = fold(text[:20000])
        score = sum(1 for ch in sample if ch in _COMMON_CHARS)
        if best is None or score > best[0]:
            best = (score, enc, text)
    if best is None or best[0] == 0:
        return None
    return best[2], best[1]


def _detect(data: bytes, path: str) -> tuple[str, list[str]]:
    strict = _strict_cjk(data)
    if strict is not None and _looks_like_text(strict[0]):
        return strict[0], [Warnings.W101.format(encoding=strict[1], confidence="strict decoding")]
    from charset_normalizer import from_bytes  # a declared dependency

    sample = data[: 256 * 1024]
    results = from_bytes(sample, cp_isolation=["gb18030", "big5", "utf_16_le", "utf_16_be", "shift_jis",
                                               "euc_kr", "cp1252"])
    best = results.best()
    if best is not None:
        enc = best.encoding
        enc = "gb18030" if enc in ("gb2312", "gbk") else enc
        text = data.decode(enc, errors="replace")
        chaos = getattr(best, "chaos", 0.0)
        warnings = [Warnings.W101.format(encoding=enc, confidence=f"{1 - chaos:.2f}")]
        bad = text.count("\ufffd")
        if bad:
            warnings.append(Warnings.W102.format(n=bad))
        if not _looks_like_text(text):
            raise InputError(Errors.E003.format(path=path, detail=f"no readable text (best guess {enc})"))
        if bad * 20 > len(text):
            raise InputError(Errors.E004.format(path=path, detail=f"best guess {enc} leaves {bad} bad characters"))
        return text, warnings
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        if not _looks_like_text(data.decode("gb18030", errors="replace")):
            raise InputError(Errors.E003.format(path=path, detail="no readable text in any encoding")) from None
        raise InputError(Errors.E004.format(path=path, detail=str(e)[:80])) from None
    if not _looks_like_text(text):
        raise InputError(Errors.E003.format(path=path, detail="no readable text in any encoding"))
    return text, [Warnings.W101.format(encoding="gb18030", confidence="fallback")]


def _replacement_warning(text: str, data: bytes) -> list[str]:
    bad = text.count("\ufffd")
    return [Warnings.W102.format(n=bad)] if bad else []

