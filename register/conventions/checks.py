"""What a convention's terms should make a reader stop at: warnings shown on its page and
given in its JSON (`warnings`), never refusals (the convention is what the parties signed).

The processor's notice delay (docs/regulatory.md §3.1): art. 33(2) asks the processor to
inform its controller "without undue delay"; the controller's own 72 h only start once it is
informed (EDPB 9/2022 §II.A.4). A convention allowing the processor 72 h puts the CNIL's
notification up to 144 h after detection; 720 h, a month. Above a day, the tool says so."""

from core.french import plural

# Beyond this, a processor's notice is hard to call « dans les meilleurs délais » (art. 33(2)).
PROMPT_NOTICE_HOURS = 24
CNIL_HOURS = 72


def late_cnil_hours(notice_hours: int) -> int:
    """The latest the CNIL may be notified, in hours after detection, under this delay."""
    return notice_hours + CNIL_HOURS


def notice_delay_warning(hours: int | None) -> str | None:
    """The warning for a processor's notice delay above a day, with the hours it adds up to."""
    if hours is None or hours <= PROMPT_NOTICE_HOURS:
        return None
    return (
        f"délai d'information du responsable de {plural(hours, 'heure')} : ajouté aux "
        f"{CNIL_HOURS} heures du responsable, la CNIL pourrait n'être notifiée que "
        f"{plural(late_cnil_hours(hours), 'heure')} après la détection ; le RGPD demande au "
        "sous-traitant d'informer « dans les meilleurs délais » (art. 33.2) : "
        f"{PROMPT_NOTICE_HOURS} heures au plus sont recommandées"
    )


def convention_warnings(*, breach_notice_hours: int | None) -> list[str]:
    """Every warning of a convention's terms (one today: the processor's notice delay)."""
    return [w for w in (notice_delay_warning(breach_notice_hours),) if w]
