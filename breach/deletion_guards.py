"""The breach workflow's references to register records, guarding their deletion
(register.deletion): an activity, a convention or a body that an incident or a breach refers
to cannot be deleted — the breach register (art. 33(5)) must keep which processing was hit,
under which convention, for which body. Registered when the breach package is imported (its
models are part of every ORM set-up: api.database)."""

from tortoise.expressions import Q

from breach.breaches.models import Breach
from breach.breaches.names import shown_refs
from breach.incidents.models import Incident
from core.french import plural
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.conventions.models import Convention
from register.deletion import guard_deletion, named
from register.organisations.models import Organisation


async def _breach_refs(query, scope: Scope) -> tuple[list[str], int]:
    """The refs of the breaches the caller may read, and how many others (another body's
    breach is counted, never named)."""
    ids = set(await query.values_list("id", flat=True))
    if not ids:
        return [], 0
    readable = Breach.filter(id__in=ids, **Breach.scope_filter(scope))
    rows = await readable.values_list("id", "ref", "controller_id")
    refs = sorted((await shown_refs(rows)).values())
    return refs, len(ids) - len(refs)


def _breaches_text(refs: list[str], hidden: int) -> str:
    which = "la violation" if len(refs) + hidden == 1 else "les violations"
    return f"{which} {named(refs, hidden)}"


@guard_deletion(ProcessingActivity)
async def activity_in_a_breach(activity: ProcessingActivity, scope: Scope) -> str | None:
    query = Breach.filter(Q(activities__id=activity.id) | Q(incident__activities__id=activity.id))
    refs, hidden = await _breach_refs(query, scope)
    if not refs and not hidden:
        return None
    return (
        f"est citée par {_breaches_text(refs, hidden)} (registre des violations) ; "
        "retirez-la d'abord des incidents et violations qui la citent"
    )


@guard_deletion(Convention)
async def convention_in_a_breach(convention: Convention, scope: Scope) -> str | None:
    query = Breach.filter(
        Q(convention_id=convention.id) | Q(incident__conventions__id=convention.id)
    )
    refs, hidden = await _breach_refs(query, scope)
    if not refs and not hidden:
        return None
    return f"est citée par {_breaches_text(refs, hidden)} (registre des violations)"


@guard_deletion(Organisation)
async def organisation_in_a_breach(organisation: Organisation, scope: Scope) -> str | None:
    query = Breach.filter(
        Q(controller_id=organisation.id)
        | Q(source_org_id=organisation.id)
        | Q(incident__organisation_id=organisation.id)
    )
    refs, hidden = await _breach_refs(query, scope)
    incidents = await Incident.filter(organisation_id=organisation.id).count()
    if not refs and not hidden and not incidents:
        return None
    if not refs and not hidden:
        return f"a déclaré {plural(incidents, 'incident')} de sécurité"
    return f"est partie à {_breaches_text(refs, hidden)} (registre des violations)"
