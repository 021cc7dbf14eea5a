"""The words county files use (data/vocabulary.toml), read once: header aliases, value aliases, footer words.

A county's own spelling is a line of that file, not code. Everything is matched after `norm_value` (NFKC:
full-width = half-width, so （） = (); spaces removed), so the file may be written either way.

What it may not do: decide what a value means beyond the file's mapping; unknown values stay unknown and
validation reports them (with `suggest` naming the nearest known spellings).
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "data" / "vocabulary.toml"
_SPACES = re.compile(r"\s+")


def norm_value(text: str) -> str:
    """'已脱贫（享受政策） ' -> '已脱贫(享受政策)': how values and their aliases are compared."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text)))


@dataclass(frozen=True)
class Vocabulary:
    person_headers: dict[str, tuple[str, ...]]  # person-export field -> headers (first = shown name)
    sheet_headers: dict[str, dict[str, tuple[str, ...]]]  # sheet label -> column id -> extra headers
    values: dict[str, dict[str, str]]  # field -> normalised spelling -> standard value
    multiple: frozenset[str]  # fields whose cell may hold several values
    separators: tuple[str, ...]
    footer_words: tuple[str, ...]

    def value_map(self, field: str, standard: tuple[str, ...] = ()) -> dict[str, str]:
        """Normalised spelling -> standard value for a field: its aliases and its standard values themselves."""
        mapping = {norm_value(v): v for v in standard}
        mapping.update(self.values.get(field, {}))
        return mapping

    def suggest(self, field: str, value: str, standard: tuple[str, ...], n: int = 2) -> list[str]:
        """The nearest standard values to an unknown one (by its own spelling and by the known aliases)."""
        value = norm_value(value)
        aliases = self.value_map(field, standard)
        close = difflib.get_close_matches(value, list(aliases), n=6, cutoff=0.3)
        close += [k for k in aliases if k and (k in value or value in k)]
        out: list[str] = []
        for spelling in close:
            target = aliases[spelling]
            if target not in out:
                out.append(target)
        return out[:n]


class VocabularyError(ValueError):
    """data/vocabulary.toml is not what the program expects (the message says where)."""


def _strings(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise VocabularyError(f"{PATH.name}：{where} 应为非空的文字列表，如 [\"户编号\"]")
    return tuple(value)


def parse(data: dict) -> Vocabulary:
    person = {k: _strings(v, f"[person.headers] {k}") for k, v in data.get("person", {}).get("headers", {}).items()}
    sheets = {
        label: {k: _strings(v, f"[sheets.{label}.headers] {k}") for k, v in body.get("headers", {}).items()}
        for label, body in data.get("sheets", {}).items()}
    values: dict[str, dict[str, str]] = {}
    for field, mapping in data.get("values", {}).items():
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise VocabularyError(f"{PATH.name}：[values.{field}] 每行应为 \"写法\" = \"标准值\"")
        values[field] = {norm_value(k): v for k, v in mapping.items()}
    multiple = data.get("multiple", {})
    footer = data.get("footer", {})
    return Vocabulary(person, sheets, values, frozenset(multiple.get("fields", [])),
                      _strings(multiple.get("separators", [","]), "[multiple] separators"),
                      tuple(norm_value(w) for w in _strings(footer.get("words", ["合计"]), "[footer] words")))


@functools.cache
def load(path: Path = PATH) -> Vocabulary:
    try:
        with open(path, "rb") as f:
            return parse(tomllib.load(f))
    except tomllib.TOMLDecodeError as exc:
        raise VocabularyError(f"{path.name} 格式错误：{exc}") from exc
