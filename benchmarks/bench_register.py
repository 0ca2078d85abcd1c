"""Latency of the processing register at scale, on SQLite and PostgreSQL.

A benchmark, not a test. It loads a large, realistic register straight through the ORM
(bulk inserts of rows built exactly as the service builds them: `ActivityIn` validation,
then `register.activities.service._columns`, which computes `search_text` and `facets`, and
`data_category_rows`; the migrations' triggers fill the search index),
then times read requests through the real HTTP stack in-process (httpx ASGITransport →
FastAPI → services → Tortoise) and prints a Markdown table of p50/p95 latencies.

    .venv/bin/python benchmarks/bench_register.py                      # 2,000 × 50, both engines
    .venv/bin/python benchmarks/bench_register.py --db sqlite --orgs 200 --requests 50

Each engine runs in its own subprocess: Tortoise caches the SQL of its model executors per
backend class, so SQLite and PostgreSQL in one process break the PostgreSQL inserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.text import fold  # noqa: E402
from core.validators import luhn_ok  # noqa: E402
from register.enums import (  # noqa: E402
    ActivityStatus,
    CollectionMethod,
    DataCategory,
    DpiaCriterion,
    FinalDisposition,
    LegalBasis,
    MeasureNature,
    MeasureStatus,
    OrganisationKind,
    SubjectCategory,
)

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/rgpd_bench_{}"
ENGINES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
WARMUP = 5
INSERT_BATCH = 1000  # activities per transaction
SMOKE = {"orgs": 6, "per_org": 5, "requests": 2}  # --smoke: a few seconds per engine

# --------------------------------------------------------------------------------------
# Vocabulary of a French local-government register
# --------------------------------------------------------------------------------------

# (activity name, service, purposes, legal text, usual art. 9/10/NIR categories)
THEMES: list[tuple[str, str, tuple[str, ...], str, tuple[str, ...]]] = [
    (
        "Tenue des registres d'état civil",
        "état civil",
        (
            "Établissement et conservation des actes de naissance, mariage et décès",
            "Délivrance des copies et extraits d'actes",
        ),
        "Code civil, art. 34 à 101",
        (),
    ),
    (
        "Gestion des listes électorales",
        "élections",
        ("Inscription et radiation sur les listes électorales", "Organisation des scrutins"),
        "Code électoral, art. L11 à L16",
        (),
    ),
    (
        "Recensement citoyen obligatoire",
        "état civil",
        ("Recensement des jeunes de seize ans", "Délivrance des attestations de recensement"),
        "Code du service national, art. L113-1",
        (),
    ),
    (
        "Cartes nationales d'identité et passeports",
        "état civil",
        ("Recueil des demandes de titres d'identité", "Prise d'empreintes et remise des titres"),
        "Décret n° 55-1397 du 22 octobre 1955",
        ("biometric",),
    ),
    (
        "Cimetière et concessions funéraires",
        "cimetière",
        (
            "Attribution et renouvellement des concessions",
            "Tenue du registre des inhumations",
        ),
        "CGCT, art. L2223-1 et suivants",
        (),
    ),
    (
        "Inscriptions scolaires",
        "éducation",
        ("Inscription des enfants dans les écoles publiques", "Sectorisation scolaire"),
        "Code de l'éducation, art. L131-5",
        (),
    ),
    (
        "Restauration scolaire et facturation",
        "restauration",
        ("Réservation des repas", "Facturation aux familles selon le quotient familial"),
        "CGCT, art. L2121-29",
        (),
    ),
    (
        "Projets d'accueil individualisé à la cantine",
        "restauration",
        ("Prise en compte des allergies alimentaires", "Adaptation des menus"),
        "Circulaire n° 2003-135 du 8 septembre 2003",
        ("health",),
    ),
    (
        "Accueil périscolaire et garderie",
        "enfance",
        ("Pointage des présences du matin et du soir", "Facturation de la garderie"),
        "Code de l'action sociale et des familles, art. L227-4",
        (),
    ),
    (
        "Accueil de loisirs sans hébergement",
        "enfance",
        ("Inscription aux mercredis et vacances", "Suivi sanitaire des mineurs accueillis"),
        "Code de l'action sociale et des familles, art. R227-1",
        ("health",),
    ),
    (
        "Crèche et multi-accueil",
        "petite enfance",
        ("Attribution des places en crèche", "Suivi des présences et facturation"),
        "Code de la santé publique, art. R2324-16",
        ("health",),
    ),
    (
        "Relais petite enfance",
        "petite enfance",
        ("Mise en relation des familles et des assistants maternels",),
        "Code de l'action sociale et des familles, art. L214-2-1",
        (),
    ),
    (
        "Transport scolaire",
        "mobilité",
        ("Inscription au transport scolaire", "Délivrance des cartes de transport"),
        "Code des transports, art. L3111-7",
        (),
    ),
    (
        "Paie des agents",
        "ressources humaines",
        ("Calcul et versement des rémunérations", "Déclarations sociales nominatives"),
        "Code général de la fonction publique, art. L712-1",
        ("nir",),
    ),
    (
        "Gestion des carrières",
        "ressources humaines",
        ("Avancements et promotions", "Tenue du dossier individuel de l'agent"),
        "Code général de la fonction publique, art. L137-1",
        (),
    ),
    (
        "Recrutement des agents",
        "ressources humaines",
        ("Réception et examen des candidatures", "Organisation des entretiens de recrutement"),
        "Code général de la fonction publique, art. L311-1",
        (),
    ),
    (
        "Formation des agents",
        "ressources humaines",
        ("Élaboration du plan de formation", "Inscriptions auprès du CNFPT"),
        "Code général de la fonction publique, art. L421-1",
        (),
    ),
    (
        "Médecine préventive et suivi médical",
        "ressources humaines",
        ("Visites médicales des agents", "Aménagements de poste"),
        "Décret n° 85-603 du 10 juin 1985",
        ("health",),
    ),
    (
        "Absences, congés et temps de travail",
        "ressources humaines",
        ("Gestion des congés annuels", "Suivi des arrêts maladie"),
        "Décret n° 2000-815 du 25 août 2000",
        ("health",),
    ),
    (
        "Badgeuse et horaires variables",
        "ressources humaines",
        ("Décompte du temps de travail", "Gestion des heures supplémentaires"),
        "Décret n° 2001-623 du 12 juillet 2001",
        (),
    ),
    (
        "Aides facultatives du CCAS",
        "action sociale",
        ("Instruction des demandes d'aide facultative", "Attribution de secours d'urgence"),
        "Code de l'action sociale et des familles, art. L123-5",
        (),
    ),
    (
        "Domiciliation des personnes sans domicile stable",
        "action sociale",
        ("Élection de domicile", "Remise du courrier aux personnes domiciliées"),
        "Code de l'action sociale et des familles, art. L264-1",
        (),
    ),
    (
        "Registre des personnes vulnérables en cas de canicule",
        "action sociale",
        (
            "Recensement des personnes isolées",
            "Contact des personnes inscrites au déclenchement du plan d'alerte",
        ),
        "Code de l'action sociale et des familles, art. L121-6-1",
        ("health",),
    ),
    (
        "Portage de repas à domicile",
        "action sociale",
        ("Livraison de repas aux personnes âgées", "Facturation du service"),
        "Code de l'action sociale et des familles, art. L113-1",
        ("health",),
    ),
    (
        "Téléassistance des personnes âgées",
        "action sociale",
        ("Installation des transmetteurs", "Gestion des appels d'urgence"),
        "Code de l'action sociale et des familles, art. L113-1",
        ("health",),
    ),
    (
        "Demandes de logement social",
        "habitat",
        ("Enregistrement des demandes de logement", "Préparation de la commission d'attribution"),
        "Code de la construction et de l'habitation, art. L441-2-1",
        (),
    ),
    (
        "Instruction des autorisations d'urbanisme",
        "urbanisme",
        ("Instruction des permis de construire", "Déclarations préalables de travaux"),
        "Code de l'urbanisme, art. L423-1",
        (),
    ),
    (
        "Droit de préemption urbain",
        "urbanisme",
        ("Traitement des déclarations d'intention d'aliéner",),
        "Code de l'urbanisme, art. L213-2",
        (),
    ),
    (
        "Vidéoprotection de la voie publique",
        "police municipale",
        (
            "Prévention des atteintes aux biens et aux personnes",
            "Exploitation des images sur réquisition judiciaire",
        ),
        "Code de la sécurité intérieure, art. L251-2",
        (),
    ),
    (
        "Main courante de la police municipale",
        "police municipale",
        ("Consignation des interventions", "Rédaction des rapports au maire"),
        "Code de la sécurité intérieure, art. L511-1",
        ("offences",),
    ),
    (
        "Verbalisation électronique",
        "police municipale",
        ("Constatation des contraventions", "Transmission des avis à l'ANTAI"),
        "Code de procédure pénale, art. L121-3",
        ("offences",),
    ),
    (
        "Fourrière automobile",
        "police municipale",
        ("Enlèvement et garde des véhicules", "Restitution aux propriétaires"),
        "Code de la route, art. L325-1",
        (),
    ),
    (
        "Stationnement résidentiel",
        "voirie",
        ("Délivrance des abonnements résidents", "Contrôle du forfait post-stationnement"),
        "CGCT, art. L2333-87",
        (),
    ),
    (
        "Occupation du domaine public",
        "voirie",
        ("Permis de stationnement", "Autorisations de terrasse"),
        "Code général de la propriété des personnes publiques, art. L2122-1",
        (),
    ),
    (
        "Facturation de l'eau et de l'assainissement",
        "eau",
        ("Relève des compteurs", "Facturation et recouvrement"),
        "CGCT, art. L2224-12-1",
        (),
    ),
    (
        "Redevance incitative des déchets",
        "déchets",
        ("Comptage des levées de bacs", "Facturation de la redevance"),
        "CGCT, art. L2333-76",
        (),
    ),
    (
        "Badges d'accès à la déchetterie",
        "déchets",
        ("Contrôle des accès des particuliers", "Suivi des apports des professionnels"),
        "CGCT, art. L2224-13",
        (),
    ),
    (
        "Médiathèque : prêts et abonnés",
        "culture",
        ("Gestion des inscriptions", "Suivi des prêts et relances des retards"),
        "Code du patrimoine, art. L310-1",
        (),
    ),
    (
        "Conservatoire et école de musique",
        "culture",
        ("Inscriptions aux cours", "Facturation des droits d'inscription"),
        "Code de l'éducation, art. L216-2",
        (),
    ),
    (
        "Réservation des salles municipales",
        "vie associative",
        ("Planification des réservations", "Encaissement des cautions"),
        "Code général de la propriété des personnes publiques, art. L2144-3",
        (),
    ),
    (
        "Subventions aux associations",
        "vie associative",
        ("Instruction des dossiers de subvention", "Contrôle de l'emploi des fonds"),
        "Loi n° 2000-321 du 12 avril 2000, art. 10",
        (),
    ),
    (
        "Gestion de la relation citoyen",
        "accueil",
        ("Suivi des demandes des usagers", "Réponse aux courriers et courriels"),
        "Code des relations entre le public et l'administration, art. L112-1",
        (),
    ),
    (
        "Guichet unique et téléservices",
        "accueil",
        ("Dépôt en ligne des démarches", "Suivi des dossiers par l'usager"),
        "Code des relations entre le public et l'administration, art. L112-8",
        (),
    ),
    (
        "Lettre d'information municipale",
        "communication",
        ("Envoi de la lettre d'information aux abonnés",),
        "Consentement recueilli sur le formulaire d'abonnement",
        (),
    ),
    (
        "Site internet et mesure d'audience",
        "communication",
        ("Mesure de fréquentation du site", "Formulaires de contact"),
        "Loi n° 78-17 du 6 janvier 1978, art. 82",
        (),
    ),
    (
        "Messagerie électronique des agents",
        "informatique",
        ("Fourniture d'une messagerie professionnelle", "Filtrage antispam et antivirus"),
        "Code général de la fonction publique, art. L121-1",
        (),
    ),
    (
        "Annuaire et comptes informatiques",
        "informatique",
        ("Création et suppression des comptes", "Gestion des habilitations"),
        "Règlement général sur la protection des données, art. 32",
        (),
    ),
    (
        "Journalisation des accès au système d'information",
        "informatique",
        ("Traçabilité des accès", "Détection des incidents de sécurité"),
        "Règlement général sur la protection des données, art. 32",
        (),
    ),
    (
        "Téléphonie et enregistrement des appels",
        "informatique",
        ("Gestion de la flotte mobile", "Facturation détaillée des communications"),
        "Code des postes et des communications électroniques, art. L34-1",
        (),
    ),
    (
        "Délibérations et actes administratifs",
        "assemblées",
        ("Rédaction et publication des actes", "Transmission au contrôle de légalité"),
        "CGCT, art. L2131-1",
        (),
    ),
    (
        "Convocations et indemnités des élus",
        "assemblées",
        ("Convocation du conseil municipal", "Versement des indemnités de fonction"),
        "CGCT, art. L2121-10",
        ("political_opinions",),
    ),
    (
        "Marchés publics",
        "commande publique",
        ("Analyse des offres", "Notification et exécution des marchés"),
        "Code de la commande publique, art. L2111-1",
        (),
    ),
    (
        "Comptabilité et paiement des fournisseurs",
        "finances",
        ("Mandatement des factures", "Gestion du fichier des tiers"),
        "Décret n° 2012-1246 du 7 novembre 2012",
        (),
    ),
    (
        "Régies de recettes",
        "finances",
        ("Encaissement des produits des services", "Tenue de la comptabilité du régisseur"),
        "CGCT, art. R1617-1",
        (),
    ),
    (
        "Taxe de séjour",
        "finances",
        ("Déclaration des hébergeurs", "Recouvrement de la taxe de séjour"),
        "CGCT, art. L2333-26",
        (),
    ),
    (
        "Astreintes des services techniques",
        "services techniques",
        ("Planning des astreintes", "Indemnisation des interventions"),
        "Décret n° 2005-542 du 19 mai 2005",
        (),
    ),
    (
        "Géolocalisation des véhicules de service",
        "services techniques",
        ("Optimisation des tournées", "Sécurité des travailleurs isolés"),
        "Code du travail, art. L1121-1",
        (),
    ),
    (
        "Plan communal de sauvegarde",
        "sécurité civile",
        ("Alerte de la population en cas de crise", "Recensement des moyens mobilisables"),
        "Code de la sécurité intérieure, art. L731-3",
        (),
    ),
    (
        "Plaintes et réclamations des usagers",
        "accueil",
        ("Enregistrement des réclamations", "Suivi des réponses apportées"),
        "Code des relations entre le public et l'administration, art. L110-1",
        (),
    ),
    (
        "Archives communales",
        "archives",
        ("Collecte et classement des archives", "Communication des archives au public"),
        "Code du patrimoine, art. L212-6",
        (),
    ),
    (
        "Mariages et pactes civils de solidarité",
        "état civil",
        ("Instruction des dossiers de mariage", "Enregistrement des PACS"),
        "Code civil, art. 63 et 515-3",
        (),
    ),
    (
        "Attestations d'accueil des étrangers",
        "état civil",
        ("Validation des attestations d'accueil", "Vérification des conditions d'hébergement"),
        "Code de l'entrée et du séjour des étrangers, art. L313-1",
        (),
    ),
    (
        "Accès aux documents administratifs",
        "affaires juridiques",
        ("Traitement des demandes de communication", "Saisine de la CADA"),
        "Code des relations entre le public et l'administration, art. L311-1",
        (),
    ),
    (
        "Exercice des droits des personnes",
        "protection des données",
        ("Réponse aux demandes d'accès, de rectification et d'effacement",),
        "Règlement général sur la protection des données, art. 12 à 22",
        (),
    ),
    (
        "Registre des violations de données",
        "protection des données",
        ("Documentation des violations de données personnelles",),
        "Règlement général sur la protection des données, art. 33.5",
        (),
    ),
    (
        "Port de plaisance et amarrages",
        "port",
        ("Attribution des places d'amarrage", "Facturation des escales"),
        "Code des transports, art. L5314-4",
        (),
    ),
    (
        "Marchés de plein air et placiers",
        "commerce",
        ("Attribution des emplacements aux commerçants", "Encaissement des droits de place"),
        "CGCT, art. L2224-18",
        (),
    ),
    (
        "Jeux-concours organisés par la commune",
        "communication",
        ("Inscription des participants", "Désignation et information des gagnants"),
        "Code de la consommation, art. L121-20",
        (),
    ),
    (
        "Système d'information géographique",
        "urbanisme",
        ("Cartographie des réseaux", "Consultation du cadastre"),
        "Code de l'environnement, art. L127-1",
        (),
    ),
    (
        "Sinistres et contrats d'assurance",
        "affaires juridiques",
        ("Déclaration des sinistres", "Suivi des indemnisations"),
        "Code des assurances, art. L113-2",
        (),
    ),
    (
        "Logements communaux",
        "patrimoine",
        ("Attribution des logements", "Gestion des loyers et des charges"),
        "Loi n° 89-462 du 6 juillet 1989",
        (),
    ),
    (
        "Équipements sportifs et inscriptions",
        "sports",
        ("Inscriptions aux activités sportives", "Planning des créneaux des clubs"),
        "Code du sport, art. L100-2",
        (),
    ),
    (
        "Piscine municipale : abonnements",
        "sports",
        ("Vente des abonnements", "Contrôle d'accès par carte"),
        "Code du sport, art. L322-7",
        (),
    ),
    (
        "Jardins familiaux",
        "environnement",
        ("Attribution des parcelles", "Gestion de la liste d'attente"),
        "Code rural et de la pêche maritime, art. L561-1",
        (),
    ),
    (
        "Colis et repas des aînés",
        "action sociale",
        ("Inscription des aînés au repas annuel", "Distribution des colis de fin d'année"),
        "Code de l'action sociale et des familles, art. L123-5",
        (),
    ),
]

SOFTWARE = [
    "Logitud Siècle",
    "Mélodie",
    "Arpège Concerto",
    "Berger-Levrault e.magnus",
    "Ciril GRH",
    "Civil Net RH",
    "Agora Plus",
    "Horanet",
    "Décalog SIGB",
    "Orphée NX",
    "Microsoft 365",
    "Zimbra",
    "Nextcloud",
    "GLPI",
    "Pastell",
    "iXBus",
    "S²LOW",
    "Publik",
    "Démarches simplifiées",
    "OpenADS",
    "Cart@DS",
    "Oxalis",
    "Maelis",
    "iNoé",
    "Kiosque famille",
    "Coriolis",
    "Kelio",
    "Octime",
    "Sedit Marianne",
    "Astre",
    "Elise",
    "Airs Courrier",
    "webdelib",
    "QGIS",
    "Lizmap",
    "Thunderbird",
    "tableur partagé",
    "registre papier",
    "Noé",
    "Fluxnet",
]

DESCRIPTIONS = [
    "Traitement mis en œuvre par le service {service} de {org}.",
    "Les données sont saisies par les agents du service {service} à l'accueil de la mairie.",
    "Le dossier est constitué à partir des pièces justificatives remises par l'intéressé.",
    "Les agents habilités du service {service} consultent les dossiers dans le logiciel métier.",
    "L'hébergement est assuré par le prestataire retenu au terme d'une consultation.",
    "Une procédure dégradée sur papier est prévue en cas d'indisponibilité du logiciel.",
    "Les échanges avec les partenaires passent par une plateforme sécurisée.",
    "La fiche a été revue avec le délégué à la protection des données mutualisé.",
    "Les demandes déposées en ligne sont reprises dans l'outil du service {service}.",
    "Les pièces sont numérisées puis détruites selon le tableau de gestion des archives.",
]

PLACE_PREFIXES = ["Saint-", "Sainte-", "Le ", "La ", "Les ", "", "", "", "Villeneuve-", "Mont-"]
PLACE_ROOTS = [
    "Étienne",
    "Médard",
    "Rémy",
    "Andéol",
    "Hilaire",
    "Sébastien",
    "Geneviève",
    "Chênaie",
    "Forêt",
    "Fontaine",
    "Mézières",
    "Bréhat",
    "Crécy",
    "Évreux",
    "Île",
    "Pré",
    "Hêtre",
    "Garenne",
    "Aubépine",
    "Rochefort",
    "Bellevue",
    "Château",
    "Moulin",
    "Clairière",
    "Léonard",
    "Thérèse",
    "Benoît",
    "Agnès",
    "Rivière",
    "Combe",
]
PLACE_SUFFIXES = [
    "",
    "",
    "",
    "-sur-Loire",
    "-en-Forez",
    "-lès-Bains",
    "-d'Azergues",
    "-sur-Mer",
    "-la-Forêt",
    "-du-Lac",
    "-en-Vexin",
    "-le-Château",
    "-sous-Bois",
    "-de-Provence",
    "-aux-Prés",
]
KIND_NAMES = [
    (OrganisationKind.COMMUNE, "Commune de {place}", 70),
    (OrganisationKind.CCAS_CIAS, "CCAS de {place}", 10),
    (OrganisationKind.EPCI_FP, "Communauté de communes du pays de {place}", 8),
    (OrganisationKind.SYNDICAT, "Syndicat intercommunal des eaux de {place}", 5),
    (OrganisationKind.EPL, "Office de tourisme de {place}", 4),
    (OrganisationKind.CDG, "Centre de gestion de {place}", 1),
    (OrganisationKind.EPT, "Établissement public territorial de {place}", 2),
]
MEASURES = [
    "Sauvegarde quotidienne externalisée",
    "Authentification à deux facteurs des agents",
    "Revue annuelle des habilitations",
    "Chiffrement des postes nomades",
    "Journalisation des accès aux applications métier",
    "Pare-feu et segmentation du réseau",
    "Sensibilisation des agents à l'hameçonnage",
    "Contrôle d'accès aux locaux par badge",
    "Mise à jour mensuelle des serveurs",
    "Clauses de sous-traitance dans les marchés",
]
ART9_CONDITIONS = [
    "Art. 9.2.b — obligations en matière de droit du travail et de la protection sociale",
    "Art. 9.2.g — motif d'intérêt public important prévu par la loi",
    "Art. 9.2.h — médecine préventive et prise en charge sanitaire ou sociale",
    "Art. 9.2.a — consentement explicite de la personne",
]
RECIPIENTS = [
    ("internal", "Service {service}"),
    ("internal", "Direction générale des services"),
    ("public_authority", "Trésorerie municipale"),
    ("public_authority", "Préfecture"),
    ("external_org", "Caisse d'allocations familiales"),
    ("processor", "Éditeur du logiciel {software}"),
    ("processor", "Syndicat informatique mutualisé"),
]


def _place(rng: random.Random) -> str:
    return rng.choice(PLACE_PREFIXES) + rng.choice(PLACE_ROOTS) + rng.choice(PLACE_SUFFIXES)


def _siren(index: int) -> str:
    base = f"{21_000_000 + index * 37:08d}"
    return next(base + str(d) for d in range(10) if luhn_ok(base + str(d)))


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# --------------------------------------------------------------------------------------
# Generation: rows built as the service builds them
# --------------------------------------------------------------------------------------


@dataclass
class Org:
    id: uuid.UUID
    legal_name: str
    kind: OrganisationKind
    siren: str
    population: int
    measure_ids: list[uuid.UUID] = field(default_factory=list)


def make_orgs(rng: random.Random, count: int) -> list[Org]:
    kinds = [k for k, _, _ in KIND_NAMES]
    weights = [w for _, _, w in KIND_NAMES]
    templates = {k: t for k, t, _ in KIND_NAMES}
    orgs = []
    for index in range(count):
        kind = rng.choices(kinds, weights)[0]
        orgs.append(
            Org(
                id=_uuid(rng),
                legal_name=templates[kind].format(place=_place(rng)),
                kind=kind,
                siren=_siren(index),
                population=int(rng.lognormvariate(7.5, 1.3)) + 50,
                measure_ids=[_uuid(rng) for _ in range(6)],
            )
        )
    return orgs


def make_activity(rng: random.Random, org: Org, theme_index: int, number: int, repeat: int):
    """One validated `ActivityIn`, varied but always accepted by the schema's rules."""
    from register.activities.schemas import ActivityIn

    name, service, purposes, legal_text, specials = THEMES[theme_index]
    if repeat:
        name = f"{name} (site n° {repeat + 1})"
    elif rng.random() < 0.12:
        name = f"{name} — {rng.choice(['service commun', 'mairie annexe', 'délégation'])}"
    status = rng.choices(list(ActivityStatus), weights=(30, 50, 20))[0]
    draft = status == ActivityStatus.DRAFT
    software = rng.choice(SOFTWARE) if rng.random() < 0.85 else None

    if "Consentement" in legal_text:
        legal_basis = LegalBasis.CONSENT
    else:
        legal_basis = rng.choices(
            [LegalBasis.PUBLIC_TASK, LegalBasis.LEGAL_OBLIGATION, LegalBasis.CONTRACT],
            weights=(60, 35, 5),
        )[0]
    public_task = True
    if rng.random() < 0.01:
        legal_basis, public_task = LegalBasis.LEGITIMATE_INTEREST, False
    if draft and rng.random() < 0.2:
        legal_basis = LegalBasis.TO_BE_DETERMINED

    data_categories = rng.sample(list(DataCategory), rng.randint(1, 4))
    if DataCategory.CIVIL_STATUS not in data_categories and rng.random() < 0.8:
        data_categories.insert(0, DataCategory.CIVIL_STATUS)
    special = [s for s in specials if rng.random() < 0.85]
    if not special and rng.random() < 0.03:
        special = ["health"]
    subjects = rng.sample(list(SubjectCategory), rng.randint(1, 3))
    retention = [
        {
            "data_category": category,
            "value": rng.choice((1, 2, 3, 5, 10, 30, 50)),
            "unit": "year",
            "start_event": rng.choice(
                ["fin de la relation avec l'usager", "clôture du dossier", "départ de l'agent"]
            ),
            "final_disposition": rng.choice(list(FinalDisposition)),
        }
        for category in data_categories[: rng.randint(1, 2)]
    ]
    recipients = [
        {
            "kind": kind,
            "name": label.format(service=service, software=software or "métier"),
        }
        for kind, label in rng.sample(RECIPIENTS, rng.randint(1, 3))
    ]
    if draft and rng.random() < 0.3:
        retention, recipients = [], []
    transfers = []
    if rng.random() < 0.02:
        transfers = [
            {"country": "US", "recipient": "Microsoft Corporation", "mechanism": "scc_46_2c"}
        ]

    return ActivityIn(
        controller_id=org.id,
        ref=f"T-{number + 1:03d}" if rng.random() < 0.7 else None,
        name=name,
        status=status,
        description=" ".join(
            s.format(service=service, org=org.legal_name) for s in rng.sample(DESCRIPTIONS, 2)
        ),
        purposes=list(purposes[: rng.randint(1, len(purposes))]),
        legal_basis=legal_basis,
        legal_basis_detail=legal_text if rng.random() < 0.8 else None,
        performed_in_public_tasks=public_task,
        special_categories=special,
        art9_condition=rng.choice(ART9_CONDITIONS) if set(special) - {"offences", "nir"} else None,
        art10_basis="Code de la sécurité intérieure, art. L511-1"
        if "offences" in special
        else None,
        data_subject_categories=subjects,
        data_categories=data_categories,
        retention=retention,
        recipients=recipients,
        transfers=transfers,
        software=software,
        collection_method=rng.choice(list(CollectionMethod)),
        dpia_criteria=rng.sample(list(DpiaCriterion), rng.choice((0, 0, 0, 1, 1, 2, 3))),
        next_review=date(2024, 1, 1) + timedelta(days=rng.randint(0, 1100))
        if rng.random() < 0.9
        else None,
    )


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


