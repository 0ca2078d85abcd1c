"""The controllers' answers to a sub-processor, and where an engagement stands (art. 28(2))."""

from enum import StrEnum

from register.enums import labelled


@labelled(
    {
        "authorise": "Autorisation écrite donnée",
        "accept": "Pas d'objection",
        "object": "Objection",
    }
)
class AnswerKind(StrEnum):
    AUTHORISE = "authorise"  # a specific authorisation (or a regime the convention leaves unsaid)
    ACCEPT = "accept"  # under a general authorisation: no objection
    OBJECT = "object"  # an objection (general) or a refusal (specific)


@labelled(
    {
        "forbidden": "Interdit par la convention",
        "requested": "Autorisation demandée",
        "notified": "Notifié, délai d'opposition en cours",
        "objected": "Objection en cours",
        "authorised": "Autorisé, contrat pas encore commencé",
        "active": "Actif",
    }
)
class EngagementState(StrEnum):
    """Derived from the conventions served, the controllers' answers and the dates
    (register.subprocessors.states): never stored, never set by hand."""

    FORBIDDEN = "forbidden"
    REQUESTED = "requested"
    NOTIFIED = "notified"
    OBJECTED = "objected"
    AUTHORISED = "authorised"
    ACTIVE = "active"
