"""What a document is, as the pages and the evidence bundle name it."""

from enum import StrEnum

from register.enums import labelled


@labelled(
    {
        "signed_convention": "Convention signée",
        "annex": "Annexe",
        "destruction_proof": "Preuve de destruction",
        "audit_report": "Rapport d'audit",
        "other": "Autre",
    }
)
class DocumentKind(StrEnum):
    SIGNED_CONVENTION = "signed_convention"
    ANNEX = "annex"
    # Art. 28(3)(g): the written proof of destruction seed 001's annex asks for.
    DESTRUCTION_PROOF = "destruction_proof"
    AUDIT_REPORT = "audit_report"  # art. 28(3)(h)
    OTHER = "other"
