"""Pages: declaring an incident, the list of breaches, and each breach's workflow.

Every page calls the services the JSON API calls (api/routes/breaches.py), with the same
permission for the same act: DECLARE_INCIDENT, UPDATE_INCIDENT, READ_BREACHES,
INFORM_CONTROLLER, MANAGE_BREACH. A form is shown only when the breach allows the step
(`allowed_actions`) and the person's role allows it for this breach. Every POST answers with
a redirect to the breach (`?fait=…`), or with the page again: 422 with each refusal beside its
field, 409 when the breach changed meanwhile or the step is not possible now.
"""

from fastapi import APIRouter

from api.web.routes.violations import breach_list, breach_page, breach_steps, incidents, nis2

router = APIRouter(include_in_schema=False)
for module in (incidents, nis2, breach_list, breach_page, breach_steps):
    router.include_router(module.router)
