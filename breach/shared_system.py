"""Independent controllers on a shared system (seed 000, GPSO – Boulogne-Billancourt): the body
whose system was hit hosts data of another controller, each controller of its own processing.

It informs the other at once (breach.fanout gives that notice the "at once" deadline; the notice
is sent like a processor's, breach.messages), and the other's 72 h run from its own awareness.
A host that in fact processes the other's data on its behalf is its processor (art. 4(8)),
and their convention then needs the clauses of art. 28(3) (EDPB Guidelines 07/2020 on the
concepts of controller and processor): the pages ask the question. (Art. 28(10) is the other
way round: a processor that determines purposes and means becomes a controller.)"""

from core.articles import capitalised, of, subject


def processor_question(host: str, controller: str) -> str:
    """« Si l'EPT … traite ces données pour le compte de la Ville de …, cet organisme en est le
    sous-traitant (art. 4, point 8, du RGPD) : la convention devrait le dire … »"""
    return (
        f"Si {subject(host)} traite ces données pour le compte {of(controller)}, "
        "cet organisme en est le sous-traitant (art. 4, point 8, du RGPD) : la convention "
        "devrait le dire et prévoir les clauses de l'article 28, paragraphe 3, du RGPD (lignes "
        "directrices 07/2020 du CEPD). Sinon, chacun reste responsable de ses "
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