@dataclass
class Loaded:
    org_ids: list[str]
    activities: list[tuple[str, int, str]]  # (id, organisation index, name)
    word_df: Counter
    counts: dict[str, int]
    load_seconds: float
    build_seconds: float


async def load_register(engine: str, args: argparse.Namespace) -> Loaded:
    from tortoise.transactions import in_transaction

    from register.activities.models import ActivityDataCategory, ProcessingActivity
    from register.activities.service import _columns, data_category_rows
    from register.measures.models import SecurityMeasure
    from register.organisations.models import Organisation

    rng = random.Random(args.seed)
    started = time.perf_counter()
    build_seconds = 0.0
    orgs = make_orgs(rng, args.orgs)
    async with in_transaction() as conn:
        await Organisation.bulk_create(
            [
                Organisation(
                    id=o.id,
                    legal_name=o.legal_name,
                    kind=o.kind,
                    siren=o.siren,
                    population=o.population,
                )
                for o in orgs
            ],
            batch_size=500,
            using_db=conn,
        )
        await SecurityMeasure.bulk_create(
            [
                SecurityMeasure(
                    id=measure_id,
                    organisation_id=o.id,
                    title=MEASURES[i % len(MEASURES)],
                    nature=rng.choice(list(MeasureNature)),
                    status=rng.choice(list(MeasureStatus)),
                    art32_objectives=["b_confidentiality_integrity_availability"],
                )
                for o in orgs
                for i, measure_id in enumerate(o.measure_ids)
            ],
            batch_size=500,
            using_db=conn,
        )

    placeholder = "?, ?" if engine == "sqlite" else "$1, $2"
    link_sql = (
        'INSERT INTO "activity_measure" ("processing_activity_id", "securitymeasure_id") '
        f"VALUES ({placeholder})"
    )

    def key(value: uuid.UUID) -> Any:
        return str(value) if engine == "sqlite" else value

    activities: list[tuple[str, int, str]] = []
    word_df: Counter = Counter()
    links = 0
    total = args.orgs * args.per_org
    rows: list[ProcessingActivity] = []
    categories: list[ActivityDataCategory] = []
    pairs: list[list[Any]] = []

    async def flush() -> None:
        async with in_transaction() as conn:
            await ProcessingActivity.bulk_create(rows, batch_size=500, using_db=conn)
            await ActivityDataCategory.bulk_create(categories, batch_size=500, using_db=conn)
            if pairs:
                await conn.execute_many(link_sql, pairs)
        rows.clear()
        categories.clear()
        pairs.clear()

    for org_index, org in enumerate(orgs):
        themes = list(range(len(THEMES)))
        rng.shuffle(themes)
        for number in range(args.per_org):
            tick = time.perf_counter()
            data = make_activity(
                rng, org, themes[number % len(themes)], number, number // len(themes)
            )
            activity_id = _uuid(rng)
            columns = _columns(data)
            rows.append(ProcessingActivity(id=activity_id, **columns))
            categories.extend(data_category_rows(activity_id, data))
            word_df.update(set(columns["search_text"].split()))
            for measure_id in rng.sample(org.measure_ids, rng.choice((0, 1, 2, 2, 3, 4))):
                pairs.append([key(activity_id), key(measure_id)])
                links += 1
            activities.append((str(activity_id), org_index, data.name))
            build_seconds += time.perf_counter() - tick
            if len(rows) >= INSERT_BATCH:
                await flush()
        if (org_index + 1) % max(1, args.orgs // 10) == 0:
            log(f"[{engine}] loaded {len(activities):,} / {total:,} activities")
    if rows:
        await flush()

    return Loaded(
        org_ids=[str(o.id) for o in orgs],
        activities=activities,
        word_df=word_df,
        counts={
            "organisation": len(orgs),
            "processing_activity": len(activities),
            "security_measure": sum(len(o.measure_ids) for o in orgs),
            "activity_measure": links,
        },
        load_seconds=time.perf_counter() - started,
        build_seconds=build_seconds,
    )


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


def _name_words(name: str) -> list[str]:
    return [w for w in fold(name).split() if len(w) >= 5 and w.isalpha()]


def scenarios(loaded: Loaded, seed: int) -> list[tuple[str, str, Any]]:
    """(key, label, request maker): each maker draws its parameters from a seeded RNG."""
    rng = random.Random(seed + 1)
    n = len(loaded.activities)
    share = {w: df / n for w, df in loaded.word_df.items() if w.isalpha() and len(w) >= 5}

    def substring_share(word: str) -> float:
        # `q` matches substrings: "paie" also finds "paiement". Count the longer words too.
        return sum(df for t, df in loaded.word_df.items() if word in t) / n

    candidates = [w for w, s in share.items() if 0.006 <= s <= 0.014]
    rare = sorted(w for w in candidates if substring_share(w) <= 0.014)
    if not rare:  # tiny registers: the ten words closest to 1 %
        rare = sorted(share, key=lambda w: abs(share[w] - 0.01))[:10]
    by_org: dict[int, list[str]] = {}
    for _, org_index, name in loaded.activities:
        by_org.setdefault(org_index, []).append(name)
    middle = n // 2

    def org_list():
        return "/api/v1/activities", {"controller_id": rng.choice(loaded.org_ids), "limit": 50}

    def first_page():
        return "/api/v1/activities", {"limit": 50}

    def deep_page():
        offset = max(0, min(n - 50, middle + rng.randint(-1000, 1000)))
        return "/api/v1/activities", {"limit": 50, "offset": offset}

    def deep_cursor():
        # The page after a row drawn at random: where a reader paging by cursor stands.
        from core.paging import Position, encode_cursor

        activity_id, _, name = rng.choice(loaded.activities)
        cursor = encode_cursor(Position(name, uuid.UUID(activity_id)))
        return "/api/v1/activities", {"limit": 50, "cursor": cursor}

    def search_one():
        return "/api/v1/activities", {"q": rng.choice(rare), "limit": 50}

    def search_two():
        while True:
            words = _name_words(rng.choice(loaded.activities)[2])
            if len(words) >= 2:
                return "/api/v1/activities", {"q": " ".join(rng.sample(words, 2)), "limit": 50}

    def search_org():
        org_index = rng.randrange(len(loaded.org_ids))
        words = _name_words(rng.choice(by_org[org_index])) or ["gestion"]
        params = {"controller_id": loaded.org_ids[org_index], "q": rng.choice(words)}
        return "/api/v1/activities", {**params, "limit": 50}

    def data_category():
        category = rng.choice(list(DataCategory)).value
        return "/api/v1/activities", {"data_category": category, "limit": 50}

    def get_one():
        return f"/api/v1/activities/{rng.choice(loaded.activities)[0]}", {}

    return [
        ("org_list", "One organisation's activities (`controller_id`, limit 50)", org_list),
        ("first_page", "Whole register, first page (limit 50)", first_page),
        ("deep_page", f"Whole register, deep page (offset ≈ {middle:,}, limit 50)", deep_page),
        ("deep_cursor", "Whole register, deep page by `cursor` (limit 50)", deep_cursor),
        (
            "search_one",
            f"Search whole register, one word in ~1 % of rows ({len(rare)} words)",
            search_one,
        ),
        ("search_two", "Search whole register, two words of an activity name", search_two),
        ("search_org", "Search within one organisation (`controller_id` + `q`)", search_org),
        ("data_category", "Filter by `data_category` across the register", data_category),
        ("get_one", "Get one activity by id", get_one),
    ]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def bearer_token() -> str:
    """A token of an instance administrator (every body: the whole register), as a tool
    reading the API would hold; every request carries it."""
    from core.accounts.service import create_user
    from core.accounts.tokens import issue_token
    from core.clock import utcnow

    user = await create_user(
        email=f"banc-{uuid.uuid4().hex[:8]}@example.org",
        name="Banc d'essai",
        password=None,
        is_instance_admin=True,
    )
    return (await issue_token(user=user, name="banc", days=1, now=utcnow())).secret


def _summary(key: str, label: str, timings: list[float], matched: list[int]) -> dict:
    return {
        "key": key,
        "label": label,
        "p50": percentile(timings, 50),
        "p95": percentile(timings, 95),
        "mean_matched": statistics.fmean(matched) if matched else 0,
        "requests": len(timings),
    }


async def measure_authentication(token: str, args: argparse.Namespace) -> dict:
    """The authentication middleware alone, around an app that only resolves the scope:
    token lookup, principal, scope, what every request pays before its route runs."""
    from api.security.authentication import PRINCIPAL_KEY, AuthenticationMiddleware
    from core.accounts.roles import Permission

    async def scope_only(scope, receive, send) -> None:
        if scope[PRINCIPAL_KEY].scope(Permission.READ_REGISTER).is_empty:
            raise RuntimeError("the benchmark's token reaches no body")

    middleware = AuthenticationMiddleware(scope_only)
    request = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/activities",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
    }
    timings = []
    for i in range(WARMUP + args.requests):
        tick = time.perf_counter()
        await middleware(dict(request), None, None)
        if i >= WARMUP:
            timings.append((time.perf_counter() - tick) * 1000)
    return _summary("auth", "Authentication and scope alone (bearer token)", timings, [])


