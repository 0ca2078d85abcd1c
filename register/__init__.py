"""The processing register: organisations, conventions, activities, sub-processors, measures."""

MODEL_MODULES = [
    "register.organisations.models",
    "register.conventions.models",
    "register.activities.models",
    "register.subprocessors.models",
    "register.measures.models",
]
