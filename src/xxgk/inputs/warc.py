"""Web archives (WARC, `.warc` or `.warc.gz`, as Heritrix, wget --warc-file, Browsertrix and
Common Crawl write them): one document per archived page or file.

Discovery walks the archive once and names, without keeping them, the records that hold a
document: `response` records of a successful (2xx) HTTP exchange, and `resource` records, whose
payload is HTML, text, PDF, DOCX or Word 97-2003 (by content type, or by the URL's suffix when the
server said `application/octet-stream`). Stylesheets, scripts, images, redirects, error pages,
requests, metadata and revisit records are not documents and are passed over. Each document is read
later by seeking to its record (workers never hold the archive in memory); its payload, with the
transfer and content encodings undone, goes through the same decoding as a file of that type. A
record cut short (an archive truncated by a failed download) and a damaged archive are errors
(E025) naming the record; the documents before the damage are read.
A document's `source` is `<archive>#R<n>` (n: the record's position in the archive, from 1), its
`doc_id` `<archive stem>:<n>`, and its `url` the record's WARC-Target-URI.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Iterator

from xxgk.errors import Errors, InputError

WARC_SUFFIXES = (".warc", ".warc.gz")
HEAD_BYTES = 4096  # enough of a gzipped archive to decompress its first line (WARC/1.x)
# content types that can hold a report, and the file suffix whose decoding applies to them
CONTENT_SUFFIX = {
    "text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt", "text/markdown": ".md",
    "application/pdf": ".pdf", "application/ofd": ".ofd", "application/msword": ".doc", "application/vnd.ms-word": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/kswps": ".wps", "application/vnd.ms-works": ".wps", "application/wps-office.wps": ".wps",
}


def is_warc(path: str) -> bool:
    return path.lower().endswith(WARC_SUFFIXES)


def _stem(path: str) -> str:
    name = Path(path).name
    for suffix in WARC_SUFFIXES[::-1]:  # .warc.gz before .warc
        if name.lower().endswith(suffix):
            return name[:-len(suffix)] or name
    return Path(path).stem


def _document_suffix(record, doc_suffixes: AbstractSet[str]) -> str | None:
    """The suffix a record's payload decodes as, or None when it holds no document."""
    headers = record.http_headers
    if record.rec_type == "response":
        if headers is None:
            return None
        status = headers.get_statuscode() or ""
        if not status.startswith("2"):
            return None
        ctype = headers.get_header("Content-Type") or ""
    elif record.rec_type == "resource":
        ctype = record.rec_headers.get_header("Content-Type") or ""
    else:
        return None
    ctype = ctype.split(";")[0].strip().lower()
    if ctype in CONTENT_SUFFIX:
        return CONTENT_SUFFIX[ctype]
    if ctype in ("", "application/octet-stream", "binary/octet-stream", "application/download"):
        url = (record.rec_headers.get_header("WARC-Target-URI") or "").split("?")[0].split("#")[0]
        suffix = os.path.splitext(url)[1].lower()
        return suffix if suffix in doc_suffixes else None
    return None


@dataclass
class ArchivedDocument:
    """Where one document of an archive is; `error` (a catalogue message) when it cannot be read."""

    doc_id: str
    source: str
    n: int = 0
    offset: int | None = None
    length: int | None = None
    url: str | None = None
    suffix: str | None = None
    error: str | None = None


def iter_warc(path: str, doc_suffixes: AbstractSet[str]) -> Iterator[ArchivedDocument]:
    """The documents of one archive, each knowing where its record starts."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    stem = _stem(path)
    try:
        fh = open(path, "rb")
    except OSError as e:
        yield ArchivedDocument(stem, path, error=Errors.E017.format(path=path, detail=e.strerror or e))
        return
    n = 0
    with fh:
        start = _first_bytes(fh)
        if not start.startswith(b"WARC/"):
            yield ArchivedDocument(stem, path, error=Errors.E025.format(
                path=path, detail=f"not a web archive: it starts {start[:24]!r}"))
            return
        it = ArchiveIterator(fh)
        try:
            for record in it:
                n += 1
                suffix = _document_suffix(record, doc_suffixes)
                if suffix is None:
                    continue
                offset = it.get_record_offset()
                url = record.rec_headers.get_header("WARC-Target-URI")
                it.read_to_end(record)
                where = f"{path}#R{n}"
                missing = getattr(record.raw_stream, "limit", 0)  # bytes its Content-Length promised, not there
                if missing:
                    yield ArchivedDocument(f"{stem}:{n}", where, n, url=url, error=Errors.E025.format(
                        path=where, detail=f"cut short: {missing} of {record.length} bytes missing"))
                    continue
                yield ArchivedDocument(f"{stem}:{n}", where, n, offset, it.get_record_length(), url, suffix)
        except (ArchiveLoadFailed, OSError, ValueError, EOFError) as e:
            # a damaged archive: what was found before the damage stands, the rest is one named error
            where = f"{path}#R{n}"
            yield ArchivedDocument(f"{stem}:{n}", where, n, error=Errors.E025.format(
                path=where, detail=f"{type(e).__name__}: {str(e)[:80]}"))


def _first_bytes(fh, n: int = 32) -> bytes:
    """The archive's first bytes, decompressed when it is gzipped; the file is left at its start."""
    head = fh.read(HEAD_BYTES)
    fh.seek(0)
    if head.startswith(b"\x1f\x8b"):
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)[:n]
        except zlib.error:
            return head[:n]
    return head[:n]


def read_payload(path: str, offset: int, source: str, max_bytes: int) -> bytes:
    """The payload of the record at `offset`, transfer and content encodings undone."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            data = record.content_stream().read(max_bytes + 1)
    except OSError as e:
        raise InputError(Errors.E017.format(path=source, detail=e.strerror or e)) from None
    except (ArchiveLoadFailed, StopIteration, ValueError, EOFError) as e:
        raise InputError(Errors.E025.format(path=source, detail=f"{type(e).__name__}: {str(e)[:80]}")) from None
    if len(data) > max_bytes:
        raise InputError(Errors.E005.format(path=source, size=f"more than {max_bytes}", limit=max_bytes))
    return data
