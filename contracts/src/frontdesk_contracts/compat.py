"""The compatibility guard: may a released event schema be replaced by the current one?

A released version must keep accepting every record it accepted, and every record the
current code writes must still satisfy it. So, field by field, the current schema must
not: drop a required field (a rename is a drop plus an addition), require a new field,
change a type, narrow an enum or a const, or tighten a length, size, range, pattern or
format. A new optional field and a widened enum are fine. Removing an event version
that was released is never fine. When a change is needed, publish a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

_UPPER_BOUNDS = ("maxLength", "maxItems", "maximum", "exclusiveMaximum")
_LOWER_BOUNDS = ("minLength", "minItems", "minimum", "exclusiveMinimum")
_MAX_DEPTH = 64


def released_incompatibilities(
    released: Mapping[str, Schema], current: Mapping[str, Schema]
) -> list[str]:
    """Every incompatible change from the released schemas to the current ones.

    Both map a file name (``<Type>.v<N>.schema.json``) to its schema. An empty list
    means the current release can replace the released one.
    """
    problems = []
    for name in sorted(released):
        if name not in current:
            problems.append(f"{name}: released event version was removed")
            continue
        problems.extend(f"{name}: {p}" for p in incompatibilities(released[name], current[name]))
    return problems


def incompatibilities(old: Schema, new: Schema) -> list[str]:
    """The incompatible changes from JSON Schema `old` to `new` (each with its path)."""
    problems: list[str] = []
    _compare(_Doc(old), old, _Doc(new), new, "$", problems)
    return problems


class _Doc:
    """A schema document, to resolve local ``$ref`` pointers against."""

    def __init__(self, root: Schema) -> None:
        self.root = root

    def resolve(self, node: Schema) -> Schema:
        seen = set()
        while "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
                raise ValueError(f"cannot resolve $ref {ref!r}")
            seen.add(ref)
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node


def _compare(
    old_doc: _Doc, old: Schema, new_doc: _Doc, new: Schema, path: str, problems: list[str]
) -> None:
    if path.count(".") + path.count("[") > _MAX_DEPTH:
        return
    old, new = old_doc.resolve(old), new_doc.resolve(new)
    old_alternatives, new_alternatives = _alternatives(old), _alternatives(new)
    if len(old_alternatives) > 1 or len(new_alternatives) > 1:
        for alternative in old_alternatives:
            if not any(
                _fits(old_doc, alternative, new_doc, candidate, path)
                for candidate in new_alternatives
            ):
                problems.append(f"{path}: {_describe(old_doc, alternative)} no longer accepted")
        return
    if not _same_types(old, new, path, problems):
        return
    _compare_enums(old, new, path, problems)
    _compare_bounds(old, new, path, problems)
    _compare_objects(old_doc, old, new_doc, new, path, problems)
    if "items" in old and "items" in new:
        _compare(old_doc, old["items"], new_doc, new["items"], f"{path}[]", problems)


def _fits(old_doc: _Doc, old: Schema, new_doc: _Doc, new: Schema, path: str) -> bool:
    found: list[str] = []
    _compare(old_doc, old, new_doc, new, path, found)
    return not found


def _alternatives(node: Schema) -> list[Schema]:
    for key in ("anyOf", "oneOf"):
        if key in node:
            return list(node[key])
    return [node]


def _describe(doc: _Doc, node: Schema) -> str:
    node = doc.resolve(node)
    if "title" in node and node.get("type") == "object":
        return f"object {node['title']}"
    return f"type {_show(_types(node))}"


def _types(node: Schema) -> set[str] | None:
    declared = node.get("type")
    if declared is None:
        return None
    types = {declared} if isinstance(declared, str) else set(declared)
    if "number" in types:
        types.add("integer")
    return types


def _same_types(old: Schema, new: Schema, path: str, problems: list[str]) -> bool:
    old_types, new_types = _types(old), _types(new)
    if new_types is None or (old_types is not None and old_types <= new_types):
        return True
    problems.append(f"{path}: type changed from {_show(old_types)} to {_show(new_types)}")
    return False


def _show(types: set[str] | None) -> str:
    if types is None:
        return "any"
    return "|".join(sorted(types - {"integer"} if "number" in types else types))


def _enum(node: Schema) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    return list(node["enum"]) if "enum" in node else None


def _compare_enums(old: Schema, new: Schema, path: str, problems: list[str]) -> None:
    old_values, new_values = _enum(old), _enum(new)
    if new_values is None:
        return
    if old_values is None:
        problems.append(f"{path}: enum narrowed from any value to {new_values!r}")
        return
    removed = [value for value in old_values if value not in new_values]
    if removed:
        problems.append(f"{path}: enum narrowed, {removed!r} no longer allowed")


def _compare_bounds(old: Schema, new: Schema, path: str, problems: list[str]) -> None:
    for key in _UPPER_BOUNDS:
        if key in new and (key not in old or new[key] < old[key]):
            problems.append(f"{path}: {key} tightened from {old.get(key)} to {new[key]}")
    for key in _LOWER_BOUNDS:
        if key in new and (key not in old or new[key] > old[key]):
            problems.append(f"{path}: {key} tightened from {old.get(key)} to {new[key]}")
    for key in ("pattern", "format"):
        if key in new and new[key] != old.get(key):
            problems.append(f"{path}: {key} changed from {old.get(key)!r} to {new[key]!r}")


def _compare_objects(
    old_doc: _Doc, old: Schema, new_doc: _Doc, new: Schema, path: str, problems: list[str]
) -> None:
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    for name in sorted(old_required - set(new_fields)):
        problems.append(f"{path}.{name}: required field removed")
    for name in sorted(new_required - old_required):
        if name in old_fields:
            problems.append(f"{path}.{name}: field became required")
        else:
            problems.append(f"{path}.{name}: new required field")
    for name in sorted(set(old_fields) & set(new_fields)):
        _compare(old_doc, old_fields[name], new_doc, new_fields[name], f"{path}.{name}", problems)
