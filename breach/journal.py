"""How the breach workflow's records are journaled (core.audit.trail): each in the chain of
the body whose record it is. Imported by the services that write them."""

from breach.breaches.models import Breach, BreachNotification
from breach.incidents.models import Incident
from core.audit.trail import journaled_model

# The declaring body's record; fields encrypted at rest are journaled as digests.
journaled_model(
    Incident,
    "incident",
    owner="organisation_id",
    links={"activity_ids": "activities", "convention_ids": "conventions"},
)
# The controller's record (art. 33(5)).
journaled_model(Breach, "breach", owner="controller_id", links={"activity_ids": "activities"})
# The texts of the notifications as made restate the facts: digests only.
journaled_model(
    BreachNotification,
    "breach_notification",
    owner=lambda row: Breach.filter(id=row["breach_id"]).values_list("controller_id", flat=True),
    digest=["message_subject", "message_body"],
)
