"""Pieces shared by the register's API shapes: checked strings, partial updates, pages."""

from datetime import date, datetime
from types import NoneType, UnionType
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
)
from pydantic.fields import FieldInfo

from core.validators import check_email, check_instant, check_phone, check_siren, check_siret

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
# Whom a signed-in person says they act for ("pour le compte de …"); who acted is always the
# signed-in account (core.actor.signed_by).
OnBehalfOf = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
ON_BEHALF_OF = (
    "Whom the signed-in person acts for, kept and shown as « pour le compte de : … » after "
    "their account; who acted is always the signed-in account"
)
Email = Annotated[str, AfterValidator(check_email)]
Phone = Annotated[str, AfterValidator(check_phone)]
Siren = Annotated[str, AfterValidator(check_siren)]
Siret = Annotated[str, AfterValidator(check_siret)]
Instant = Annotated[AwareDatetime, AfterValidator(check_instant)]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Stored(BaseModel):
    """What every stored record adds to its input shape."""

    id: UUID
    version: int
    created_at: datetime
    updated_at: datetime


class VersionedPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(
        ge=1, le=2**31 - 1, description="Version read before editing; a stale one gets 409"
    )


T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def patch_model(shape: type[BaseModel]) -> type[VersionedPatch]:
    """The PATCH body of a shape: every field optional, plus the version being edited.

    A field keeps its type and limits. Its schema says null only where the shape accepts
    it (null clears it); elsewhere null is refused (422 naming the field) when the service
    validates the full shape again on the merged record, so the cross-field rules hold on
    updates too and live in one place, and a page's form reports an emptied required field
    once, in its own words.
    """
    optional: dict[str, Any] = {
        name: _optional(field) for name, field in shape.model_fields.items()
    }
    return create_model(f"{shape.__name__}Patch", __base__=VersionedPatch, **optional)


def _optional(field: FieldInfo) -> tuple[Any, Any]:
    """A shape's field as a PATCH field: may be left out; null in the schema only if the
    shape allows it."""
    annotation = (
        Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    )
    if accepts_null(field.annotation):
        return annotation, Field(default=None, description=field.description)
    return annotation | None, Field(
        default=None, description=field.description, json_schema_extra=_not_null
    )


def _not_null(schema: dict[str, Any]) -> None:
    """The field's schema without its null branch nor its null default (left out, the field
    is unset: split_patch drops it)."""
    schema.pop("default", None)
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


def accepts_null(annotation: Any) -> bool:
    """Whether a field of this type accepts None (`X | None`, `Optional[X]`, `None`)."""
    if annotation is None or annotation is NoneType:
        return True
    if get_origin(annotation) is Annotated:
        return accepts_null(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return any(accepts_null(arg) for arg in get_args(annotation))
    return False


def to_columns(shape: BaseModel, exclude: set[str] = frozenset()) -> dict[str, Any]:
    """Column values of a validated shape: dates and ids as Python objects, everything
    else (enums, URLs, nested lists stored as JSON) in its JSON form."""
    as_json = shape.model_dump(mode="json")
    as_python = shape.model_dump()
    return {
        name: as_python[name] if isinstance(as_python[name], (date, datetime, UUID)) else value
        for name, value in as_json.items()
        if name in type(shape).model_fields and name not in exclude
    }


def merge_patch(shape_cls: type[BaseModel], current: BaseModel, patch: dict[str, Any]):
    """The full shape after applying `patch` to `current`, validated as a whole."""
    from core.validation import validate_shape

    base = current.model_dump(mode="json", include=set(shape_cls.model_fields))
    return validate_shape(shape_cls, {**base, **patch})
