"""Which body a record belongs to: the organisation name normalised by documented rules, plus aliases.

The rules (docs/panel.md, "Body identity"), in order:

1. the name is `meta.organization`, else the title cut before its year (…2023年政府信息公开…);
2. folded like the matching view of the text (traditional → simplified, full-width → half-width),
   whitespace removed, a trailing parenthetical dropped (平潭综合实验区（管委会） → 平潭综合实验区);
3. a zone's administrative-committee suffix is dropped: …实验区/开发区/新区/园区… followed by
   管委会 or 管理委员会 (平潭综合实验区管理委员会 → 平潭综合实验区); 管委会办公室 is another body
   and keeps its name;
4. the user's alias file maps a variant to a canonical name (both sides normalised by 1–3);
5. a name that is another known name with only administrative-division prefixes in front
   (淮安市洪泽区人民政府 = 淮安市 + 洪泽区人民政府) joins it, when the shorter name itself starts
   with a division and no second, different long form claims it (淮安市洪泽区 and 南京市洪泽区
   would leave 洪泽区人民政府 alone). The body is named by its longest (most qualified) form.
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from xxgk.errors import Errors, XXGKError
from xxgk.text import fold

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# the report's own words after the body's name in a title (title fallback, rule 1)
_TITLE_TAIL = re.compile(r"\s*(?:关于)?\s*\d{4}\s*年.*$")
_SPACE = re.compile(r"\s+")
_TRAILING_PAREN = re.compile(r"[(（][^()（）]*[)）]$")
# rule 3: a zone named by its administrative committee
_ZONE_COMMITTEE = re.compile(r"(实验区|试验区|开发区|新区|园区|示范区|合作区|保税区|自贸区|高新区)(?:党工委)?(?:管委会|管理委员会)$")
# rule 5: one administrative-division name (the shortest run of characters ending in a division word)
_DIVISION = r"[\u4e00-\u9fff]{1,10}?(?:特别行政区|自治区|自治州|自治县|地区|省|市|盟|县|区|旗)"
_DIVISIONS_ONLY = re.compile(rf"^(?:{_DIVISION})+$")
_STARTS_WITH_DIVISION = re.compile(rf"^{_DIVISION}.")


def raw_name(organization: str | None, title: str | None) -> str | None:
    """Rule 1: the name as the record gives it."""
    if organization and organization.strip():
        return organization.strip()
    if title and title.strip():
        cut = _TITLE_TAIL.sub("", title.strip())
        return cut or None
    return None


def normalise(name: str) -> str:
    """Rules 2 and 3 on one name."""
    s = _SPACE.sub("", fold(name))
    prev = None
    while prev != s:
        prev = s
        s = _TRAILING_PAREN.sub("", s)
    return _ZONE_COMMITTEE.sub(r"\1", s)


def load_aliases(path: str | Path) -> dict[str, str]:
    """An alias file: TOML (`[aliases]` table of "variant" = "canonical") or CSV (variant,canonical)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise XXGKError(Errors.E021.format(path=path, detail=e.strerror or str(e))) from None
    pairs: list[tuple[str, str]] = []
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise XXGKError(Errors.E021.format(path=path, detail=str(e))) from None
        table = data.get("aliases", data)
        for k, v in table.items():
            if not isinstance(v, str):
                raise XXGKError(Errors.E021.format(path=path, detail=f"{k!r} must map to a name (a string)"))
            pairs.append((k, v))
    elif path.suffix.lower() == ".csv":
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
        if rows and [c.strip().lower() for c in rows[0][:2]] == ["variant", "canonical"]:
            rows = rows[1:]
        for n, row in enumerate(rows, 1):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise XXGKError(Errors.E021.format(path=path, detail=f"row {n} needs variant,canonical"))
            pairs.append((row[0], row[1]))
    else:
        raise XXGKError(Errors.E021.format(path=path, detail="use .toml or .csv"))
    out = {}
    for variant, canonical in pairs:
        out[normalise(variant)] = normalise(canonical)
    return out


@dataclass
class Identities:
    """Raw names → body names, with the reason for each join (shown in the outputs)."""

    body: dict[str, str] = field(default_factory=dict)  # raw name → body
    why: dict[str, str] = field(default_factory=dict)  # raw name → how it was joined
    ambiguous: list[str] = field(default_factory=list)  # notes on short names left alone (rule 5)

    def variants(self, body: str) -> list[str]:
        return sorted(r for r, b in self.body.items() if b == body)


def resolve(raw_names: list[str], aliases: dict[str, str] | None = None) -> Identities:
    """Rules 2–5 over every name of a panel (rule 5 needs to see them all)."""
    aliases = aliases or {}
    out = Identities()
    stage: dict[str, str] = {}
    for raw in sorted(set(raw_names)):
        norm = normalise(raw)
        reasons = []
        if norm != raw:
            reasons.append("normalised")
        if norm in aliases:
            norm = aliases[norm]
            reasons.append("alias file")
        stage[raw] = norm
        out.why[raw] = ", ".join(reasons) or "as written"
    pinned = set(aliases.values())  # the user's canonical names are final
    names = sorted(set(stage.values()), key=len)
    # for each name, the shortest known name it extends by division prefixes only
    short_of: dict[str, str] = {}
    for n in names:
        if n in pinned:
            continue
        for m in names:  # shortest first
            if len(m) >= len(n) or not n.endswith(m) or not _STARTS_WITH_DIVISION.match(m):
                continue
            if _DIVISIONS_ONLY.match(n[: len(n) - len(m)]):
                short_of[n] = m
                break
    # a short name is one body with its long forms only when those forms lie on one chain
    groups: dict[str, list[str]] = {}
    for n, m in short_of.items():
        groups.setdefault(m, []).append(n)
    canonical: dict[str, str] = {}
    for m, longs in groups.items():
        longs.sort(key=len)
        chain = all(longs[i + 1].endswith(longs[i]) for i in range(len(longs) - 1))
        if not chain:
            out.ambiguous.append(f"{m} left alone: it could be any of {', '.join(longs)}")
            continue
        for n in [m] + longs:
            canonical[n] = longs[-1]
    for raw, norm in stage.items():
        body = canonical.get(norm, norm)
        out.body[raw] = body
        if body != norm:
            out.why[raw] = (out.why[raw] + ", " if out.why[raw] != "as written" else "") + \
                "division prefix joined"
    return out
