"""The compatibility guard, and the released 1.0 schemas held against the current code."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from frontdesk_contracts.compat import incompatibilities, released_incompatibilities
from frontdesk_contracts.generate import RELEASED_DIR, load_schemas
from frontdesk_contracts.schema import contract_schemas, event_schemas

CONTRACTS = Path(__file__).resolve().parents[1]


class Address(BaseModel):
    city: str


class Base(BaseModel):
    account_id: str
    kind: Literal["a", "b"]
    count: int
    note: str | None = None
    address: Address
    tags: list[str] = Field(default_factory=list, max_length=5)


class NewOptionalField(Base):
    nickname: str | None = None


class WidenedEnum(Base):
    kind: Literal["a", "b", "c"]  # type: ignore[assignment]


class RelaxedBound(Base):
    tags: list[str] = Field(default_factory=list, max_length=10)


class IntToNumber(Base):
    count: float  # type: ignore[assignment]


class RemovedRequired(BaseModel):
    kind: Literal["a", "b"]
    count: int
    note: str | None = None
    address: Address
    tags: list[str] = Field(default_factory=list, max_length=5)


class Renamed(RemovedRequired):
    account: str


class NewRequired(Base):
    studio_id: str


class OptionalMadeRequired(Base):
    note: str


class ChangedType(Base):
    count: str  # type: ignore[assignment]


class NarrowedEnum(Base):
    kind: Literal["a"]


class NullableNoMore(Base):
    note: str = ""


class StrictAddress(BaseModel):
    city: str
    postcode: str


class NestedNewRequired(Base):
    address: StrictAddress  # type: ignore[assignment]


class TightenedBound(Base):
    tags: list[str] = Field(default_factory=list, max_length=2)


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


@pytest.mark.parametrize(
    "model",
    [Base, NewOptionalField, WidenedEnum, RelaxedBound, IntToNumber],
    ids=lambda m: m.__name__,
)
def test_compatible_changes_pass(model: type[BaseModel]) -> None:
    assert incompatibilities(_schema(Base), _schema(model)) == []


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (RemovedRequired, ["$.account_id: required field removed"]),
        (
            Renamed,
            ["$.account_id: required field removed", "$.account: new required field"],
        ),
        (NewRequired, ["$.studio_id: new required field"]),
        (
            OptionalMadeRequired,
            ["$.note: field became required", "$.note: type null no longer accepted"],
        ),
        (ChangedType, ["$.count: type changed from integer to string"]),
        (NarrowedEnum, ["$.kind: enum narrowed, ['b'] no longer allowed"]),
        (NullableNoMore, ["$.note: type null no longer accepted"]),
        (NestedNewRequired, ["$.address.postcode: new required field"]),
        (TightenedBound, ["$.tags: maxItems tightened from 5 to 2"]),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "problems",
)
def test_incompatible_changes_are_caught(model: type[BaseModel], expected: list[str]) -> None:
    assert sorted(incompatibilities(_schema(Base), _schema(model))) == sorted(expected)


def test_a_removed_event_version_is_caught() -> None:
    released = {"A.v1.schema.json": _schema(Base), "A.v2.schema.json": _schema(Base)}
    current = {"A.v2.schema.json": _schema(NewOptionalField)}

    assert released_incompatibilities(released, current) == [
        "A.v1.schema.json: released event version was removed"
    ]


def test_problems_name_the_file() -> None:
    released = {"A.v1.schema.json": _schema(Base)}
    current = {"A.v1.schema.json": _schema(NewRequired), "A.v2.schema.json": _schema(Base)}

    assert released_incompatibilities(released, current) == [
        "A.v1.schema.json: $.studio_id: new required field"
    ]


def test_released_schemas_are_not_broken_by_the_current_code() -> None:
    released = load_schemas(CONTRACTS / RELEASED_DIR)
    assert released, f"no released schemas in contracts/{RELEASED_DIR}/"

    problems = released_incompatibilities(released, contract_schemas())

    assert problems == [], (
        "the current events break released schemas; publish a new event version instead:\n"
        + "\n".join(problems)
    )


def test_a_change_deep_inside_a_real_event_is_caught() -> None:
    released = event_schemas()
    current = copy.deepcopy(released)
    name = "PasswordResetRequested.v1.schema.json"
    sealed = current[name]["$defs"]["SealedSecret"]
    sealed["properties"]["nonce"] = {"type": "string"}
    sealed["required"].append("nonce")
    current[name]["$defs"]["PasswordResetRequested"]["properties"]["requested_by"]["enum"] = [
        "self"
    ]

    assert released_incompatibilities(released, current) == [
        f"{name}: $.payload.requested_by: enum narrowed, ['admin'] no longer allowed",
        f"{name}: $.payload.reset_token.nonce: new required field",
    ]
