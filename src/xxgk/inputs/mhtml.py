"""A web page saved as one file (`.mhtml` from Chrome and Edge, `.mht` from Internet Explorer, WPS
and Word): a MIME multipart message whose first HTML part is the page; images and stylesheets are
the other parts and are not read. The part is decoded (quoted-printable or base64) and then read as
any HTML page, in the charset the part declares or, without one, as detected.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message

from xxgk.errors import Errors, InputError

MHTML_SUFFIXES = {".mht", ".mhtml"}
# how far into a file its MIME headers are looked for
HEADER_BYTES = 4096


_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:")


def looks_like_mhtml(data: bytes) -> bool:
    """A MIME message: header lines first, among them MIME-Version and a multipart content type."""
    head = data[:HEADER_BYTES].lstrip()
    if not _HEADER_LINE.match(head):
        return False
    headers = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0].lower()
    return b"mime-version:" in headers and b"multipart/" in headers


def page_html(data: bytes, path: str) -> tuple[bytes, str | None]:
    """(the page's HTML bytes, its declared charset or None)."""
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
    except Exception as e:  # the parser is lenient; anything it raises is a damaged file
        raise InputError(Errors.E016.format(path=path, detail=f"{type(e).__name__}: {str(e)[:80]}")) from None
    part = _first_html(msg)
    if part is None:
        raise InputError(Errors.E016.format(path=path, detail="a saved page (MHTML) with no HTML part"))
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        raise InputError(Errors.E002.format(path=path))
    return payload, part.get_content_charset()


def _first_html(msg: Message) -> Message | None:
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            return part
    return None
