"""One catalogue of the messages xxgk gives about inputs (in the manner of spaCy's Errors).

Each entry is a code and a template; records carry the formatted string, so a user can
grep a batch's output for a code.  Errors make a document `failed`; warnings do not.
"""

from __future__ import annotations


class Errors:
    E001 = "E001 input not found: {path}"
    E002 = "E002 file is empty: {path}"
    E003 = "E003 file looks binary, not text ({detail}): {path}"
    E004 = "E004 could not decode text ({detail}): {path}"
    E005 = "E005 file too large ({size} bytes > limit {limit}): {path}"
    E006 = "E006 invalid JSON on line {line}: {detail}: {path}"
    E007 = "E007 JSON line {line} has no page text (looked for {fields}): {path}"
    E008 = "E008 unreadable PDF ({detail}): {path}"
    E009 = "E009 PDF has no text layer (scanned images?): {path}"
    E010 = "E010 unreadable DOCX ({detail}): {path}"
    E011 = "E011 unsupported file type '{suffix}': {path}"
    E012 = "E012 not an annual report (no title, section or table of one found): {source}"
    E013 = "E013 this is an interpretation (解读) article about a report, not the report: {source}"
    E014 = "E014 extraction exceeded the time limit of {seconds}s: {source}"
    E015 = "E015 internal error while extracting ({detail}): {source}"
    E016 = "E016 unreadable HTML ({detail}): {path}"
    E017 = "E017 could not read file ({detail}): {path}"
    E018 = "E018 not an annual report: the document calls itself '{heading}': {source}"
    E019 = "E019 not a record on line {line} ({detail}): {path}"
    E020 = "E020 bad review decision on line {line} ({detail}): {path}"
    E021 = "E021 bad alias file ({detail}): {path}"
    E022 = "E022 review decision on line {line} names '{document}', which is the doc_id of {n} records; use the source: {path}"
    E023 = "E023 cannot read folder ({detail}): {path}"
    E024 = "E024 unreadable Word 97-2003 document ({detail}): {path}"
    E025 = "E025 unreadable web archive record ({detail}): {path}"
    E026 = "E026 unreadable OFD ({detail}): {path}"
    E027 = ("E027 PDF text layer cannot be read: {n} of {m} glyphs have no Unicode mapping (fonts embedded without "
            "a ToUnicode map; the page needs OCR, which xxgk does not do): {path}")


class Warnings:
    W100 = ("W100 the text held its line breaks and tabs as escape sequences (\\n, \\t: {n} of them, a JSON string saved "
            "as it was) and has them back")
    W101 = "W101 text decoded as {encoding} (detected, confidence {confidence})"
    W102 = "W102 {n} undecodable byte sequences replaced"
    W103 = "W103 traditional characters found; matched after conversion to simplified"
    W104 = "W104 the text starts with the JSON line's '{field}' field (line {line}), which it did not hold"
    W105 = ("W105 another report starts at character {start} ('{title}'): this record holds the report before "
            "it, read alone (`xxgk extract` reads the next as a record of its own)")
    W106 = ("W106 {n} table row(s) of a PDF or OFD with empty cells read by their columns (a printed page leaves "
            "an empty cell out; the table's full rows show where each figure stands)")
    W107 = ("W107 {n} HTML character reference(s) in the text (&nbsp;, &ldquo;, &#12290; …: a scrape that stripped the "
            "tags but kept the entities) read as the characters they stand for")
    W108 = ("W108 {n} HTML tag(s) left in the text (<br>, <p>, <span …>: a scrape that did not take the page apart) "
            "read as the line breaks and cell gaps they stand for")
    W109 = "W109 the text was mojibake ({how}): its characters were read back as the bytes they came from and decoded again"
    W110 = "W110 section {number} ({title}) not found"
    W111 = ("W111 {n} radical(s) or compatibility ideograph(s) in the text (⼀ for 一, ⾏ for 行: a PDF font's text layer) "
            "read as the ideographs they show")
    W112 = ("W112 {n} glyph(s) of the PDF's text layer have no Unicode mapping (a font embedded without a "
            "ToUnicode map), read as U+FFFD; what they print is lost")
    W113 = ("W113 {table} not in the text, and section {number} ({title}) holds {n} picture(s): the table is likely "
            "an image (xxgk does no OCR)")
    W114 = ("W114 lines in two encodings (a page template and an article stored apart, parts appended): read line by "
            "line, {utf8} line(s) as UTF-8 and {legacy} as {encoding}")
    W120 = "W120 {table}: row '{row}' not found"
    W121 = "W121 {table}: row '{row}' has {found} values where {expected} were expected; {action}"
    W122 = "W122 {table}: glued digits '{digits}' split as {split} using {constraint}"
    W123 = "W123 {table}: glued digits '{digits}' could not be split unambiguously ({n} candidates); cells left null"
    W124 = "W124 {table}: {n} stray numbers ignored: {values}"
    W125 = "W125 {table}: NA mark '{mark}' read as null at {path}"
    W126 = "W126 {table}: table not found"
    W128 = "W128 {table}: extra value column dropped in {n} rows ({how})"
    W129 = "W129 {path} derived as the sum of its row ({value}); the document leaves the cell empty"
    W131 = "W131 {table}: '{raw}' is not a whole number where {path} counts items; cell left null"
    W133 = "W133 {table}: row '{row}' gives glued zeros '{raw}': one cell per zero, the gap read as the empty cell"
    W132 = "W132 {path}: '{raw}' does not fit the field (a whole number); left null"
    W130 = "W130 check failed: {rule} (expected {expected}, found {found})"
    W140 = "W140 tagger unavailable ({detail}); rules only"
    W160 = "W160 {path} corrected by review ({reviewer}): the document says {original}, the record now holds {value}"
    W161 = "W161 review decision on line {line} of {path} matched nothing ({what})"
    W162 = "W162 left out of the panel ({why}): {source}"
    W163 = ("W163 {paths} = {split} as {copy}, a copy of the same report, prints them (a split of the glued "
            "'{digits}' the row allows): {source}")
    W164 = ("W164 {paths} = {split}: the only split of glued '{digits}' that passes {rules}, read with {others} "
            "(the body's reports of the years around it): {source}")


class XXGKError(Exception):
    """An error that stops a whole run (bad arguments, unwritable output)."""


class OutputWriteError(XXGKError):
    """The output failed after extraction began; what was written before is intact (exit 1)."""


class InputError(Exception):
    """An input that cannot be read; becomes a failed record, never stops a batch."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
