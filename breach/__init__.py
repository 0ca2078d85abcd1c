"""The breach workflow: incidents, one breach per affected controller, deadlines, assessment."""

MODEL_MODULES = [
    "breach.incidents.models",
    "breach.breaches.models",
    "breach.breaches.assessments",
    "breach.nis2_models",
]

# The breach workflow's references guard the deletion of the register records it cites.
from breach import deletion_guards as _deletion_guards  # noqa: E402, F401