async def measure(engine: str, loaded: Loaded, args: argparse.Namespace) -> list[dict]:
    import httpx

    from api.app import create_app

    app = create_app(manage_database=False)
    token = await bearer_token()
    results = [await measure_authentication(token, args)]
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers
    ) as client:
        for key, label, make in scenarios(loaded, args.seed):
            if args.only and key not in args.only:
                continue
            timings, matched = [], []
            for i in range(WARMUP + args.requests):
                path, params = make()
                tick = time.perf_counter()
                response = await client.get(path, params=params)
                elapsed = (time.perf_counter() - tick) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{path} {params}: {response.status_code} {response.text}")
                if i >= WARMUP:
                    timings.append(elapsed)
                    body = response.json()
                    matched.append(body.get("total", 1))
            results.append(_summary(key, label, timings, matched))
            log(
                f"[{engine}] {key}: p50 {results[-1]['p50']:.1f} ms, "
                f"p95 {results[-1]['p95']:.1f} ms, {results[-1]['mean_matched']:,.0f} rows matched"
            )
    return results


# --------------------------------------------------------------------------------------
# One engine (worker subprocess)
# --------------------------------------------------------------------------------------


def _admin_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


async def _create_database(engine: str, args: argparse.Namespace) -> tuple[str, str | None]:
    """(url, temporary directory for SQLite) of a new, empty database."""
    if engine == "sqlite":
        tmpdir = tempfile.mkdtemp(prefix="rgpd_bench_")
        return f"sqlite://{Path(tmpdir) / 'register.sqlite3'}", tmpdir
    import asyncpg

    url = args.postgres_url.replace("{}", uuid.uuid4().hex[:8])
    admin = await asyncpg.connect(_admin_dsn(url))
    try:
        await admin.execute(f'CREATE DATABASE "{urlsplit(url).path.lstrip("/")}"')
    finally:
        await admin.close()
    return url, None


