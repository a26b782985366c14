"""Officer vocabulary as data: abbreviations, domain synonyms and question words.

Admins extend these files without touching code (``retrieval/data/*.toml``), and a
deployment can merge its own abbreviations on top (``extra`` files, from the setting
``TDKT_ABBREVIATIONS=/path/file.toml``; same ``[abbreviations]`` format; its entries win).
The files are read when an engine builds its index, so an edit takes effect at the next
knowledge-base refresh or restart.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from knowledge.errors import KnowledgeError
from retrieval.text import normalize, strip_diacritics

DATA_DIR = Path(__file__).resolve().parent / "data"
ABBREVIATIONS_FILE = DATA_DIR / "abbreviations.toml"
SYNONYMS_FILE = DATA_DIR / "synonyms.toml"
STOPWORDS_FILE = DATA_DIR / "stopwords.toml"
ABBREVIATIONS_SETTING = "TDKT_ABBREVIATIONS"
"""The setting that names extra abbreviation files (read by bot.config), for messages."""


class LexiconError(KnowledgeError, ValueError):
    """A vocabulary file is malformed; the (Vietnamese) message names the file and the entry."""


@dataclass(frozen=True)
class SynonymRule:
    """When any ``when`` phrase occurs in the question, the ``add`` terms join the query."""

    when: tuple[str, ...]
    add: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Lexicon:
    """Everything the query side reads from data files, already normalised."""

    abbreviations: dict[str, str] = field(default_factory=dict)
    rules: tuple[SynonymRule, ...] = ()
    stopwords: frozenset[str] = frozenset()
    sources: tuple[Path, ...] = ()


def _read(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{path}: không đọc được TOML ({exc})") from exc


def _phrase(text: str) -> str:
    """The form phrases are compared in: normalised, lowercase, single spaces."""
    return " ".join(normalize(text).split())


def read_abbreviations(path: Path) -> dict[str, str]:
    """``[abbreviations] "key" = "expansion"`` → {normalised key: normalised expansion}."""
    table = _read(path).get("abbreviations", {})
    if not isinstance(table, dict):
        raise LexiconError(f"{path}: [abbreviations] phải là một bảng “khóa” = “nghĩa”")
    out: dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip() or not key.strip():
            raise LexiconError(f"{path}: mục “{key}” phải có nghĩa là một chuỗi không rỗng")
        out[_phrase(key)] = _phrase(value)
    return out


def with_unaccented_keys(abbreviations: dict[str, str]) -> dict[str, str]:
    """Add the diacritic-free spelling of every key ("cstđ" → also "cstd") unless listed.

    Officers without a Vietnamese keyboard type "cstd"; admins should not have to list both.
    An explicit entry for the unaccented key always wins.
    """
    out = dict(abbreviations)
    for key, value in abbreviations.items():
        plain = strip_diacritics(key)
        out.setdefault(plain, value)
    return out


def read_rules(path: Path) -> tuple[SynonymRule, ...]:
    rules = []
    for i, item in enumerate(_read(path).get("rule", []), start=1):
        when, add = item.get("when"), item.get("add")
        if not (isinstance(when, list) and isinstance(add, list) and when and add):
            raise LexiconError(f"{path}: quy tắc thứ {i} cần when = [...] và add = [...]")
        rules.append(
            SynonymRule(
                when=tuple(_phrase(w) for w in when),
                add=tuple(_phrase(a) for a in add),
                note=str(item.get("note", "")),
            )
        )
    return tuple(rules)


def read_stopwords(path: Path) -> frozenset[str]:
    words = _read(path).get("stopwords", {}).get("words", [])
    return frozenset(_phrase(w) for w in words)


@lru_cache(maxsize=1)
def never_highlighted() -> frozenset[str]:
    """Words an answer never highlights: the question-word list as shipped plus the
    ``[display]`` words, which are no question words for ranking (normalised phrases); for
    display code that needs them without building an index."""
    extra = _read(STOPWORDS_FILE).get("display", {}).get("words", [])
    return read_stopwords(STOPWORDS_FILE) | {_phrase(w) for w in extra}


def load_lexicon(
    abbreviations: Path = ABBREVIATIONS_FILE,
    synonyms: Path = SYNONYMS_FILE,
    stopwords: Path = STOPWORDS_FILE,
    extra: Iterable[Path] = (),
) -> Lexicon:
    """Read the data files; ``extra`` abbreviation files are merged on top in order."""
    sources = [abbreviations]
    table = read_abbreviations(abbreviations)
    for path in extra:
        if not path.exists():
            raise LexiconError(f"{ABBREVIATIONS_SETTING}: không tìm thấy tệp {path}")
        table.update(read_abbreviations(path))
        sources.append(path)
    rules = read_rules(synonyms) if synonyms.exists() else ()
    stop = read_stopwords(stopwords) if stopwords.exists() else frozenset()
    return Lexicon(
        abbreviations=with_unaccented_keys(table),
        rules=rules,
        stopwords=stop,
        sources=(*sources, synonyms, stopwords),
    )
