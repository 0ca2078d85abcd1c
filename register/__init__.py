"""The processing register: organisations, conventions, activities, sub-processors, measures."""

MODEL_MODULES = [
    "register.organisations.models",
    "register.conventions.models",
    "register.conventions.end_of_service_models",
    "register.activities.models",
    "register.subprocessors.models",
    "register.measures.models",
    "register.documents.models",
]

# The register's own references guard the deletion of what the records cite.
from register import references as _references  # noqa: E402, F401
