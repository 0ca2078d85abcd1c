"""Independent controllers on a shared system (seed 000, GPSO – Boulogne-Billancourt): the body
whose system was hit hosts data of another controller, each controller of its own processing.

It informs the other at once (breach.fanout gives that notice the "at once" deadline; the notice
is sent like a processor's, breach.messages), and the other's 72 h run from its own awareness.
A host that in fact processes the other's data on its behalf is its processor (art. 28(10)):
the pages ask the question, since the convention then lacks its art. 28 clauses."""

from core.articles import capitalised, of, subject


def processor_question(host: str, controller: str) -> str:
    """« Si l'EPT … traite ces données pour le compte de la Ville de …, cet organisme en est le
    sous-traitant : la convention devrait le dire (art. 28.10 du RGPD) … »"""
    return (
        f"Si {subject(host)} traite ces données pour le compte {of(controller)}, "
        "cet organisme en est le sous-traitant : la convention devrait le dire et prévoir les "
        "clauses de "
        "l'article 28.3 (art. 28.10 du RGPD). Sinon, chacun reste responsable de ses "
        "traitements et cette information est donnée au titre de la sécurité des données."
    )


def informs_at_once(host: str, controller: str) -> str:
    """What the host's people are asked to do, as a sentence of the breach page."""
    return capitalised(
        f"{subject(host)} doit informer sans délai {subject(controller)}, qui reste responsable "
        "de ses propres traitements : voici le message qui sera envoyé par courriel. Le délai "
        f"de 72 heures {of(controller)} courra de sa propre prise de connaissance, enregistrée "
        "sur cette page."
    )
