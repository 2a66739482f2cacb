"""Project names compared as identity step 2 says: NFKC, all whitespace removed,
brackets unified as （）."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from functools import lru_cache

_OTHER_BRACKETS = re.compile(r"[\[\]【】〔〕]")
_TO_ROUND = {"[": "（", "]": "）", "【": "（", "】": "）", "〔": "（", "〕": "）"}
# a trailing phase or note in brackets: "（一期）", "（二期工程）", "（续建）"
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")
_TRAILING_WORDS = ("建设项目", "项目", "工程")


def normalise_name(name: str) -> str:
    """The form in which two names are the same project name: "年产 10万吨(一期)" →
    "年产10万吨（一期）".

    Runs for every row collect records: NFKC (which turns full-width （） into ()) is
    applied only to names it changes, after the full-width brackets are made half-width
    by hand, which is all it would change in most names (5 µs → 0.5 µs a name)."""
    s = name.replace("（", "(").replace("）", ")")
    if not unicodedata.is_normalized("NFKC", s):
        s = unicodedata.normalize("NFKC", s)
    s = "".join(s.split())
    if "(" in s or ")" in s:
        s = s.replace("(", "（").replace(")", "）")
    if _OTHER_BRACKETS.search(s):
        s = _OTHER_BRACKETS.sub(lambda m: _TO_ROUND[m.group()], s)
    return s


@lru_cache(maxsize=1 << 16)
def row_name_hash(name: str) -> int:
    """``name_hash(normalise_name(name))``, remembered: a district sends the same project
    names month after month, so collect mostly finds them here."""
    return name_hash(normalise_name(name))


def name_hash(norm: str) -> int:
    """A 64-bit number for a normalised name (the ledger's ``rows.name_hash``): stable
    across processes and runs, unlike ``hash``. Indexed with the submission, it lets
    collect match this month's rows with last month's inside SQLite; an integer index
    costs collect far less to keep up than one on the text."""
    digest = hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _stem(norm: str) -> str:
    s = _TRAILING_NOTE.sub("", norm)
    for word in _TRAILING_WORDS:
        if s.endswith(word) and len(s) > len(word):
            return s[: -len(word)]
    return s


def close_names(a: str, b: str) -> bool:
    """Two different normalised names that may be one project renamed: equal once a
    trailing bracket note and 项目/工程 are dropped ("…项目" vs "…项目（一期）"), one
    containing the other (at least 6 characters), or nearly the same text (similarity ≥ 0.8)."""
    if a == b:
        return False
    sa, sb = _stem(a), _stem(b)
    if sa and sa == sb:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 6 and short in long_:
        return True
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.8