async def _drop_database(url: str, tmpdir: str | None) -> None:
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)
        return
    import asyncpg

    admin = await asyncpg.connect(_admin_dsn(url))
    try:
        name = urlsplit(url).path.lstrip("/")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _save_state(path: str, url: str, tmpdir: str | None, loaded: Loaded) -> None:
    """What `--reuse` needs to measure the kept database again without loading it."""
    state = {"url": url, "tmpdir": tmpdir, **loaded.__dict__}
    state["word_df"] = dict(loaded.word_df)
    Path(path).write_text(json.dumps(state))
    log(f"kept {url}; measure it again with --reuse {path}")


def _load_state(path: str) -> tuple[str, str | None, Loaded]:
    state = json.loads(Path(path).read_text())
    url, tmpdir = state.pop("url"), state.pop("tmpdir")
    state["word_df"] = Counter(state["word_df"])
    state["activities"] = [tuple(a) for a in state["activities"]]
    return url, tmpdir, Loaded(**state)


async def _engine_facts(conn, engine: str, tmpdir: str | None) -> tuple[str, int]:
    """(engine version, database size in bytes)."""
    if engine == "postgres":
        version = (await conn.execute_query_dict("SHOW server_version"))[0]
        size = await conn.execute_query_dict("SELECT pg_database_size(current_database()) AS n")
        return version["server_version"].split()[0], size[0]["n"]
    await conn.execute_script("PRAGMA wal_checkpoint(TRUNCATE)")
    return sqlite3.sqlite_version, sum(p.stat().st_size for p in Path(tmpdir).iterdir())


