"""The register's own references guarding deletions (register.deletion): what the records
(art. 30) and the conventions refer to cannot vanish through a cascade, nor fail in the
database with a bare « encore utilisé ailleurs ». Each guard names what refers to the record,
as far as the caller may read it. Registered when the register package is imported."""

from tortoise.expressions import Q

from core.french import plural
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.conventions.models import Convention
from register.deletion import MAX_NAMED, guard_deletion, named
from register.measures.models import SecurityMeasure
from register.organisations.models import Dpo, Organisation
from register.subprocessors.models import SubprocessorAnswer, SubprocessorEngagement


async def _names(query, attribute: str, scope_filter: dict) -> tuple[list[str], int]:
    """The names the caller may read (MAX_NAMED + 1 at most: named() counts the rest), and how
    many rows the caller may not read."""
    total = await query.count()
    if not total:
        return [], 0
    readable = query.filter(**scope_filter)
    count = await readable.count()
    rows = await readable.limit(MAX_NAMED)
    shown = sorted(getattr(row, attribute) for row in rows)
    shown += [""] * (count - len(shown))  # beyond MAX_NAMED: counted by named()
    return shown, total - count


@guard_deletion(Organisation)
async def organisation_in_the_register(org: Organisation, scope: Scope) -> str | None:
    found = [
        (
            "responsable des activités de traitement",
            await _names(
                ProcessingActivity.filter(controller_id=org.id),
                "name",
                ProcessingActivity.scope_filter(scope),
            ),
        ),
        (
            "partie aux conventions",
            await _names(
                Convention.filter(parties__organisation_id=org.id).distinct(),
                "title",
                Convention.scope_filter(scope),
            ),
        ),
        (
            "dans les sous-traitances ultérieures",
            await _names(
                SubprocessorEngagement.filter(
                    Q(processor_id=org.id) | Q(subprocessor_org_id=org.id)
                ),
                "name",
                SubprocessorEngagement.scope_filter(scope),
            ),
        ),
        (
            "auteur des mesures de sécurité",
            await _names(
                SecurityMeasure.filter(organisation_id=org.id),
                "title",
                SecurityMeasure.scope_filter(scope),
            ),
        ),
    ]
    parts = [f"{what} {named(names, more)}" for what, (names, more) in found if names or more]
    return f"est encore {' ; '.join(parts)}" if parts else None


@guard_deletion(Dpo)
async def dpo_of_bodies(dpo: Dpo, scope: Scope) -> str | None:
    names, more = await _names(
        Organisation.filter(dpo_id=dpo.id), "legal_name", Organisation.scope_filter(scope)
    )
    if not names and not more:
        return None
    return f"est encore désigné par {named(names, more)} ; désignez d'abord un autre DPO"


@guard_deletion(SubprocessorEngagement)
async def engagement_with_children(engagement: SubprocessorEngagement, scope: Scope) -> str | None:
    names, more = await _names(
        SubprocessorEngagement.filter(parent_id=engagement.id),
        "name",
        SubprocessorEngagement.scope_filter(scope),
    )
    if not names and not more:
        return None
    return f"a encore des sous-traitances ultérieures : {named(names, more)}"


@guard_deletion(SubprocessorEngagement)
async def engagement_answered(engagement: SubprocessorEngagement, scope: Scope) -> str | None:
    """The controllers' answers are their records (art. 28(2)): the processor cannot erase them."""
    count = await SubprocessorAnswer.filter(engagement_id=engagement.id).count()
    if not count:
        return None
    return (
        f"a reçu {plural(count, 'réponse')} des responsables de traitement, qui restent dans leur "
        "registre ; enregistrez plutôt la fin du contrat"
    )
