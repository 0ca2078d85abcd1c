"""Domain errors. Services raise these; the API maps each to one HTTP status."""

from dataclasses import dataclass, field


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""


class NotFound(DomainError):
    def __init__(self, entity: str, entity_id: object):
        super().__init__(f"{entity} introuvable : {entity_id}")
        self.entity = entity
        self.entity_id = entity_id


class Forbidden(DomainError):
    """An act the caller's roles do not allow on a record they may see (a shared record that
    also belongs to bodies they do not act for); the message says who may."""


class Conflict(DomainError):
    """A write that would silently overwrite or duplicate something (stale version, unique key)."""


@dataclass
class FieldProblem:
    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"


@dataclass
class ValidationFailed(DomainError):
    """Bad input: each problem names the field (loc) and says, in French, what is wrong."""

    problems: list[FieldProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, p.loc))}: {p.msg}" for p in self.problems))

    @classmethod
    def one(cls, *loc: str | int, msg: str, type: str = "value_error") -> "ValidationFailed":
        return cls([FieldProblem(tuple(loc), msg, type)])


class FieldError(ValueError):
    """Raised from a whole-record validator to blame one field (pydantic would blame none)."""

    def __init__(self, loc: str | tuple[str | int, ...], msg: str):
        super().__init__(msg)
        self.loc = (loc,) if isinstance(loc, str) else loc
        self.msg = msg


class InvalidTransition(DomainError):
    """A workflow step that the current state does not allow; the message says why and what
    would make it possible."""
