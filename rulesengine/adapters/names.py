"""Names for the ids a platform's records carry: `--names FILE`, id → name.

Genesys Cloud records name queues, users and flows by id only; a report groups by
names. A names file is a JSON object of `"id": "name"` pairs, or one holding such
objects under any keys (`{"queues": {...}, "users": {...}}`), or a page of a
platform's list API as saved (`{"entities": [{"id": ..., "name": ...}]}`, a bare
array of the same objects). Several files merge, later ones winning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import orjson


class NamesError(Exception):
    """A names file that cannot be read or has a shape this module does not know."""


@attrs.frozen
class Names:
    """Names by id; an id without a name stands for itself."""

    by_id: Mapping[str, str] = attrs.field(factory=dict)

    def given(self, ident: str | None) -> str | None:
        """The name the file gives the id, or None."""
        return self.by_id.get(ident) if ident else None

    def name_of(self, ident: str, unnamed: set[str]) -> str:
        """The id's name; else the id itself, added to `unnamed` when names were given at all."""
        name = self.by_id.get(ident)
        if name is None:
            if self.by_id:
                unnamed.add(ident)
            return ident
        return name


def load_names(paths: Sequence[str]) -> Names:
    """Every pair of every file, later files winning; raises `NamesError` naming the file."""
    merged: dict[str, str] = {}
    for path in paths:
        try:
            with open(path, "rb") as handle:
                value = orjson.loads(handle.read())
        except OSError as problem:
            raise NamesError(f"cannot read {path}: {problem.strerror or problem}") from None
        except orjson.JSONDecodeError as problem:
            raise NamesError(f"{path}:{problem.lineno}:{problem.colno}: not JSON: {problem.msg}") from None
        found = _pairs(value)
        if found is None:
            raise NamesError(f"{path}: expected an object of \"id\": \"name\" pairs, objects of them, "
                             "or a list of {\"id\": ..., \"name\": ...} objects")
        merged.update(found)
    return Names(merged)


def _pairs(value: object) -> dict[str, str] | None:
    if type(value) is list:
        return _entities(value)
    if type(value) is not dict:
        return None
    if type(value.get("entities")) is list:
        return _entities(value["entities"])
    pairs: dict[str, str] = {}
    for key, item in value.items():
        if type(item) is str:
            pairs[key] = item
            continue
        nested = _pairs(item) if type(item) in (dict, list) else None
        if nested is None:
            return None
        pairs.update(nested)
    return pairs


def _entities(items: list) -> dict[str, str] | None:
    pairs: dict[str, str] = {}
    for item in items:
        if type(item) is not dict or type(item.get("id")) is not str or type(item.get("name")) is not str:
            return None
        pairs[item["id"]] = item["name"]
    return pairs
