"""The editable alias table (data/aliases.toml): one person or organisation, one name."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources


def alias_file() -> dict:
    """data/aliases.toml, parsed."""
    text = resources.files("archive").joinpath("data/aliases.toml").read_text("utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def aliases() -> tuple[dict[str, str], dict[str, str]]:
    """(person alias -> canonical, organisation alias -> canonical), keys lower-cased."""
    data = alias_file()
    out = []
    for section in ("people", "organisations"):
        table = {}
        for canonical, names in data.get(section, {}).items():
            table[canonical.lower()] = canonical
            for name in names:
                table[name.lower()] = canonical
        out.append(table)
    return out[0], out[1]
