"""The breach workflow: incidents, one breach per affected controller, deadlines, assessment."""

MODEL_MODULES = [
    "breach.incidents.models",
    "breach.breaches.models",
]
