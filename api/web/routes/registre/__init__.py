"""Pages: the Registre, the processing activities of the user's bodies (art. 30(1)).

The same services and permissions as the JSON API (`api/routes/activities.py`): READ_REGISTER
to read, EDIT_REGISTER to create, change and delete; the version read travels in the form.
Another body's activity answers 404 on every page; an activity the user may read but not
change answers 403 on the pages that change it.
"""

from fastapi import APIRouter

from api.web.routes.registre import edit, listing, sheet

router = APIRouter(include_in_schema=False)
# /registre/nouvelle before /registre/{activity_id}: the sheet comes last.
for module in (listing, edit, sheet):
    router.include_router(module.router)