async def _fill(ctx, engine: str, url: str, args: argparse.Namespace) -> Loaded:
    from tortoise.migrations.api.migrate import migrate as run_migrations

    from api.database import tortoise_config

    # The schema `rgpd migrate` gives a server: its indexes and search tables too.
    await run_migrations(config=tortoise_config(url))
    log(f"[{engine}] loading {args.orgs:,} × {args.per_org} activities into {url}")
    loaded = await load_register(engine, args)
    if engine == "postgres":
        # What autovacuum would have done by the time anyone reads the register.
        await ctx.db().execute_script("VACUUM ANALYZE")
    log(
        f"[{engine}] loaded in {loaded.load_seconds:.1f} s "
        f"({loaded.build_seconds:.1f} s building rows in Python)"
    )
    return loaded


async def run_engine(args: argparse.Namespace) -> dict:
    from tortoise.context import TortoiseContext

    from api.database import tortoise_config

    engine = args.db
    if args.reuse:
        url, tmpdir, loaded = _load_state(args.reuse)
    else:
        url, tmpdir = await _create_database(engine, args)
        loaded = None
    keep = bool(args.keep or args.reuse)
    # SQLite's connection settings ride on the URL (Tortoise turns them into PRAGMAs).
    options = args.sqlite_pragmas if engine == "sqlite" and args.sqlite_pragmas else ""
    connect_url = f"{url}?{options.replace(',', '&')}" if options else url
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(connect_url))
            if loaded is None:
                loaded = await _fill(ctx, engine, connect_url, args)
                if args.keep:
                    _save_state(args.keep, url, tmpdir, loaded)
            engine_version, size_bytes = await _engine_facts(ctx.db(), engine, tmpdir)
            scenario_results = await measure(engine, loaded, args)
    finally:
        if not keep:
            await _drop_database(url, tmpdir)
    return {
        "engine": engine,
        "engine_version": engine_version,
        "counts": loaded.counts,
        "load_seconds": loaded.load_seconds,
        "build_seconds": loaded.build_seconds,
        "size_bytes": size_bytes,
        "scenarios": scenario_results,
    }


