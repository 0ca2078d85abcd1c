"""Rendering a page: the layout's context (who is signed in, the navigation their roles open,
the CSRF token every form carries) plus the page's own values."""

from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.security.authentication import PRINCIPAL_KEY, SESSION_KEY
from breach.deadlines import format_local
from core.accounts.roles import Permission, Principal
from core.clock import to_local
from core.french import agree, plural
from core.templating import TEMPLATES_DIR
from register.enums import label
from register.export.cells import duration

# ?fait=… after a POST-redirect-GET: a fixed message, never text taken from the URL.
DONE_MESSAGES = {
    "activite-creee": "Fiche de traitement créée.",
    "activite-modifiee": "Fiche de traitement enregistrée.",
    "activite-supprimee": "Fiche de traitement supprimée.",
    "incident-declare": "Incident déclaré : une violation a été ouverte pour chaque responsable "
    "de traitement concerné.",
    "evaluation": "Évaluation enregistrée.",
    "decision": "Décision enregistrée.",
    "notice-envoyee": "Notification émise ; courriel en file d'attente (son envoi est suivi "
    "sur cette page).",
    "notification": "Notification enregistrée.",
    "reference-cnil": "Numéro de dossier CNIL enregistré.",
    "connaissance": "Prise de connaissance enregistrée : le délai de 72 heures court.",
    "cloture": "Violation clôturée.",
    "faits-violation": "Faits de la violation enregistrés.",
    "personnes-informees": "Communication aux personnes concernées enregistrée.",
    "incident-modifie": "Faits de l'incident enregistrés.",
    "nis2-decision": "Décision NIS 2 enregistrée.",
    "nis2-connaissance": "Prise de connaissance NIS 2 enregistrée, motifs à l'appui.",
    "nis2-envoi": "Envoi au CSIRT enregistré : son échéance ne court plus.",
    "nis2-intermediaire": "Demande de rapport intermédiaire enregistrée : elle est rappelée.",
    "import": "Registre importé.",
    "proposition-acceptee": "Votre acceptation est enregistrée : la convention (ou sa "
    "modification) entre en vigueur dès que chaque partie l'a acceptée.",
    "proposition-refusee": "Votre refus est enregistré : la proposition ne lie personne.",
    "document-joint": "Document joint à la convention.",
    "document-retire": "Document retiré de la convention.",
    "fin-de-service": "Fin de la prestation mise à jour.",
    "jeton-revoque": "Jeton révoqué.",
    "totp-active": "Double authentification activée.",
    "connecte": "Vous êtes connecté.",
}


@dataclass(frozen=True)
class NavItem:
    route: str  # the page's route name (api.web.routes)
    text: str
    permission: Permission | None


@dataclass(frozen=True)
class NavLink:
    href: str
    text: str


NAV = [
    NavItem("dashboard.index", "Tableau de bord", None),
    NavItem("registre.list", "Registre", Permission.READ_REGISTER),
    NavItem("conventions.list", "Conventions", Permission.READ_REGISTER),
    NavItem("violations.list", "Violations", Permission.READ_BREACHES),
    NavItem("incidents.declare_form", "Déclarer un incident", Permission.DECLARE_INCIDENT),
    NavItem("exports.index", "Exports", Permission.EXPORT),
    NavItem("journal.index", "Journal", Permission.READ_JOURNAL),
]


def path_for(request: Request, name: str, **params: Any) -> str:
    """The path of the page route named `name` (its decorator's `name=`), parameters filled in:
    a path, not a whole URL, so links and redirects stay relative as they were written."""
    return str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))


def local_time(moment) -> str:
    """'23/11/2026 16:09' in Europe/Paris: tables and lists."""
    return to_local(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def local_day(day) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


@lru_cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = local_time
    env.filters["local_day"] = local_day
    env.filters["in_words"] = format_local  # 'lundi 27 octobre 2025 à 09:00 (heure de Paris)'
    env.filters["label"] = label
    env.filters["plural"] = plural  # {{ n|plural("activité") }} → '1 activité', '2 activités'
    env.filters["agree"] = agree  # {{ n|agree("signée") }} → 'signée', 'signées'
    env.filters["duration"] = duration  # {{ r.value|duration(r.unit) }} → '5 ans', '1 an'
    return env


def principal_of(request: Request) -> Principal | None:
    return request.scope.get(PRINCIPAL_KEY)


def csrf_token(request: Request) -> str:
    session = request.scope.get(SESSION_KEY)
    return session.csrf_token if session is not None else ""


def nav_for(request: Request, principal: Principal | None) -> list[NavLink]:
    if principal is None:
        return []
    return [
        NavLink(path_for(request, item.route), item.text)
        for item in NAV
        if item.permission is None or not principal.scope(item.permission).is_empty
    ]


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    principal = principal_of(request)
    done = request.query_params.get("fait")
    html = (
        environment()
        .get_template(f"pages/{template}")
        .render(
            request=request,
            principal=principal,
            nav=nav_for(request, principal),
            url_for=partial(path_for, request),
            current_path=request.url.path,
            csrf_token=csrf_token(request),
            done_message=DONE_MESSAGES.get(done or ""),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)