# --------------------------------------------------------------------------------------
# Orchestration and report
# --------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"nproc {nproc} ({cpu}){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def report(results: dict[str, dict], args: argparse.Namespace, wall: float) -> str:
    first = next(iter(results.values()))
    counts = first["counts"]
    lines = [
        f"Register: {counts['organisation']:,} organisations × {args.per_org} = "
        f"{counts['processing_activity']:,} processing activities "
        f"({counts['security_measure']:,} security measures, "
        f"{counts['activity_measure']:,} activity–measure links). "
        f"{args.requests} sequential requests per scenario after {WARMUP} warm-up, "
        "in-process HTTP (httpx ASGITransport → FastAPI → Tortoise), seed "
        f"{args.seed}.",
        "",
        "| Scenario | SQLite p50 | SQLite p95 | PostgreSQL p50 | PostgreSQL p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    by_engine = {
        engine: {s["key"]: s for s in result["scenarios"]} for engine, result in results.items()
    }
    for scenario in first["scenarios"]:
        cells = []
        for engine in ENGINES:
            row = by_engine.get(engine, {}).get(scenario["key"])
            cells += [f"{row['p50']:.1f} ms", f"{row['p95']:.1f} ms"] if row else ["—", "—"]
        lines.append(f"| {scenario['label']} | {' | '.join(cells)} |")
    lines.append("")
    matched = ", ".join(
        f"{s['key']} {s['mean_matched']:,.0f}"
        for s in first["scenarios"]
        if s["key"] not in ("get_one", "auth")
    )
    lines.append(f"- Rows matched per request (mean `total`): {matched}")
    for engine, result in results.items():
        rate = result["counts"]["processing_activity"] / result["load_seconds"]
        lines.append(
            f"- Load, {ENGINES[engine]} {result['engine_version']}: "
            f"{result['load_seconds']:.1f} s ({rate:,.0f} activities/s, of which "
            f"{result['build_seconds']:.1f} s building rows in Python), "
            f"database {result['size_bytes'] / 1024 / 1024:,.0f} MiB"
        )
    lines.append(f"- Machine: {machine()}")
    lines.append(f"- Total run time: {wall:.0f} s")
    command = [
        ".venv/bin/python benchmarks/bench_register.py",
        f"--orgs {args.orgs}",
        f"--per-org {args.per_org}",
        f"--requests {args.requests}",
        f"--db {args.db}",
    ]
    if args.seed != 2024:
        command.append(f"--seed {args.seed}")
    if args.reuse:
        command.append(f"--reuse {args.reuse}")
    if args.only:
        command.append(f"--only {','.join(sorted(args.only))}")
    if args.sqlite_pragmas:
        command.append(f"--sqlite-pragmas {args.sqlite_pragmas}")
    lines.append(f"- Command: `{' '.join(command)}`")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=2000, help="organisations (default 2000)")
    parser.add_argument(
        "--per-org", type=int, default=50, help="activities per organisation (default 50)"
    )
    parser.add_argument(
        "--requests", type=int, default=200, help="timed requests per scenario (default 200)"
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="'{}' is replaced by a random suffix; the database is created, then dropped",
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--sqlite-pragmas",
        metavar="NAME=VALUE,…",
        help="SQLite connection settings, as the database URL carries them "
        "(e.g. mmap_size=1073741824)",
    )
    parser.add_argument(
        "--only",
        type=lambda value: set(value.split(",")),
        help="these scenarios only (keys, comma-separated: org_list,search_one,…)",
    )
    parser.add_argument(
        "--keep",
        metavar="FILE",
        help="keep the loaded database (one engine) and write to FILE what --reuse needs",
    )
    parser.add_argument(
        "--reuse",
        metavar="FILE",
        help="measure again the database an earlier --keep run left, without loading it",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"smoke size ({SMOKE['orgs']} × {SMOKE['per_org']}, "
        f"{SMOKE['requests']} requests): proves the script runs, measures nothing",
    )
    parser.add_argument("--json-out", help=argparse.SUPPRESS)  # worker mode: one engine
    args = parser.parse_args(argv)
    if args.smoke:
        vars(args).update(SMOKE)
    if args.orgs < 1 or args.per_org < 1 or args.requests < 1:
        parser.error("--orgs, --per-org and --requests must be at least 1")
    if (args.keep or args.reuse) and args.db == "both":
        parser.error("--keep and --reuse take one engine: --db sqlite or --db postgres")
    if args.reuse and not args.json_out:  # the report names the size of the kept register
        counts = json.loads(Path(args.reuse).read_text())["counts"]
        args.orgs = counts["organisation"]
        args.per_org = counts["processing_activity"] // counts["organisation"]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.json_out:
        result = asyncio.run(run_engine(args))
        Path(args.json_out).write_text(json.dumps(result))
        return 0

    started = time.perf_counter()
    engines = list(ENGINES) if args.db == "both" else [args.db]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="rgpd_bench_results_") as tmp:
        for engine in engines:
            out = Path(tmp) / f"{engine}.json"
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--db",
                engine,
                "--orgs",
                str(args.orgs),
                "--per-org",
                str(args.per_org),
                "--requests",
                str(args.requests),
                "--postgres-url",
                args.postgres_url,
                "--seed",
                str(args.seed),
                "--json-out",
                str(out),
            ]
            command += ["--keep", args.keep] if args.keep else []
            command += ["--sqlite-pragmas", args.sqlite_pragmas] if args.sqlite_pragmas else []
            command += ["--only", ",".join(sorted(args.only))] if args.only else []
            command += ["--reuse", args.reuse] if args.reuse else []
            completed = subprocess.run(command, cwd=ROOT, check=False)
            if completed.returncode != 0:
                log(f"{ENGINES[engine]} run failed (exit {completed.returncode})")
                return completed.returncode
            results[engine] = json.loads(out.read_text())
    print(report(results, args, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
