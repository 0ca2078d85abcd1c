"""The demo register: the four seed conventions of `shared/seeds/`, loaded as they really are.

Seed files (cited below by their number):
    000 = 000_2de26080cd59aaa9.txt  GPSO (DIGIT) – Ville de Boulogne-Billancourt
    001 = 001_32bc808fcf847520.txt  Grand-Orly Seine Bièvre – Juvisy-sur-Orge (first version)
    002 = 002_1410ce424480088b.txt  Métropole du Grand Nancy (DSIT) – Essey-lès-Nancy
    003 = 003_6cfb7e4c757cbe52.txt  Grand-Orly Seine Bièvre – Juvisy-sur-Orge (clean version)
    004 = 004_19435b869cf77f80.txt  Montpellier Méditerranée Métropole – CCAS de Baillargues

001 and 003 are two documents of ONE convention (same deliberation «2209» =
n°2021-01-26_2209), so they make one Convention here.

Rules followed by the data below:
- A fact with no comment, or with a seed citation, is in the seed text.
- "(inferred)" marks a deduction or a plausible completion that the seed does not state.
- "(illustrative)" marks a made-up contact detail (the seed gives none): clearly labelled
  addresses on the body's plausible domain, never to be taken for a real mailbox.
- Blanks of the seeds (unnamed presidents, «délibération n°…», «Fait à …, le») stay blank.
- SIREN only where certain and valid (Luhn key checked by core.validators.check_siren):
  GOSB (printed SIRET, 003) and Boulogne-Billancourt (SIREN field of the ACTES number, 000).
- The processing activities (art. 30 entries) are plausible completions built from what each
  convention says the bodies do: all of them are (inferred); their legal texts are indications
  to check, and their retention periods defaults to check against the archives' rules.

Everything is written through the register's services and input shapes, so the demo obeys
the same validation as a person typing it. Loading is idempotent and atomic.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from core.errors import Conflict, ValidationFailed
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.activities.schemas import ActivityIn
from register.activities.service import create_activity
from register.conventions.models import Convention, ConventionParty
from register.conventions.schemas import ConventionIn, PartyIn
from register.conventions.service import create_convention
from register.measures.models import SecurityMeasure
from register.measures.schemas import MeasureIn
from register.measures.service import create_measure
from register.organisations.models import Contact, Organisation
from register.organisations.schemas import ContactIn, DpoIn, OrganisationIn
from register.organisations.service import create_contact, create_dpo, create_organisation
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.schemas import EngagementIn
from register.subprocessors.service import create_engagement

GOSB_LEGAL_NAME = "Établissement public territorial Grand-Orly Seine Bièvre"

# ---------------------------------------------------------------------------------------------
# DPOs. Keys are referred to by ORGANISATIONS["…"]["dpo"].
# ---------------------------------------------------------------------------------------------

DPOS: dict[str, dict[str, Any]] = {
    # 003 annexe 1 §II.10: «L'EPT a nommé un délégué à la protection des données, celui-ci est
    # joignable par mail à DPO@grandorlyseinebievre.fr». The person's name is absent: the name
    # field carries the function. Mode internal (inferred).
    "gosb": {
        "mode": "internal",
        "name": "Délégué à la protection des données de l'EPT Grand-Orly Seine Bièvre",
        "email": "DPO@grandorlyseinebievre.fr",
        "employer": GOSB_LEGAL_NAME,
        # 003, parties: seat of the EPT.
        "address": "2 avenue Youri-Gagarine, 94400 Vitry-sur-Seine",
    },
    # 002 art. 10.2: the adherent reports to «[le] DPD qu'il a désigné officiellement auprès de
    # la CNIL … Par téléphone au 03 57 80 06 57 …, Par courriel à cnil@grandnancy.eu, ou par le
    # formulaire dédié «Signaler un incident sur des données personnelles»» (form URL absent).
    # That the DPD is the Métropole's, shared by the adherents (so "mutualised" and also
    # designated by Essey), is inferred from the grandnancy.eu domain; its name is absent.
    "grand_nancy": {
        "mode": "mutualised",
        "name": "DPD mutualisé de la Métropole du Grand Nancy",
        "email": "cnil@grandnancy.eu",
        "phone": "03 57 80 06 57",
        "employer": "Métropole du Grand Nancy",
    },
    # 000 art. 2: each party must «désigner un Délégué à la Protection des Données (DPD)»;
    # no name or address is given. Domain seineouest.fr from «digit@seineouest.fr» (000).
    # E-mail (illustrative), mode (inferred).
    "gpso": {
        "mode": "internal",
        "name": "DPD de l'EPT Grand Paris Seine Ouest (nom non communiqué)",
        "email": "exemple.dpd@seineouest.fr",
        "employer": "Établissement public territorial Grand Paris Seine Ouest",
    },
    # 000 art. 2 (as above). E-mail (illustrative), mode (inferred).
    "boulogne": {
        "mode": "internal",
        "name": "DPD de la Ville de Boulogne-Billancourt (nom non communiqué)",
        "email": "exemple.dpd@boulognebillancourt.com",
        "employer": "Ville de Boulogne-Billancourt",
    },
    # 001/003: Juvisy's DPO and the breach contact «désigné ci-dessus» are never given. A public
    # body must have one (art. 37(1)(a)): name, e-mail (illustrative), mode (inferred).
    "juvisy": {
        "mode": "internal",
        "name": "DPD de la commune de Juvisy-sur-Orge (nom non communiqué)",
        "email": "exemple.dpd@juvisy.fr",
        "employer": "Commune de Juvisy-sur-Orge",
    },
    # 004: no DPO is named (annex 4 «RGPD» is missing from the seed). E-mail (illustrative).
    "montpellier": {
        "mode": "internal",
        "name": "DPD de Montpellier Méditerranée Métropole (nom non communiqué)",
        "email": "exemple.dpd@montpellier3m.fr",
        "employer": "Montpellier Méditerranée Métropole",
    },
    # 004: none named. A small CCAS usually designates its commune's DPO (inferred: mutualised
    # with the commune of Baillargues, which is not a party); e-mail (illustrative).
    "baillargues": {
        "mode": "mutualised",
        "name": "DPD de la commune de Baillargues, désigné aussi par le CCAS (nom non communiqué)",
        "email": "exemple.dpd@ville-baillargues.fr",
        "employer": "Commune de Baillargues",
    },
}

# ---------------------------------------------------------------------------------------------
# Bodies. The keys are the ones DemoSummary.bodies gives back.
# ---------------------------------------------------------------------------------------------

ORGANISATIONS: dict[str, dict[str, Any]] = {
    # 003, parties: «L'établissement public territorial Grand-Orly Seine Bièvre, ayant son siège
    # social au 2 avenue Youri-Gagarine, [94400 Vitry-sur-Seine] … N° SIRET : 200 058 014 00016
    # APE : 8411Z … Représentée par son président, Monsieur Michel LEPRÊTRE».
    "gosb": {
        "legal_name": GOSB_LEGAL_NAME,
        "kind": "ept",
        "siren": "200058014",
        "siret": "20005801400016",
        "address": "2 avenue Youri-Gagarine, 94400 Vitry-sur-Seine",
        "legal_rep_name": "Michel LEPRÊTRE",
        "legal_rep_title": "Président",
        "dpo": "gosb",
    },
    # 003: «La commune de Juvisy-sur-Orge, domiciliée» (address left blank); the mayor is not
    # named; no SIREN. Title «Maire» is the office of a commune's legal representative.
    "juvisy": {
        "legal_name": "Commune de Juvisy-sur-Orge",
        "kind": "commune",
        "legal_rep_title": "Maire",
        "dpo": "juvisy",
    },
    # 003 art. 1: «un syndicat intercommunal d'informatique, le SIIM94, apportant son savoir-faire
    # … dans le domaine des systèmes d'information, de l'infogérance des réseaux, télécoms,
    # serveurs et bases de données …». Full name, address, SIREN, DPO absent; "94" =
    # Val-de-Marne (inferred).
    "siim94": {
        "legal_name": "SIIM94 — syndicat intercommunal d'informatique (Val-de-Marne)",
        "kind": "syndicat",
    },
    # 002: «La Métropole du Grand Nancy, représentée par son Président, , habilité … par
    # délibération du Conseil métropolitain n° en date du ...» (name and délib left blank).
    "grand_nancy": {
        "legal_name": "Métropole du Grand Nancy",
        "kind": "epci_fp",
        "legal_rep_title": "Président",
        "dpo": "grand_nancy",
    },
    # 002: «La Commune d'Essey-lès-Nancy, représentée par, Monsieur Michel BREUILLE habilité …
    # par délibération du XXXXX du 25 septembre 2023». Title «Maire» (inferred). DPD shared
    # with the Métropole (inferred, see DPOS["grand_nancy"]).
    "essey": {
        "legal_name": "Commune d'Essey-lès-Nancy",
        "kind": "commune",
        "legal_rep_name": "Michel BREUILLE",
        "legal_rep_title": "Maire",
        "dpo": "grand_nancy",
    },
    # 000: President of GPSO = «Pierre-Christophe BAGUET … Président de Grand Paris Seine Ouest»;
    # the convention is signed for him, «par délégation», by his vice-president (contact below).
    # Address and SIREN absent (seat probably Meudon, inferred from «Fait à Meudon»: not stored).
    "gpso": {
        "legal_name": "Établissement public territorial Grand Paris Seine Ouest",
        "kind": "ept",
        "legal_rep_name": "Pierre-Christophe BAGUET",
        "legal_rep_title": "Président",
        "dpo": "gpso",
    },
    # 000: «La Ville de Boulogne-Billancourt, représentée par son Maire, Pierre-Christophe
    # BAGUET». SIREN 219200128 is the SIREN field of the ACTES number «N° 092-219200128-
    # 20231207-137171-DE-1-1» (format département-SIREN-date-n°-nature); Luhn key valid.
    "boulogne": {
        "legal_name": "Ville de Boulogne-Billancourt",
        "kind": "commune",
        "siren": "219200128",
        "legal_rep_name": "Pierre-Christophe BAGUET",
        "legal_rep_title": "Maire",
        "dpo": "boulogne",
    },
    # 004: «Montpellier Méditerranée Métropole, représentée par son Président Philippe Saurel,
    # habilité … par délibération 23 mai 2019» (president at the 2019 signature).
    "montpellier": {
        "legal_name": "Montpellier Méditerranée Métropole",
        "kind": "epci_fp",
        "legal_rep_name": "Philippe Saurel",
        "legal_rep_title": "Président",
        "dpo": "montpellier",
    },
    # 004: «Le CCAS de BAILLARGUES représenté par son Président …»; signature «Le Président
    # Jean-Luc MEISSONNIER».
    "ccas_baillargues": {
        "legal_name": "CCAS de Baillargues",
        "kind": "ccas_cias",
        "legal_rep_name": "Jean-Luc MEISSONNIER",
        "legal_rep_title": "Président",
        "dpo": "baillargues",
    },
}

CONTACTS: list[dict[str, Any]] = [
    # 003 annexe 1 §II.10.
    {
        "org": "gosb",
        "name": "Délégué à la protection des données (nom non communiqué)",
        "roles": ["dpo"],
        "email": "DPO@grandorlyseinebievre.fr",
    },
    # 003 art. 5: «Gerald PETIOT, coordinateur EPT de la démutualisation informatique».
    {
        "org": "gosb",
        "name": "Gerald PETIOT",
        "job_title": "Coordinateur EPT de la démutualisation informatique (mission numérique)",
        "roles": ["convention_referent"],
    },
    # 003 art. 1 and 5: «Le technicien EPT, Vincent CELMA sera mis à disposition», the last
    # technician who knows Juvisy's workstations.
    {
        "org": "gosb",
        "name": "Vincent CELMA",
        "job_title": "Technicien support mis à disposition de Juvisy-sur-Orge",
        "roles": ["convention_referent"],
    },
    # 003 art. 1/5: «coordinateur informatique désigné par la ville» (unnamed). The convention
    # asks breaches to be reported «par courriel et par appel téléphonique au contact désigné
    # ci-dessus» but designates nobody: e-mail (illustrative), no phone (the gap stays visible).
    {
        "org": "juvisy",
        "name": "Coordinateur informatique désigné par la ville (nom non communiqué)",
        "roles": ["convention_referent"],
        "email": "exemple.informatique@juvisy.fr",
    },
    # 002 art. 10.2: «au RSSI de la DSIT (en charge de l'expertise de la violation sur le plan
    # technique) ➔ Par courriel à l'adresse : rsi@grandnancy.eu» (verbatim «rsi@»).
    {
        "org": "grand_nancy",
        "name": "RSSI de la DSIT mutualisée (nom non communiqué)",
        "job_title": "RSSI — Direction des systèmes d'information et des télécommunications",
        "roles": ["rssi"],
        "email": "rsi@grandnancy.eu",
    },
    # 002 art. 10.2 (DPD channels).
    {
        "org": "grand_nancy",
        "name": "DPD mutualisé (nom non communiqué)",
        "roles": ["dpo"],
        "email": "cnil@grandnancy.eu",
        "phone": "03 57 80 06 57",
    },
    # 000, signature block: «Pour le Président et par délégation Christine Barody-Weiss,
    # Vice-Président en charge des Ressources Humaines, Maire de Marnes la Coquette».
    {
        "org": "gpso",
        "name": "Christine Barody-Weiss",
        "job_title": (
            "Vice-Président en charge des Ressources Humaines, signataire par délégation "
            "du Président ; Maire de Marnes-la-Coquette"
        ),
        "roles": ["legal_representative"],
    },
    # 000 1.5, 5.2, annexe 2: the DIGIT mailbox.
    {
        "org": "gpso",
        "name": "DIGIT — Direction de l'Information Géographique et de l'Innovation Territoriale",
        "job_title": "Boîte du service mutualisé",
        "roles": ["convention_referent"],
        "email": "digit@seineouest.fr",
    },
]

# ---------------------------------------------------------------------------------------------
# Conventions: one per seed. Parties are (body key, role).
# ---------------------------------------------------------------------------------------------

CONVENTIONS: dict[str, dict[str, Any]] = {
    # 001 / 003 (one convention, two documents).
    "gosb_juvisy": {
        # 003, title as written.
        "title": (
            "Convention relative mutualisation temporaire des services informatiques "
            "entre l'EPT et la commune de Juvisy-sur-Orge"
        ),
        # 003 art. 1: «les modalités des prestations de services informatiques … entre
        # l'établissement public territorial Grand-Orly Seine Bièvre et la ville de
        # Juvisy-sur-Orge»; paid (20 000 €, art. 4).
        "kind": "prestation_de_services",
        "legal_instrument": "other_legal_act",
        # 003 art. 1 «l'article L.5219-12-III du CGCT»; the délib adds L5211-9, L5211-10,
        # L5219-2 and following.
        "legal_basis": "CGCT L5219-12-III",
        "subject": (
            "Démutualisation de l'informatique de Juvisy-sur-Orge : droit d'usage « en l'état » "
            "du réseau, des serveurs et des espaces de stockage hébergés par l'EPT, maintien en "
            "condition opérationnelle « best effort », sauvegardes, support des postes, et "
            "transmission des accès, données et sauvegardes pour la reprise par la ville "
            "(art. 1 et 3)."
        ),
        # 003 header: «DÉLIBÉRATION n°2021-01-26_2209»; 001 shows only «2209». The convention's
        # own «délibération n°…. en date du» is blank; no Juvisy délib in the seed.
        "deliberation_refs": [
            "EPT Grand-Orly Seine Bièvre, délibération n°2021-01-26_2209 du conseil territorial "
            "du 26 janvier 2021 (document 003 ; « 2209 » dans le document 001)"
        ],
        # 003 art. 6: «prend effet le 1er février 2021 pour une durée de six mois. Elle pourra
        # être renouvelée pour une même durée une fois maximum par reconduction expresse» —
        # express, not tacit, so tacit_renewals = 0; the express renewal is in the notes.
        "start_date": date(2021, 2, 1),
        "duration_months": 6,
        "tacit_renewals": 0,
        "parties": [("juvisy", "controller"), ("gosb", "processor")],
        # Annexe 1 §II: 2 «conformément aux instructions documentées»; 3-4 confidentiality of
        # authorised persons; 7 help with data-subject rights; 8-9 breach notification and
        # security measures (art. 32-33; DPIA help is not written: see notes); 2 «il en informe
        # immédiatement la Ville» of an unlawful instruction.
        "documented_instructions": True,
        "staff_confidentiality": True,
        "assists_data_subject_rights": True,
        "assists_security_obligations": True,
        "informs_unlawful_instruction": True,
        # Annexe 1 §II.6: «La Ville donne autorisation générale à l'EPT» and the EPT informs in
        # writing «dans les plus brefs délais»: no number of days, no right to object.
        "subprocessor_authorisation": "general",
        "subprocessor_notice_days": None,
        # Annexe 1 §II.8: «dans un délai maximum de 72 heures après en avoir pris connaissance
        # et par courriel et par appel téléphonique»; «les informations peuvent être
        # communiquées de manière échelonnée sans retard indu».
        "breach_notice_hours": 72,
        "breach_notice_channels": ["email", "phone"],
        "breach_phased_information": True,
        # Annexe 1 §II.12: «audits, y compris des inspections, par la Ville ou par un autre
        # auditeur qu'il a mandaté».
        "audit_right": True,
        # Annexe 1 §IV: «renvoyées, conservées, triées ou détruites au choix des partis … Une
        # fois détruites, le sous-traitant doit justifier par écrit de la destruction.»
        "end_of_service": "return_then_delete",
        "end_of_service_proof": True,
        "notes": (
            "Deux documents pour une seule convention : 001 (extrait annoté « 2209 ») et 003 "
            "(délibération n°2021-01-26_2209, texte corrigé). Signature : « Fait à …, le » "
            "laissé en blanc ; délibération visée par la convention laissée en blanc "
            "(« n°…. en date du »).\n"
            "Durée (art. 6) : six mois à compter du 1er février 2021, renouvelable une fois "
            "pour six mois par reconduction EXPRESSE au moins un mois avant l'échéance ; fin au "
            "plus tard le 31 janvier 2022 en cas de renouvellement (déduit). Aucune clause de "
            "résiliation ; modification par avenant seulement. Litiges : TA de Melun.\n"
            "RGPD (annexe 1) : la Ville est responsable de traitement, l'EPT sous-traitant ; "
            "le corps de la convention parle pourtant encore de « service commun » placé sous "
            "l'autorité du Président de l'EPT (art. 8) — question art. 28.10 / 29 à instruire.\n"
            "Lacunes : types de données et catégories de personnes non décrits (art. 28.3) ; "
            "information des changements de sous-traitants « dans les plus brefs délais », "
            "sans délai chiffré ni droit d'opposition (art. 28.2) ; le « contact désigné "
            "ci-dessus » pour les violations n'est désigné nulle part ; le délai de 72 h du "
            "sous-traitant peut consommer les 72 h de la Ville envers la CNIL ; l'aide aux "
            "AIPD et à la consultation préalable (art. 35-36) n'est pas écrite.\n"
            "Sous-traitants ultérieurs connus : SIIM94 (adhésion héritée de l'ex-CAVB) et des "
            "« partenaires du secteur privé qui interviennent en régie » non nommés (art. 1)."
        ),
    },
    # 002.
    "grand_nancy_essey": {
        "title": "Convention de mutualisation des systèmes d'informations",
        # 002 art. 2: «se fonde sur l'article L5211-4-2 du CGCT … services communs».
        "kind": "service_commun",
        "legal_instrument": "other_legal_act",
        "legal_basis": "CGCT L5211-4-2",
        "subject": (
            "Organisation, gouvernance et contributions financières de la DSIT mutualisée "
            "(art. 1) ; catalogue de services : socle S01 à S06, options S07 à S11 (annexe 1)."
        ),
        # 002, parties: Essey «délibération du XXXXX du 25 septembre 2023» (organ left as a
        # placeholder, no number); the Métropole's délib is blank.
        "deliberation_refs": [
            "Commune d'Essey-lès-Nancy, délibération du « XXXXX » du 25 septembre 2023 "
            "(organe et numéro laissés en blanc)",
            "Métropole du Grand Nancy, délibération du Conseil métropolitain n° … du … "
            "(laissée en blanc)",
        ],
        # 002 art. 14: «prend effet à compter du 1er janvier 2024, pour une année,
        # reconductible tacitement quatre (4) fois» → last end 31/12/2028.
        "start_date": date(2024, 1, 1),
        "duration_months": 12,
        "tacit_renewals": 4,
        # 002 art. 13: «Moyennant le respect d'un préavis de trois (3) mois».
        "notice_months": 3,
        # 002 art. 10: the DSIT is «le» service informatique of the adherents, «pas considérée
        # comme sous-traitant»: host and member of a service commun, NOT processor.
        "parties": [
            ("grand_nancy", "service_commun_host"),
            ("essey", "service_commun_member"),
        ],
        # 002 art. 10.1: staff with access under «une obligation légale renforcée de
        # confidentialité»; the DSIT helps with DPIAs, breach notification and audits.
        "staff_confidentiality": True,
        "assists_security_obligations": True,
        # No art. 28 clause set (art. 10), so no sub-processor clause: default "none" means
        # here "no clause", not a prohibition (see notes). No breach delay for the DSIT towards
        # the adherent (art. 10.1, none stated): breach_notice_hours stays null.
        # 002 art. 13: «La DSIT s'engage à faciliter la récupération des données … appartenant
        # en propre à l'adhérent».
        "end_of_service": "return",
        "notes": (
            "Art. 10 : « Conformément à l'article L5211-4-2 du CGCT, la DSIT est missionnée au "
            "titre de la présente convention pour constituer « le » service informatique des "
            "adhérents. À ce titre, elle n'est donc pas considérée comme sous-traitant au sens "
            "RGPD du terme et notamment ne répond pas aux obligations de l'article 28. » "
            "Chaque adhérent reste responsable de ses traitements ; la DSIT « consulte et "
            "s'appuie sur l'expertise du ou des DPD désignés officiellement auprès de la CNIL "
            "par chaque adhérent ».\n"
            "Violations (art. 10.2) : l'adhérent signale « immédiatement après en avoir pris "
            "connaissance » au RSSI de la DSIT, par courriel à rsi@grandnancy.eu (expertise "
            "technique), et parallèlement à son DPD — téléphone 03 57 80 06 57 (« suivant les "
            "cas ! »), courriel cnil@grandnancy.eu ou formulaire « Signaler un incident sur des "
            "données personnelles » — qui notifie la CNIL dans les 72 h après la prise de "
            "connaissance. La DSIT informe l'adhérent et son DPD de toute violation (art. 10.1, "
            "sans délai chiffré).\n"
            "Pas de clause de sous-traitance ultérieure, pas de droit d'audit (la DSIT "
            "« contribue aux audits »). Confidentialité (art. 6) : destruction des données "
            "communes en fin d'adhésion. Résiliation (art. 13) : préavis de 3 mois par LRAR, "
            "d'un commun accord, ou pour faute après mise en demeure de 3 mois. Litiges de "
            "paiement : TA de Nancy. Signature : « Fait, à Nancy, le » en blanc."
        ),
    },
    # 000.
    "gpso_boulogne": {
        "title": (
            "Convention de mutualisation de la Direction de l'Information Géographique et de "
            "l'Innovation Territoriale entre l'Établissement Public Territorial Grand Paris "
            "Seine Ouest et la Ville de Boulogne-Billancourt"
        ),
        # 000 préambule: «tout ou partie d'un service d'un établissement public de coopération
        # intercommunale peut être mis à la disposition d'une ou plusieurs de ses communes».
        "kind": "mise_a_disposition",
        "legal_instrument": "other_legal_act",
        "legal_basis": "CGCT L5211-4-1 III",
        "subject": (
            "Mise à disposition de la DIGIT (SIG mutualisé, base de données territoriale, "
            "modules web SIG, vues immersives, Open Data) au profit de la Ville."
        ),
        "deliberation_refs": [
            # 000: ACTES number, «Transmis en préfecture le 13 décembre 2023».
            "Ville de Boulogne-Billancourt, délibération du conseil municipal du 7 décembre "
            "2023, N° 092-219200128-20231207-137171-DE-1-1",
            # 000: number absent.
            "EPT Grand Paris Seine Ouest, délibération du conseil de territoire du "
            "13 décembre 2023 (numéro non indiqué)",
        ],
        # 000 art. 7: «entrera en vigueur le 01/01/2024 pour une durée d'un an renouvelable
        # trois fois par tacite reconduction soit du 01/01/2024 au 31/12/2027».
        "start_date": date(2024, 1, 1),
        "duration_months": 12,
        "tacit_renewals": 3,
        # 000 art. 7: «sous réserve de respecter un préavis de trois mois, il pourra être mis
        # fin à la présente convention à tout moment par lettre recommandée».
        "notice_months": 3,
        # 000 art. 2: «L'EPT et la Ville, chacun en ce qui le concerne, est responsable du
        # respect des obligations … de tenir un registre et de désigner un [DPD]».
        "parties": [("gpso", "independent_controller"), ("boulogne", "independent_controller")],
        "notes": (
            "Art. 2 : chacun responsable de ses obligations (registre, DPD) ; « tous les "
            "membres de l'équipe de la DIGIT sont sensibilisés sur le RGPD » ; la DIGIT "
            "vérifie, avant de traiter une donnée nominative, qu'elle figure au registre du "
            "DPD de la Ville. Aucune clause de violation, de sous-traitance ultérieure ni "
            "d'audit.\n"
            "À examiner : « La base de données territoriale est hébergée sur le serveur de "
            "l'EPT » et « L'EPT met en œuvre tous les moyens nécessaires pour garantir la "
            "sécurité des données de la Ville » — un hébergement de données de la Ville sans "
            "clauses de l'art. 28 (déduit).\n"
            "Art. 7 : deux clauses qui se contredisent — « ne pourra donc être résiliée avant "
            "son terme que d'un commun accord des parties » et « sous réserve de respecter un "
            "préavis de trois mois, il pourra être mis fin à la présente convention à tout "
            "moment par lettre recommandée avec accusé de réception ». Au terme des quatre "
            "années : renouvellement par délibérations expresses et concordantes. En cas de "
            "résiliation par l'EPT, la DIGIT restitue à la Ville ses données « au format en "
            "vigueur sur support dématérialisé ». Litiges : TA de Cergy-Pontoise. Signature : "
            "« Fait à Meudon, le » en blanc."
        ),
    },
    # 004.
    "montpellier_ccas": {
        "title": "Convention de gestion de services numériques communs",
        # 004 art. 1: «établie en application des articles L 5217-7 et L 5215-27 du CGCT»; no
        # enum value fits a «convention de gestion» exactly: "other" (inferred).
        "kind": "other",
        "legal_instrument": "other_legal_act",
        "legal_basis": "CGCT L5217-7 et L5215-27",
        "subject": (
            "Solutions communes : plateforme d'e-administration (parapheur, contrôle de "
            "légalité, flux comptables, convocations des élus, archivage des actes), services "
            "en ligne aux usagers (compte et fédération d'identité), portail de "
            "dématérialisation des marchés publics, plateforme Open Data ; hébergées, "
            "sauvegardées et maintenues par la Métropole (art. 1-2)."
        ),
        "deliberation_refs": [
            "CCAS de Baillargues, délibération du conseil d'administration n°DLP2019-28 du "
            "5 juillet 2019",
            "Montpellier Méditerranée Métropole, délibération du 23 mai 2019 (numéro non indiqué)",
        ],
        # 004 art. 7: «conclue pour la période 2019-2020-2021». Exact start day absent:
        # 1 January 2019 and end 31 December 2021 (inferred). No renewal clause.
        "start_date": date(2019, 1, 1),
        "end_date": date(2021, 12, 31),
        # Roles: annex 4 («RGPD») is missing. CCAS = controller of its processing; the
        # Métropole, which hosts, backs up and maintains the platforms «paramétrée, hébergée
        # et mise à jour par les services de [la Métropole]» = processor (inferred).
        "parties": [("ccas_baillargues", "controller"), ("montpellier", "processor")],
        # Every clause field is unknown (annex 4 absent): left at its default, see notes.
        "notes": (
            "Art. 8 : « Les parties à la présente convention s'engagent à une application "
            "stricte des dispositions relatives à la protection des données personnelles qui "
            "leur seront transmises conformément à l'annexe 4. » L'annexe 4 n'est pas "
            "reproduite : rôles, délai et canaux de notification des violations, sous-traitance "
            "ultérieure, audit, sort des données et mesures de sécurité sont INCONNUS (les "
            "champs laissés à leur valeur par défaut ne signifient pas « non »).\n"
            "Rôles retenus (déduits) : le CCAS responsable de traitement ; la Métropole "
            "sous-traitante pour l'hébergement, la sauvegarde, la maintenance et le support des "
            "plateformes. Le compte usager fédéré entre les 31 communes, la Métropole et les "
            "CCAS partenaires pourrait relever d'une responsabilité conjointe (art. 26), à "
            "qualifier.\n"
            "Durée (art. 7) : « période 2019-2020-2021 » (jour de début non précisé). "
            "Résiliation (art. 10) au 1er janvier 2020 ou 2021, demandée au plus tard le "
            "30 septembre de l'année précédente par courrier avec accusé de réception. Le "
            "préambule cite encore le « Code des Marchés Publics ». Montant « Services en ligne "
            "aux usagers : X » laissé en blanc. Litiges : TA de Montpellier. Signature : « Fait "
            "à Montpellier, le » en blanc."
        ),
    },
}

# ---------------------------------------------------------------------------------------------
# Security measures (art. 32). Referred to as "<body key>:<measure key>".
# ---------------------------------------------------------------------------------------------

_ANNEX1 = "Convention 001/003, annexe 1 §II.9"

MEASURES: dict[str, list[dict[str, Any]]] = {
    # 003 annexe 1 §II.9 «L'EPT s'engage à mettre en œuvre les mesures de sécurité suivantes»,
    # the eight bullets in order (001 has an empty ninth bullet «-», dropped in 003). Status
    # "implemented" as committed, except bullet 5 which the text makes conditional. Owners
    # (inferred) from the mission numérique's sectors (003 art. 1).
    "gosb": [
        {
            "key": "servers",
            "title": "Sécurisation des serveurs",
            "description": "« La sécurisation des serveurs »",
            "cnil_sheet": "09_servers",
            "register_category": "software_protection",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "technical",
            "status": "implemented",
            "owner": "Mission numérique — secteur SYSTEME, ETUDES et PROJETS",
        },
        {
            "key": "charter",
            "title": "Charte du numérique imposée aux agents",
            "description": (
                "« La mise en place d'une charte du numérique imposant aux agents de l'EPT des "
                "mesures de sécurité obligatoire en cas d'utilisation de l'outil informatique "
                "» ; charte étendue aux utilisateurs de Juvisy-sur-Orge (art. 2)."
            ),
            "cnil_sheet": "02_user_framework",
            "register_category": "other",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "organisational",
            "status": "implemented",
        },
        {
            "key": "subproc_clauses",
            "title": "Clauses RGPD dans les contrats des sous-traitants ultérieurs",
            "description": (
                "« L'exigence des clauses RGPD dans tout contrat passé avec des sous-traitants "
                "ultérieurs pour des prestations de traitements et de stockage des données » "
                "(art. 28.4)."
            ),
            "cnil_sheet": "14_subcontracting",
            "register_category": "processor_control",
            "art32_objectives": [],
            "nature": "legal",
            "status": "implemented",
        },
        {
            "key": "subproc_audit",
            "title": "Contrôle régulier des sous-traitants ultérieurs",
            "description": (
                "« Le contrôle régulier des moyens techniques et organisationnels mis en "
                "œuvre par le sous-traitant ultérieur »"
            ),
            "cnil_sheet": "14_subcontracting",
            "register_category": "processor_control",
            "art32_objectives": ["d_testing"],
            "nature": "organisational",
            "status": "implemented",
        },
        {
            "key": "encryption",
            "title": "Pseudonymisation et chiffrement si nécessaire",
            "description": (
                "« La pseudonymisation et le chiffrement des données à caractère personnel, si "
                "cela s'avère nécessaire » — engagement conditionnel : rien n'indique qu'ils "
                "soient en place."
            ),
            "cnil_sheet": "21_cryptography",
            "register_category": "encryption",
            "art32_objectives": ["a_pseudonymisation_encryption"],
            "nature": "technical",
            "status": "planned",
        },
        {
            "key": "cia",
            "title": "Confidentialité, intégrité, disponibilité et résilience des systèmes",
            "description": (
                "« Les moyens permettant de garantir la confidentialité, l'intégrité, la "
                "disponibilité et la résilience constantes des systèmes et des services de "
                "traitement » (réseau, serveurs, habilitations — fiches déduites)."
            ),
            "cnil_sheet": "08_network",
            "register_category": "access_control",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "technical",
            "status": "implemented",
            "owner": "Mission numérique — secteur RESEAU",
        },
        {
            "key": "restore",
            "title": "Rétablissement de la disponibilité et sauvegardes",
            "description": (
                "« Les moyens permettant de rétablir la disponibilité des données à caractère "
                "personnel et l'accès à celles-ci dans des délais appropriés en cas d'incident "
                "physique ou technique » ; « l'EPT assure les sauvegardes de l'ensemble de son "
                "infrastructure y compris pour les serveurs de Juvisy-sur-Orge … avec un plan "
                "prédéfini » (art. 3)."
            ),
            "cnil_sheet": "17_backup",
            "register_category": "backup",
            "art32_objectives": ["c_restoration"],
            "nature": "technical",
            "status": "implemented",
            "owner": "Mission numérique — secteur SYSTEME, ETUDES et PROJETS",
        },
        {
            "key": "testing",
            "title": "Procédure de test et d'évaluation régulière des mesures",
            "description": (
                "« Une procédure visant à tester, à analyser et à évaluer régulièrement "
                "l'efficacité des mesures techniques et organisationnelles pour assurer la "
                "sécurité du traitement »"
            ),
            "cnil_sheet": "01_steering",
            "register_category": "other",
            "art32_objectives": ["d_testing"],
            "nature": "organisational",
            "status": "implemented",
        },
    ],
    # 002 art. 9: «Une Politique de Sécurité des Systèmes d'Information (PSSI) recense
    # l'ensemble des dispositions de sécurité technique qui s'imposent aux fournisseurs … A titre
    # d'exemple :» and the five examples; plus one action of annexe 5.
    "grand_nancy": [
        {
            "key": "pssi",
            "title": "PSSI imposée aux fournisseurs",
            "description": (
                "« Une Politique de Sécurité des Systèmes d'Information (PSSI) recense "
                "l'ensemble des dispositions de sécurité technique qui s'imposent aux "
                "fournisseurs et que la DSIT s'engage à faire respecter. »"
            ),
            "cnil_sheet": "01_steering",
            "register_category": "processor_control",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "organisational",
            "status": "implemented",
            "owner": "RSSI de la DSIT",
        },
        {
            "key": "crypto",
            "title": "Cryptologie et signature numérique",
            "description": "« L'usage de la cryptologie et de la signature numérique »",
            "cnil_sheet": "21_cryptography",
            "register_category": "encryption",
            "art32_objectives": ["a_pseudonymisation_encryption"],
            "nature": "technical",
            "status": "implemented",
            "owner": "RSSI de la DSIT",
        },
        {
            "key": "third_party_access",
            "title": "Encadrement de l'accès aux systèmes d'information tiers",
            "description": "« L'accès à des informations ou systèmes d'information tiers »",
            "cnil_sheet": "13_exchanges",
            "register_category": "access_control",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "technical",
            "status": "implemented",
        },
        {
            "key": "logging",
            "title": "Journalisation des événements à des fins de preuve",
            "description": (
                "« La journalisation des événements (à des fins de preuve pour soutenir une "
                "action juridique devant des tribunaux »"
            ),
            "cnil_sheet": "16_logging",
            "register_category": "traceability",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "technical",
            "status": "implemented",
            "owner": "RSSI de la DSIT",
        },
        {
            "key": "passwords",
            "title": "Mots de passe robustes",
            "description": "« Les mots de passe robustes »",
            "cnil_sheet": "04_authentication",
            "register_category": "access_control",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "technical",
            "status": "implemented",
        },
        {
            "key": "secure_default",
            "title": "Sécurité par défaut des applications fournies",
            "description": "« La sécurité par défaut des applications fournies » (art. 25 et 32)",
            "cnil_sheet": "11_development",
            "register_category": "software_protection",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "technical",
            "status": "implemented",
        },
        # 002 annexe 5 «Sécurisation du SI»: «définition et mise en œuvre de plan de continuité
        # d'activité» — listed as an action to carry out: in progress (inferred).
        {
            "key": "continuity",
            "title": "Plan de continuité d'activité du SI commun",
            "description": (
                "« définition et mise en œuvre de plan de continuité d'activité » (annexe 5)"
            ),
            "cnil_sheet": "18_continuity",
            "register_category": "backup",
            "art32_objectives": ["c_restoration"],
            "nature": "organisational",
            "status": "in_progress",
            "priority": "high",
        },
    ],
    # 004 art. 2 (duties of the Métropole); the measures' wording is inferred from them.
    "montpellier": [
        {
            "key": "hosting_backup",
            "title": "Hébergement et sauvegarde des plateformes mutualisées",
            "description": (
                "« l'hébergement et la sauvegarde des informations du système mutualisé » ; "
                "« l'archivage des offres et des dossiers sur des supports dédiés » (art. 2)."
            ),
            "cnil_sheet": "17_backup",
            "register_category": "backup",
            "art32_objectives": ["c_restoration"],
            "nature": "technical",
            "status": "implemented",
        },
        {
            "key": "portal_identity",
            "title": "Portail sécurisé et fédération d'identité",
            "description": (
                "« un portail sécurisé et unifié » ; compte usager et « identité numérique "
                "métropolitaine et communale » par « fédération d'identité » (art. 1)."
            ),
            "cnil_sheet": "04_authentication",
            "register_category": "access_control",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "technical",
            "status": "implemented",
        },
        {
            "key": "dedicated_servers",
            "title": "Serveurs dédiés à la dématérialisation des marchés publics",
            "description": (
                "« l'acquisition et la maintenance des 2 serveurs dédiés à la solution commune "
                "de dématérialisation » (art. 2)."
            ),
            "cnil_sheet": "09_servers",
            "register_category": "software_protection",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "technical",
            "status": "implemented",
        },
    ],
    # 004 art. 2: the CCAS ensures «l'acquisition et le renouvellement des certificats de
    # signature électronique nécessaires pour le parapheur électronique».
    "ccas_baillargues": [
        {
            "key": "signature_certificates",
            "title": "Certificats de signature électronique du parapheur",
            "description": (
                "« l'acquisition et le renouvellement des certificats de signature électronique "
                "nécessaires pour le parapheur électronique » (art. 2)."
            ),
            "cnil_sheet": "21_cryptography",
            "register_category": "encryption",
            "art32_objectives": ["a_pseudonymisation_encryption"],
            "nature": "technical",
            "status": "implemented",
        },
    ],
    # 000 art. 3 and art. 2.
    "gpso": [
        {
            "key": "web_access",
            "title": "Accès sécurisé au module cartographique web",
            "description": (
                "« fournir un accès sécurisé pour la consultation et la mise à jour des données "
                "géographiques via un module cartographique web » (art. 3)."
            ),
            "cnil_sheet": "05_access_rights",
            "register_category": "access_control",
            "art32_objectives": ["b_confidentiality_integrity_availability"],
            "nature": "technical",
            "status": "implemented",
            "owner": "DIGIT",
        },
        {
            "key": "gdpr_awareness",
            "title": "Sensibilisation de l'équipe DIGIT au RGPD",
            "description": (
                "« tous les membres de l'équipe de la DIGIT sont sensibilisés sur le Règlement "
                "Général sur la Protection des données (RGPD) » (art. 2)."
            ),
            "cnil_sheet": "03_training",
            "register_category": "other",
            "art32_objectives": [],
            "nature": "organisational",
            "status": "implemented",
            "owner": "DIGIT",
        },
    ],
}

# The GOSB measures that protect Juvisy's hosted processing (annexe 1 §II.9).
GOSB_HOSTING = ["gosb:servers", "gosb:cia", "gosb:restore", "gosb:testing", "gosb:encryption"]
GRAND_NANCY_SI = ["grand_nancy:pssi", "grand_nancy:logging", "grand_nancy:passwords"]
MONTPELLIER_PLATFORMS = ["montpellier:hosting_backup", "montpellier:portal_identity"]

# ---------------------------------------------------------------------------------------------
# Processing activities (art. 30(1)). All (inferred) from /tmp/seed_facts.md §7, which builds
# them from what each seed says the bodies do. Legal texts marked « à vérifier » are
# indications. "recipients" entries may name a body by key ("org").
# ---------------------------------------------------------------------------------------------


def _keep(category: str, criteria: str, disposition: str) -> dict[str, Any]:
    """A retention rule given by its criteria."""
    return {"data_category": category, "criteria": criteria, "final_disposition": disposition}


def _for(
    category: str, value: int, unit: str, start: str, disposition: str, criteria: str = ""
) -> dict[str, Any]:
    """A retention rule given by a duration from an event."""
    rule = {
        "data_category": category,
        "value": value,
        "unit": unit,
        "start_event": start,
        "final_disposition": disposition,
    }
    return rule | ({"criteria": criteria} if criteria else {})


def _to(kind: str, name: str, org: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "name": name} | ({"org": org} if org else {})


_PAYROLL_RETENTION = [
    # Personnel file to the agent's 80th birthday (inferred), then sorting / transfer.
    _for(
        "professional_life",
        80,
        "year",
        "date de naissance de l'agent",
        "versement",
        "dossier individuel de l'agent : jusqu'à ses 80 ans, puis tri et versement aux "
        "archives (instruction de tri à vérifier)",
    ),
    _keep(
        "economic_financial",
        "bulletins et journaux de paie : durée fixée par l'instruction "
        "de tri des archives territoriales (à vérifier), puis versement",
        "versement",
    ),
    _for(
        "civil_status",
        2,
        "year",
        "fin de la procédure de recrutement",
        "destruction",
        "candidatures non retenues",
    ),
    _for(
        "personal_life",
        80,
        "year",
        "date de naissance de l'agent",
        "tri",
        "arrêts de maladie et pièces médicales administratives, au dossier de l'agent",
    ),
]
_PAYROLL_ART9 = (
    "Art. 9.2.b RGPD : obligations de l'employeur en matière de droit du travail et de "
    "protection sociale (congés de maladie, congés maternité) ; art. 9.2.h (médecine "
    "préventive). NIR : usage pour la paie et les déclarations sociales (décret-cadre NIR "
    "n° 2019-341, à vérifier)."
)
_STAFF_DATA = ["civil_status", "personal_life", "professional_life", "economic_financial"]

ACTIVITIES: list[dict[str, Any]] = [
    # --- EPT Grand-Orly Seine Bièvre: own register (seed_facts §7.3) --------------------------
    {
        "controller": "gosb",
        "ref": "GOSB-01",
        "name": "Séances du conseil de territoire",
        "status": "finished",
        # 003 délib header: convocation, 102 councillors, proxies, votes, live stream.
        "purposes": [
            "Convoquer les conseillers territoriaux, constater présences et pouvoirs, "
            "enregistrer les votes",
            "Retransmettre les séances en direct sur le site internet de l'EPT",
        ],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": (
            "CGCT, fonctionnement des assemblées délibérantes (à vérifier) ; loi n° 2020-1379 "
            "du 14 novembre 2020, art. 6 (séance sans public retransmise en direct)"
        ),
        "data_subject_categories": ["elected_officials", "employees"],
        "data_subject_details": "Les 102 conseillers territoriaux ; agents et intervenants nommés",
        "data_categories": ["civil_status", "professional_life"],
        "data_category_details": "Identité, images vidéo des séances, votes et pouvoirs",
        "retention": [
            _keep(
                "professional_life",
                "registre des délibérations et procès-verbaux : conservation définitive",
                "versement",
            ),
            _keep("civil_status", "vidéos en ligne pendant la durée du mandat", "tri"),
        ],
        "recipients": [
            _to("internal", "Secrétariat général de l'EPT"),
            _to("public_authority", "Préfecture du Val-de-Marne (contrôle de légalité)"),
            _to("external_org", "Public (publication des actes, retransmission)"),
        ],
        "collection_method": "internal_document",
        "next_review": date(2027, 3, 31),
    },
    {
        "controller": "gosb",
        "ref": "GOSB-02",
        "name": "Gestion RH des agents de la mission numérique",
        "status": "finished",
        # 003 art. 8: «L'autorité gestionnaire … est le Président de l'EPT»; «Les agents sont
        # rémunérés par l'EPT»; the mayor «peut émettre des avis».
        "purposes": [
            "Gérer la carrière, la rémunération, les congés et la formation des agents",
            "Recueillir les avis du Maire de Juvisy-sur-Orge sur les agents du service (art. 8)",
        ],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": (
            "Code général de la fonction publique (à vérifier) ; CGCT L5219-12 III et art. 8 "
            "de la convention 001/003"
        ),
        "special_categories": ["nir", "health"],
        "art9_condition": _PAYROLL_ART9,
        "data_subject_categories": ["employees", "candidates"],
        "data_categories": _STAFF_DATA,
        "retention": _PAYROLL_RETENTION,
        "recipients": [
            _to("internal", "Direction des ressources humaines de l'EPT"),
            _to("public_authority", "Comptable public (DGFiP)"),
            _to("external_org", "URSSAF, CNRACL et IRCANTEC"),
            _to("external_org", "Centre de gestion de la fonction publique territoriale (déduit)"),
            _to("external_org", "Maire de Juvisy-sur-Orge (avis, art. 8)", org="juvisy"),
        ],
        "collection_method": "paper_form",
        "next_review": date(2027, 1, 31),
    },
    {
        "controller": "gosb",
        "ref": "GOSB-03",
        "name": "Journalisation et sécurité du SI, application de la charte informatique",
        "status": "finished",
        # 003 art. 2: «La présente convention étend la charte informatique de l'EPT aux
        # utilisateurs de la ville de Juvisy-sur-Orge».
        "purposes": [
            "Assurer la sécurité du système d'information et détecter les incidents",
            "Faire respecter la charte informatique, étendue aux utilisateurs de Juvisy-sur-Orge",
        ],
        "legal_basis": "public_task",
        "legal_basis_detail": "Art. 32 RGPD ; charte informatique de l'EPT (art. 2 de 001/003)",
        "data_subject_categories": ["employees", "other"],
        "data_subject_details": "Agents de l'EPT et utilisateurs de la ville de Juvisy-sur-Orge",
        "data_categories": ["connection", "civil_status"],
        "retention": [
            _for("connection", 1, "year", "enregistrement de l'événement", "destruction"),
            _keep(
                "civil_status", "comptes : durée de l'habilitation, puis suppression", "destruction"
            ),
        ],
        "recipients": [
            _to("internal", "Mission numérique — secteurs RESEAU et SYSTEME"),
            _to("processor", "SIIM94 (infogérance)", org="siim94"),
        ],
        "collection_method": "other",
        "next_review": date(2026, 12, 31),
        "measures": ["gosb:servers", "gosb:charter", "gosb:cia", "gosb:testing"],
    },
    {
        "controller": "gosb",
        "ref": "GOSB-04",
        "name": "Médiation numérique",
        "status": "finished",
        # 003 art. 1: secteur «MEDIATION NUMERIQUE».
        "purposes": ["Accompagner les habitants dans leurs usages et démarches numériques"],
        "legal_basis": "public_task",
        "data_subject_categories": ["citizens"],
        "data_categories": ["civil_status", "personal_life"],
        "retention": [
            _for("civil_status", 1, "year", "dernier contact", "destruction"),
            _for("personal_life", 1, "year", "dernier contact", "destruction"),
        ],
        "recipients": [_to("internal", "Mission numérique — secteur MEDIATION NUMERIQUE")],
        "collection_method": "interview",
        "next_review": date(2027, 6, 30),
    },
    # --- Commune de Juvisy-sur-Orge: controller, GOSB processor under 001/003 (§7.4) -----------
    {
        "controller": "juvisy",
        "ref": "JUV-01",
        "name": "État civil",
        "status": "finished",
        # 003 art. 3: application «ETAT CIVIL», being moved to SaaS.
        "purposes": [
            "Établir, conserver et mettre à jour les actes de l'état civil",
            "Délivrer copies et extraits d'actes",
        ],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Code civil, titre II (actes de l'état civil) — à vérifier",
        "data_subject_categories": ["citizens", "other"],
        "data_subject_details": "Personnes nées, mariées, décédées dans la commune ; déclarants",
        "data_categories": ["civil_status", "personal_life"],
        "retention": [
            _keep(
                "civil_status",
                "registres de l'état civil : conservation définitive, "
                "versement lorsque les règles des archives le permettent",
                "versement",
            ),
            _keep("personal_life", "dossiers de travail : selon l'instruction de tri", "tri"),
        ],
        "recipients": [
            _to("public_authority", "INSEE"),
            _to("public_authority", "Procureur de la République"),
            _to("external_org", "Notaires"),
            _to(
                "processor",
                "EPT Grand-Orly Seine Bièvre (hébergement, jusqu'au passage en SaaS)",
                org="gosb",
            ),
        ],
        "software": "ETAT CIVIL (externalisation en SaaS prévue)",
        "collection_method": "paper_form",
        "next_review": date(2025, 6, 30),  # past: overdue review
        "conventions": ["gosb_juvisy"],
        "measures": GOSB_HOSTING,
    },
    {
        "controller": "juvisy",
        "ref": "JUV-02",
        "name": "Gestion des ressources humaines et paie",
        "status": "finished",
        # 003 art. 3: application «RH».
        "purposes": [
            "Gérer la carrière, la paie, les congés et la formation des agents municipaux",
            "Établir les déclarations sociales",
        ],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Code général de la fonction publique (à vérifier)",
        "special_categories": ["nir", "health"],
        "art9_condition": _PAYROLL_ART9,
        "data_subject_categories": ["employees", "candidates"],
        "data_categories": _STAFF_DATA,
        "retention": _PAYROLL_RETENTION,
        "recipients": [
            _to("internal", "Service des ressources humaines"),
            _to("public_authority", "Comptable public (DGFiP)"),
            _to("external_org", "URSSAF, CNRACL et IRCANTEC"),
            _to("external_org", "CDG 91 (déduit)"),
            _to(
                "processor",
                "EPT Grand-Orly Seine Bièvre (hébergement, jusqu'au passage en SaaS)",
                org="gosb",
            ),
        ],
        "software": "RH (externalisation en SaaS prévue)",
        "collection_method": "paper_form",
        "dpia_criteria": ["sensitive_data"],
        "next_review": date(2027, 2, 28),
        "conventions": ["gosb_juvisy"],
        "measures": GOSB_HOSTING,
    },
    {
        "controller": "juvisy",
        "ref": "JUV-03",
        "name": "Gestion financière et comptable",
        "status": "finished",
        "purposes": ["Engager, liquider et mandater les dépenses ; émettre les titres de recette"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "CGCT, livre III de la deuxième partie (finances communales)",
        "data_subject_categories": ["suppliers", "beneficiaries"],
        "data_subject_details": "Fournisseurs, créanciers, débiteurs, bénéficiaires",
        "data_categories": ["civil_status", "economic_financial"],
        "data_category_details": "Coordonnées, IBAN, montants",
        "retention": [
            _for(
                "economic_financial",
                10,
                "year",
                "clôture de l'exercice",
                "destruction",
                "pièces comptables, destruction après visa des archives",
            ),
            _for("civil_status", 10, "year", "clôture de l'exercice", "destruction"),
        ],
        "recipients": [
            _to("internal", "Service des finances"),
            _to("public_authority", "Comptable public (DGFiP)"),
            _to("processor", "EPT Grand-Orly Seine Bièvre (hébergement)", org="gosb"),
        ],
        # 003 art. 3.
        "software": "SEDIT Gestion Financière",
        "collection_method": "contract",
        "next_review": date(2027, 3, 31),
        "conventions": ["gosb_juvisy"],
        "measures": GOSB_HOSTING,
    },
    {
        "controller": "juvisy",
        "ref": "JUV-04",
        "name": "Instruction des autorisations d'urbanisme",
        "status": "finished",
        "purposes": ["Instruire et délivrer les autorisations d'urbanisme"],
        "legal_basis": "public_task",
        "legal_basis_detail": "Code de l'urbanisme, livre IV (à vérifier)",
        "data_subject_categories": ["citizens", "other"],
        "data_subject_details": "Demandeurs, propriétaires, architectes",
        "data_categories": ["civil_status", "economic_financial", "location"],
        "retention": [
            _keep("civil_status", "autorisations accordées : conservation définitive", "versement"),
            _for("location", 10, "year", "refus ou caducité de l'autorisation", "tri"),
            _for("economic_financial", 10, "year", "refus ou caducité de l'autorisation", "tri"),
        ],
        "recipients": [
            _to("public_authority", "Préfecture (contrôle de légalité)"),
            _to("public_authority", "Architecte des Bâtiments de France et services consultés"),
            _to("external_org", "Public (affichage des autorisations)"),
            _to("processor", "EPT Grand-Orly Seine Bièvre (hébergement)", org="gosb"),
        ],
        "software": "URBANISME",
        "collection_method": "paper_form",
        "next_review": date(2027, 3, 31),
        "conventions": ["gosb_juvisy"],
        "measures": GOSB_HOSTING,
    },
    {
        "controller": "juvisy",
        "ref": "JUV-05",
        "name": "Messagerie, espaces de stockage et postes de travail des agents",
        "status": "finished",
        # 003 art. 3: «serveurs de données (stockage des fichiers, messageries)», «serveurs
        # d'applications (… CITRIX, RDS…)», helpdesk by Vincent CELMA; fixed telephony
        # «externalisée auprès de la société ITC Marianne et dont le contrat a été transféré à
        # la ville».
        "purposes": [
            "Fournir aux agents messagerie, stockage de fichiers et postes de travail",
            "Assister les utilisateurs et administrer le parc",
        ],
        "legal_basis": "public_task",
        "data_subject_categories": ["employees", "other"],
        "data_subject_details": "Agents ; correspondants des agents",
        "data_categories": ["civil_status", "professional_life", "connection"],
        "retention": [
            _for(
                "professional_life",
                3,
                "month",
                "départ de l'agent",
                "destruction",
                "boîtes aux lettres et espaces personnels",
            ),
            _for("connection", 1, "year", "enregistrement de l'événement", "destruction"),
            _for("civil_status", 3, "month", "départ de l'agent", "destruction"),
        ],
        "recipients": [
            _to("internal", "Coordinateur informatique de la ville"),
            _to("processor", "EPT Grand-Orly Seine Bièvre (hébergement, support)", org="gosb"),
            _to("processor", "SIIM94 (sous-traitant ultérieur de l'EPT)", org="siim94"),
            _to("processor", "ITC Marianne (téléphonie fixe — sous-traitant de la ville, déduit)"),
        ],
        "software": "Messagerie, serveurs de fichiers, CITRIX / RDS",
        "collection_method": "internal_document",
        "next_review": date(2027, 1, 31),
        "conventions": ["gosb_juvisy"],
        "measures": [*GOSB_HOSTING, "gosb:charter"],
    },
    # --- Métropole du Grand Nancy: own processing (§7.5) --------------------------------------
    {
        "controller": "grand_nancy",
        "ref": "GN-01",
        "name": "Centre de services (ITSM) et gestion de parc",
        "status": "finished",
        # 002 annexe 1: S04 «Gestion de parcs», S06 «… ITSM»; annexe 4 «Régie (2 etp)».
        "description": (
            "Les données des adhérents figurant dans les tickets restent les leurs (art. 10)."
        ),
        "purposes": ["Traiter les incidents et demandes des utilisateurs ; gérer le parc"],
        "legal_basis": "public_task",
        "data_subject_categories": ["employees", "other"],
        "data_subject_details": "Agents de la Métropole et des adhérents",
        "data_categories": ["civil_status", "professional_life", "connection"],
        "retention": [
            _for("professional_life", 3, "year", "clôture du ticket", "destruction"),
            _for("civil_status", 3, "year", "clôture du ticket", "destruction"),
        ],
        "recipients": [
            _to("internal", "DSIT mutualisée"),
            _to("processor", "Prestataire en régie — configuration et livraison (non nommé)"),
        ],
        "collection_method": "web_form",
        "next_review": date(2027, 2, 28),
        "measures": ["grand_nancy:passwords", "grand_nancy:logging"],
    },
    {
        "controller": "grand_nancy",
        "ref": "GN-02",
        "name": "Journalisation, supervision de sécurité et gestion des incidents du SI commun",
        "status": "finished",
        # 002 art. 9 and annexe 5; art. 5 «enquêter … en cas d'incident de sécurité».
        "purposes": [
            "Tracer les opérations pour détecter et analyser les incidents de sécurité",
            "Conserver des preuves pour soutenir une action en justice (art. 9)",
        ],
        "legal_basis": "public_task",
        "legal_basis_detail": "Art. 32 RGPD ; art. 9 et annexe 5 de la convention 002",
        "data_subject_categories": ["employees", "users"],
        "data_subject_details": "Utilisateurs du SI commun (Métropole et adhérents)",
        "data_categories": ["connection", "civil_status"],
        "retention": [
            _for(
                "connection",
                1,
                "year",
                "enregistrement de l'événement",
                "destruction",
                "conservés plus longtemps « à des fins de preuve » pendant l'enquête sur un "
                "incident",
            ),
            _for("civil_status", 1, "year", "enregistrement de l'événement", "destruction"),
        ],
        "recipients": [
            _to("internal", "RSSI de la DSIT (rsi@grandnancy.eu)"),
            _to("external_org", "DPD des adhérents"),
            _to("public_authority", "Autorités judiciaires et services de police, sur réquisition"),
        ],
        "collection_method": "other",
        "next_review": date(2026, 10, 31),  # past: overdue review
        "measures": ["grand_nancy:logging", "grand_nancy:pssi"],
    },
    {
        "controller": "grand_nancy",
        "ref": "GN-03",
        "name": "Messagerie électronique et télétravail des agents métropolitains",
        "status": "finished",
        # 002 annexe 1: S08 messagerie, S09 télétravail.
        "purposes": ["Fournir la messagerie et l'accès distant aux agents de la Métropole"],
        "legal_basis": "public_task",
        "data_subject_categories": ["employees"],
        "data_categories": ["civil_status", "professional_life", "connection"],
        "retention": [
            _for("professional_life", 3, "month", "départ de l'agent", "destruction"),
            _for("connection", 1, "year", "enregistrement de l'événement", "destruction"),
        ],
        "recipients": [_to("internal", "DSIT mutualisée")],
        "collection_method": "internal_document",
        "next_review": date(2027, 4, 30),
        "measures": ["grand_nancy:passwords", "grand_nancy:crypto"],
    },
    {
        "controller": "grand_nancy",
        "ref": "GN-04",
        "name": "Dispositif d'alarme pour travailleur isolé (DATI) et flotte mobile (MDM)",
        "status": "finished",
        # 002 annexe 4: «MDM», «logiciel DATI» (isolated-worker alarm: inferred).
        "purposes": ["Protéger les agents travaillant seuls ; gérer la flotte mobile"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Obligation de sécurité de l'employeur (Code du travail "
        "L4121-1, applicable aux collectivités — à vérifier)",
        "data_subject_categories": ["employees"],
        "data_categories": ["civil_status", "location", "connection"],
        "data_category_details": "Position au seul moment d'une alarme ; pas de suivi continu",
        "retention": [_for("location", 1, "year", "déclenchement de l'alarme", "destruction")],
        "recipients": [_to("internal", "DSIT mutualisée ; encadrement des agents concernés")],
        "collection_method": "other",
        "next_review": date(2027, 6, 30),
    },
    # --- Commune d'Essey-lès-Nancy: DSIT = its own IT service (§7.6) ---------------------------
    {
        "controller": "essey",
        "ref": "ESS-01",
        "name": "Instruction des autorisations du droit des sols",
        "status": "finished",
        # 002 annexe 1: option «S11 Cartads» (Cart@DS software, inferred).
        "purposes": ["Instruire et délivrer les autorisations du droit des sols"],
        "legal_basis": "public_task",
        "legal_basis_detail": "Code de l'urbanisme, livre IV (à vérifier)",
        "data_subject_categories": ["citizens", "other"],
        "data_subject_details": "Demandeurs, propriétaires",
        "data_categories": ["civil_status", "economic_financial", "location"],
        "retention": [
            _keep("civil_status", "autorisations accordées : conservation définitive", "versement"),
            _for("location", 10, "year", "refus ou caducité de l'autorisation", "tri"),
        ],
        "recipients": [
            _to("internal", "Service urbanisme"),
            # Art. 10: the DSIT is the commune's own IT service, not a processor.
            _to("internal", "DSIT mutualisée (service commun, art. 10)", org="grand_nancy"),
            _to("public_authority", "Préfecture ; Architecte des Bâtiments de France"),
        ],
        "software": "Cartads (option S11)",
        "collection_method": "paper_form",
        "next_review": date(2027, 5, 31),
        "conventions": ["grand_nancy_essey"],
        "measures": GRAND_NANCY_SI,
    },
    {
        "controller": "essey",
        "ref": "ESS-02",
        "name": "Numérique éducatif — parc informatique des écoles",
        "status": "finished",
        # 002 annexe 1: option «S07 Numérique Éducatif - TICE».
        "purposes": ["Fournir et administrer les équipements et comptes numériques des écoles"],
        "legal_basis": "public_task",
        "legal_basis_detail": "Code de l'éducation, L212-4 (équipement des écoles) — à vérifier",
        "data_subject_categories": ["minors", "other"],
        "data_subject_details": "Élèves des écoles de la commune ; enseignants",
        "data_categories": ["civil_status", "connection"],
        "retention": [
            _for("civil_status", 1, "year", "fin de l'année scolaire", "destruction"),
            _for("connection", 1, "year", "fin de l'année scolaire", "destruction"),
        ],
        "recipients": [
            _to("internal", "DSIT mutualisée (service commun, art. 10)", org="grand_nancy"),
            _to("public_authority", "Éducation nationale (écoles, circonscription)"),
        ],
        "collection_method": "list_received",
        "dpia_criteria": ["vulnerable_people"],
        "next_review": date(2027, 8, 31),
        "conventions": ["grand_nancy_essey"],
        "measures": GRAND_NANCY_SI,
    },
    {
        "controller": "essey",
        "ref": "ESS-03",
        "name": "Messagerie et comptes des agents",
        "status": "finished",
        # 002 annexe 1: S08 messagerie, S02 applications collaboratives.
        "purposes": ["Fournir messagerie et comptes applicatifs aux agents communaux"],
        "legal_basis": "public_task",
        "data_subject_categories": ["employees"],
        "data_categories": ["civil_status", "professional_life", "connection"],
        "retention": [
            _for("professional_life", 3, "month", "départ de l'agent", "destruction"),
            _for("connection", 1, "year", "enregistrement de l'événement", "destruction"),
        ],
        "recipients": [
            _to("internal", "DSIT mutualisée (service commun, art. 10)", org="grand_nancy"),
        ],
        "collection_method": "internal_document",
        "next_review": date(2027, 5, 31),
        "conventions": ["grand_nancy_essey"],
        "measures": GRAND_NANCY_SI,
    },
    {
        "controller": "essey",
        "ref": "ESS-04",
        "name": "Archivage électronique des documents de la commune",
        "status": "finished",
        # 002 annexe 1, S03 «Archivage électronique» — «Dérogation nécessaire auprès des
        # archives départementales si carence de service d'Archives».
        "purposes": ["Conserver les documents de la commune sous forme électronique"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Code du patrimoine, livre II (archives publiques) — à vérifier",
        "data_subject_categories": ["citizens", "employees", "elected_officials"],
        "data_categories": ["civil_status", "personal_life", "professional_life"],
        "retention": [
            _keep(
                "civil_status",
                "durée d'utilité administrative de chaque document, puis "
                "sort final des tableaux de gestion",
                "versement",
            ),
            _keep("personal_life", "durée d'utilité administrative, puis sort final", "tri"),
            _keep("professional_life", "durée d'utilité administrative, puis sort final", "tri"),
        ],
        "recipients": [
            _to("internal", "DSIT mutualisée (service commun, art. 10)", org="grand_nancy"),
            _to(
                "public_authority",
                "Archives départementales de Meurthe-et-Moselle (dérogation, versement — déduit)",
            ),
        ],
        "collection_method": "internal_document",
        "next_review": date(2027, 9, 30),
        "conventions": ["grand_nancy_essey"],
        "measures": GRAND_NANCY_SI,
    },
    {
        "controller": "essey",
        "ref": "ESS-05",
        "name": "Colibris (option S10)",
        "status": "draft",
        # 002 annexe 1: «S10 Colibris» — «Option, convention spécifique»; not described.
        "purposes": ["À compléter : la nature du service « S10 Colibris » n'est pas décrite"],
        "conventions": ["grand_nancy_essey"],
    },
    # --- EPT Grand Paris Seine Ouest (§7.1) ---------------------------------------------------
    {
        "controller": "gpso",
        "ref": "GPSO-01",
        "name": "Base de données territoriale et SIG mutualisé",
        "status": "finished",
        # 000 art. 1.1-1.2 and annexe 3; «La base de données territoriale est hébergée sur le
        # serveur de l'EPT». GÉOFIT contracts 2020036-38 (annexe 4).
        "description": (
            "Hébergement ArcGIS Online à vérifier (transfert éventuel hors de l'Union)."
        ),
        "purposes": [
            "Gérer et partager les données géographiques de l'EPT et des villes membres",
        ],
        "legal_basis": "public_task",
        "data_subject_categories": ["citizens", "employees"],
        "data_subject_details": (
            "Propriétaires (cadastre), habitants des adresses géocodées, utilisateurs des villes"
        ),
        "data_categories": ["civil_status", "location", "connection"],
        "retention": [
            _keep(
                "location",
                "données de référence remplacées chaque année ; versions antérieures détruites",
                "destruction",
            ),
            _keep("civil_status", "millésime cadastral remplacé chaque année", "destruction"),
            _for(
                "connection",
                1,
                "year",
                "fin de la convention de mutualisation",
                "destruction",
                "comptes utilisateurs",
            ),
        ],
        "recipients": [
            _to("internal", "DIGIT"),
            _to("external_org", "Agents des villes mutualisées"),
            _to(
                "processor",
                "GÉOFIT (intégration SIG, collecte et diffusion — marchés 2020036 à 2020038)",
            ),
        ],
        "software": "ArcGIS Enterprise / PostgreSQL, Portal, arcOpole PRO Cadastre",
        "collection_method": "list_received",
        "next_review": date(2027, 1, 31),
        "conventions": ["gpso_boulogne"],
        "measures": ["gpso:web_access"],
    },
    {
        "controller": "gpso",
        "ref": "GPSO-02",
        "name": "Comptes et assistance des utilisateurs SIG et Open Data des villes",
        "status": "finished",
        # 000: requests to «digit@seineouest.fr», training sessions, documentation space.
        "purposes": ["Gérer les comptes, l'assistance et les formations des utilisateurs"],
        "legal_basis": "public_task",
        "data_subject_categories": ["employees"],
        "data_subject_details": "Agents de GPSO et des villes mutualisées",
        "data_categories": ["civil_status", "professional_life", "connection"],
        "retention": [
            _for(
                "professional_life",
                2,
                "year",
                "clôture de la demande",
                "destruction",
                "demandes d'assistance",
            ),
            _for(
                "civil_status",
                1,
                "year",
                "date de la session",
                "destruction",
                "listes de présence aux formations",
            ),
        ],
        "recipients": [_to("internal", "DIGIT (digit@seineouest.fr)")],
        "collection_method": "web_form",
        "next_review": date(2027, 1, 31),
        "conventions": ["gpso_boulogne"],
        "measures": ["gpso:web_access", "gpso:gdpr_awareness"],
    },
    {
        "controller": "gpso",
        "ref": "GPSO-03",
        "name": "Vues immersives du territoire",
        "status": "draft",
        # 000 1.4: «visite du territoire et la mesure des différents objets sans déplacement».
        # Provider unnamed; blurring of faces and plates to confirm.
        "purposes": ["Visiter le territoire et mesurer les objets sans déplacement"],
        "legal_basis": "public_task",
        "data_subject_categories": ["other"],
        "data_subject_details": "Passants et propriétaires de véhicules (incidemment)",
        "data_categories": ["civil_status", "location"],
        "retention": [
            _keep("civil_status", "jusqu'à la campagne de prises de vues suivante", "destruction"),
        ],
        "recipients": [_to("processor", "Prestataire de prises de vues (non nommé)")],
        "next_review": date(2027, 1, 31),
    },
    {
        "controller": "gpso",
        "ref": "GPSO-04",
        "name": "Gestion du personnel de la DIGIT",
        "status": "finished",
        # 000 5.1: «Rémunère les agents … formation … recrutements … congés … pouvoir
        # disciplinaire»; «congé de longue maladie», «congé maternité».
        "purposes": [
            "Recruter, rémunérer et former les agents de la DIGIT ; gérer congés et discipline",
        ],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Code général de la fonction publique (à vérifier)",
        "special_categories": ["nir", "health"],
        "art9_condition": _PAYROLL_ART9,
        "data_subject_categories": ["employees", "candidates"],
        "data_categories": _STAFF_DATA,
        "retention": _PAYROLL_RETENTION,
        "recipients": [
            _to("internal", "Direction des ressources humaines de GPSO"),
            _to("public_authority", "Comptable public (DGFiP)"),
            _to("external_org", "URSSAF et caisses de retraite"),
        ],
        "collection_method": "paper_form",
        "next_review": date(2027, 3, 31),
    },
    {
        "controller": "gpso",
        "ref": "GPSO-05",
        "name": "Plateforme Open Data GPSO",
        "status": "finished",
        # 000: group purchase, town sub-domains.
        "description": "Les jeux de données publiés ne doivent pas contenir de données "
        "personnelles ; seuls les comptes des contributeurs en contiennent.",
        "purposes": ["Publier les données publiques de GPSO et des villes membres"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "CRPA, ouverture des données publiques (à vérifier)",
        "data_subject_categories": ["employees"],
        "data_subject_details": "Agents contributeurs",
        "data_categories": ["civil_status", "connection"],
        "retention": [
            _keep("civil_status", "comptes : durée des fonctions du contributeur", "destruction"),
            _keep("connection", "comptes : durée des fonctions du contributeur", "destruction"),
        ],
        "recipients": [_to("internal", "DIGIT"), _to("external_org", "Villes membres")],
        "collection_method": "web_form",
        "next_review": date(2027, 6, 30),
    },
    # --- Ville de Boulogne-Billancourt (§7.2) -------------------------------------------------
    {
        "controller": "boulogne",
        "ref": "BB-01",
        "name": "Adressage et dénomination des voies",
        "status": "finished",
        # 000 4.2: the Ville sends «tous les arrêtés de voirie» to the DIGIT.
        "purposes": [
            "Créer et dénommer les voies, attribuer la numérotation, fixer les sens de circulation",
        ],
        "legal_basis": "public_task",
        "legal_basis_detail": "CGCT, pouvoirs de police du maire et dénomination des voies "
        "(à vérifier)",
        "data_subject_categories": ["citizens"],
        "data_subject_details": "Propriétaires et occupants des immeubles numérotés",
        "data_categories": ["civil_status", "location"],
        "retention": [
            _keep("location", "arrêtés : conservation définitive", "versement"),
            _for(
                "civil_status",
                5,
                "year",
                "signature de l'arrêté",
                "destruction",
                "dossiers de travail",
            ),
        ],
        "recipients": [
            _to("external_org", "GPSO — DIGIT (SIG)", org="gpso"),
            _to("external_org", "La Poste"),
            _to("public_authority", "DGFiP (cadastre)"),
            _to("public_authority", "Services de secours"),
        ],
        "collection_method": "internal_document",
        "next_review": date(2027, 2, 28),
        "conventions": ["gpso_boulogne"],
    },
    {
        "controller": "boulogne",
        "ref": "BB-02",
        "name": "Délibérations et actes du conseil municipal",
        "status": "finished",
        # 000: «N° 092-219200128-20231207-137171-DE-1-1», «Transmis en préfecture».
        "purposes": ["Préparer, adopter, transmettre et publier les délibérations"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "CGCT L2121-7 et suivants (à vérifier)",
        "data_subject_categories": ["elected_officials", "employees"],
        "data_subject_details": "Élus, rapporteurs, agents nommés",
        "data_categories": ["civil_status", "professional_life"],
        "retention": [
            _keep(
                "professional_life",
                "registre des délibérations : conservation définitive",
                "versement",
            ),
            _keep(
                "civil_status", "registre des délibérations : conservation définitive", "versement"
            ),
        ],
        "recipients": [
            _to("public_authority", "Préfecture des Hauts-de-Seine (contrôle de légalité)"),
            _to("external_org", "Public (publication)"),
        ],
        "collection_method": "internal_document",
        "next_review": date(2027, 12, 31),
    },
    {
        "controller": "boulogne",
        "ref": "BB-03",
        "name": "Cartographies métier et tableaux de bord sur le web SIG",
        "status": "finished",
        # 000: «outils de collecte terrain», Ville data hosted on GPSO's servers.
        "description": (
            "Données de la Ville hébergées sur les serveurs de GPSO sans clauses de l'art. 28 "
            "(voir la convention) : à régulariser (déduit)."
        ),
        "purposes": ["Produire les cartes et tableaux de bord des services de la Ville"],
        "legal_basis": "public_task",
        "data_subject_categories": ["citizens", "employees"],
        "data_subject_details": "Usagers signalés lors des relevés de terrain ; agents enquêteurs",
        "data_categories": ["civil_status", "location", "connection"],
        "retention": [
            _for("location", 5, "year", "collecte", "tri", "par défaut, selon la finalité"),
            _for("civil_status", 5, "year", "collecte", "tri"),
            _for("connection", 1, "year", "enregistrement de l'événement", "destruction"),
        ],
        "recipients": [
            _to("internal", "Services de la Ville"),
            _to("external_org", "GPSO — DIGIT (hébergement)", org="gpso"),
        ],
        "collection_method": "other",
        "next_review": date(2026, 1, 31),  # past: overdue review
        "conventions": ["gpso_boulogne"],
        "measures": ["gpso:web_access"],
    },
    {
        "controller": "boulogne",
        "ref": "BB-04",
        "name": "Gestion des postes, comptes et licences SIG des agents",
        "status": "finished",
        # 000 4.1: «Le matériel de la Ville est pris en charge par la DSI de la Ville».
        "purposes": ["Gérer les postes, comptes et licences SIG des agents utilisateurs"],
        "legal_basis": "public_task",
        "data_subject_categories": ["employees"],
        "data_categories": ["civil_status", "professional_life", "connection"],
        "retention": [
            _for("connection", 1, "year", "enregistrement de l'événement", "destruction"),
            _keep("civil_status", "comptes : jusqu'au départ de l'agent", "destruction"),
        ],
        "recipients": [_to("internal", "DSI de la Ville")],
        "collection_method": "internal_document",
        "next_review": date(2027, 4, 30),
    },
    {
        "controller": "boulogne",
        "ref": "BB-05",
        "name": "Publication Open Data de la Ville",
        "status": "draft",
        "purposes": ["Publier les données publiques de la Ville sur son sous-domaine"],
        "legal_basis": "legal_obligation",
        "data_subject_categories": ["employees"],
        "data_subject_details": "Contact Open Data de la Ville",
        "data_categories": ["civil_status"],
    },
    # --- Montpellier Méditerranée Métropole (§7.7) --------------------------------------------
    {
        "controller": "montpellier",
        "ref": "3M-01",
        "name": "Compte usager et fédération d'identité des téléservices",
        "status": "finished",
        # 004 art. 1: «identité numérique métropolitaine et communale … la fédération
        # d'identité»; catalogue «https://catalogue.publik.love».
        "description": (
            "Responsabilité conjointe possible avec les 31 communes et les CCAS partenaires "
            "(art. 26) : à qualifier."
        ),
        "purposes": [
            "Offrir à chaque usager un compte unique pour les téléservices des communes, "
            "de la Métropole et des CCAS partenaires",
        ],
        "legal_basis": "public_task",
        "data_subject_categories": ["citizens", "beneficiaries"],
        "data_categories": ["civil_status", "connection", "internet"],
        "retention": [
            _for(
                "civil_status",
                3,
                "year",
                "dernière connexion",
                "destruction",
                "compte supprimé après trois ans d'inactivité",
            ),
            _for("connection", 1, "year", "enregistrement de l'événement", "destruction"),
            _for("internet", 13, "month", "dépôt du traceur", "destruction"),
        ],
        "recipients": [
            _to("internal", "Direction du numérique de la Métropole"),
            _to("external_org", "Communes et CCAS destinataires des demandes"),
        ],
        "software": "Publik (déduit du catalogue catalogue.publik.love)",
        "collection_method": "web_form",
        "next_review": date(2027, 3, 31),
        "measures": ["montpellier:portal_identity", "montpellier:hosting_backup"],
    },
    {
        "controller": "montpellier",
        "ref": "3M-02",
        "name": "Profil acheteur — dématérialisation des marchés publics",
        "status": "finished",
        # 004 art. 1-2: portal of «30 municipalités, la Métropole et plusieurs CCAS»; «2
        # serveurs dédiés», «l'archivage des offres et des dossiers».
        "purposes": ["Publier les consultations et recevoir les offres des entreprises"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Code de la commande publique (la convention de 2019 cite encore "
        "le « Code des Marchés Publics »)",
        "data_subject_categories": ["suppliers"],
        "data_subject_details": "Contacts et signataires des entreprises candidates",
        "data_categories": [
            "civil_status",
            "professional_life",
            "economic_financial",
            "connection",
        ],
        "retention": [
            _for(
                "economic_financial",
                5,
                "year",
                "fin de la procédure",
                "destruction",
                "offres non retenues",
            ),
            _for(
                "professional_life",
                10,
                "year",
                "fin d'exécution du marché",
                "tri",
                "marchés attribués",
            ),
        ],
        "recipients": [
            _to("external_org", "Acheteurs des communes, de la Métropole et des CCAS partenaires"),
        ],
        "collection_method": "web_form",
        "next_review": date(2027, 3, 31),
        "measures": ["montpellier:dedicated_servers", "montpellier:hosting_backup"],
    },
    {
        "controller": "montpellier",
        "ref": "3M-03",
        "name": "Parapheur, contrôle de légalité et flux comptables",
        "status": "finished",
        # 004 art. 1: signature and transmission of acts and of accounting pieces («paye»).
        "purposes": [
            "Signer et transmettre les actes au contrôle de légalité",
            "Signer et transmettre les pièces comptables au comptable public",
        ],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "CGCT L2131-1 et L1617-6 (à vérifier)",
        "special_categories": ["nir"],
        "data_subject_categories": ["elected_officials", "employees", "suppliers"],
        "data_categories": ["civil_status", "professional_life", "economic_financial"],
        "data_category_details": "Les pièces de paye peuvent porter le NIR",
        "retention": [
            _keep("professional_life", "actes : conservation définitive", "versement"),
            _for("economic_financial", 10, "year", "clôture de l'exercice", "destruction"),
        ],
        "recipients": [
            _to("public_authority", "Préfecture de l'Hérault (contrôle de légalité)"),
            _to("public_authority", "Comptable public (DGFiP)"),
        ],
        "collection_method": "internal_document",
        "next_review": date(2027, 6, 30),
        "measures": ["montpellier:hosting_backup"],
    },
    {
        "controller": "montpellier",
        "ref": "3M-04",
        "name": "Convocations et documents des élus",
        "status": "finished",
        # 004 art. 1: «la dématérialisation de l'envoi des convocations et la mise à
        # disposition des documents aux élus».
        "purposes": ["Envoyer les convocations et mettre les documents à disposition des élus"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "CGCT L2121-10 (à vérifier)",
        "data_subject_categories": ["elected_officials"],
        "data_categories": ["civil_status", "professional_life", "connection"],
        "retention": [
            _for(
                "civil_status",
                1,
                "year",
                "fin du mandat",
                "destruction",
                "les procès-verbaux eux-mêmes sont conservés",
            ),
            _for("connection", 1, "year", "fin du mandat", "destruction"),
        ],
        "recipients": [_to("internal", "Services des assemblées")],
        "collection_method": "internal_document",
        "next_review": date(2027, 6, 30),
        "measures": ["montpellier:portal_identity"],
    },
    # --- CCAS de Baillargues: platforms hosted by the Métropole (§7.8) ------------------------
    {
        "controller": "ccas_baillargues",
        "ref": "CCAS-01",
        "name": "Actes et délibérations du conseil d'administration",
        "status": "finished",
        # 004: «délibération n°DLP2019-28 … 05 juillet 2019», parapheur + contrôle de légalité.
        "purposes": ["Adopter, signer, transmettre et conserver les actes du CCAS"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Code de l'action sociale et des familles et CGCT (à vérifier)",
        "data_subject_categories": ["elected_officials", "employees"],
        "data_subject_details": "Membres du conseil d'administration, agents",
        "data_categories": ["civil_status", "professional_life"],
        "retention": [
            _keep(
                "professional_life",
                "registre des délibérations : conservation définitive",
                "versement",
            ),
        ],
        "recipients": [
            _to("public_authority", "Préfecture de l'Hérault (contrôle de légalité)"),
            _to(
                "processor",
                "Montpellier Méditerranée Métropole (plateforme d'e-administration — déduit)",
                org="montpellier",
            ),
        ],
        "collection_method": "internal_document",
        "next_review": date(2027, 3, 31),
        "conventions": ["montpellier_ccas"],
        "measures": [*MONTPELLIER_PLATFORMS, "ccas_baillargues:signature_certificates"],
    },
    {
        "controller": "ccas_baillargues",
        "ref": "CCAS-02",
        "name": "Exécution budgétaire et transmission des pièces au comptable public",
        "status": "finished",
        # 004 art. 1: «pièces comptables (bordereaux, titres, mandats ...)» and «paye».
        "purposes": ["Mandater les dépenses, émettre les titres, transmettre les pièces"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Règles de la comptabilité publique (à vérifier)",
        "special_categories": ["nir"],
        "data_subject_categories": ["suppliers", "beneficiaries", "employees"],
        "data_categories": ["civil_status", "economic_financial"],
        "data_category_details": "Les pièces de paye portent le NIR",
        "retention": [
            _for("economic_financial", 10, "year", "clôture de l'exercice", "destruction"),
            _for("civil_status", 10, "year", "clôture de l'exercice", "destruction"),
        ],
        "recipients": [
            _to("public_authority", "Comptable public (DGFiP)"),
            _to(
                "processor",
                "Montpellier Méditerranée Métropole (plateforme d'e-administration — déduit)",
                org="montpellier",
            ),
        ],
        "collection_method": "internal_document",
        "next_review": date(2027, 3, 31),
        "conventions": ["montpellier_ccas"],
        "measures": [*MONTPELLIER_PLATFORMS, "ccas_baillargues:signature_certificates"],
    },
    {
        "controller": "ccas_baillargues",
        "ref": "CCAS-03",
        "name": "Marchés publics du CCAS",
        "status": "finished",
        "purposes": ["Passer les marchés du CCAS sur le portail de dématérialisation"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Code de la commande publique",
        "data_subject_categories": ["suppliers"],
        "data_categories": ["civil_status", "professional_life", "economic_financial"],
        "retention": [
            _for(
                "economic_financial",
                5,
                "year",
                "fin de la procédure",
                "destruction",
                "offres non retenues",
            ),
            _for(
                "professional_life",
                10,
                "year",
                "fin d'exécution du marché",
                "tri",
                "marchés attribués",
            ),
        ],
        "recipients": [
            _to(
                "processor",
                "Montpellier Méditerranée Métropole (portail des marchés — déduit)",
                org="montpellier",
            ),
        ],
        "collection_method": "web_form",
        "next_review": date(2027, 3, 31),
        "conventions": ["montpellier_ccas"],
        "measures": ["montpellier:dedicated_servers", "montpellier:hosting_backup"],
    },
    {
        "controller": "ccas_baillargues",
        "ref": "CCAS-04",
        "name": "Demandes en ligne des usagers",
        "status": "finished",
        # 004 art. 1: «formulaire de contact générique», «demande de rendez-vous»; price
        # «Services en ligne aux usagers : X» left blank.
        "description": (
            "Les champs libres peuvent révéler la santé ou la situation sociale (risque art. 9)."
        ),
        "purposes": ["Recevoir et traiter les demandes et prises de rendez-vous en ligne"],
        "legal_basis": "public_task",
        "data_subject_categories": ["citizens", "beneficiaries"],
        "data_categories": ["civil_status", "personal_life", "connection"],
        "retention": [
            _for("personal_life", 1, "year", "clôture de la demande", "destruction"),
            _for("civil_status", 1, "year", "clôture de la demande", "destruction"),
        ],
        "recipients": [
            _to("internal", "Agents du CCAS"),
            _to(
                "processor",
                "Montpellier Méditerranée Métropole (téléservices — déduit)",
                org="montpellier",
            ),
        ],
        "collection_method": "web_form",
        "next_review": date(2027, 5, 31),
        "conventions": ["montpellier_ccas"],
        "measures": MONTPELLIER_PLATFORMS,
    },
    {
        "controller": "ccas_baillargues",
        "ref": "CCAS-05",
        "name": "Aides sociales facultatives et accompagnement social",
        "status": "finished",
        # Core CCAS task, not covered by the 004 convention (no processor).
        "purposes": [
            "Instruire et attribuer les aides sociales facultatives",
            "Accompagner les personnes en difficulté",
        ],
        "legal_basis": "public_task",
        "legal_basis_detail": "Code de l'action sociale et des familles, L123-5 (à vérifier)",
        "special_categories": ["health", "nir"],
        "art9_condition": (
            "Art. 9.2.b RGPD (protection sociale) et 9.2.h (gestion des services sociaux)"
        ),
        "data_subject_categories": ["beneficiaries", "vulnerable"],
        "data_subject_details": "Demandeurs et membres de leur foyer",
        "data_categories": ["civil_status", "personal_life", "economic_financial"],
        "retention": [
            _for(
                "personal_life",
                5,
                "year",
                "dernière aide accordée",
                "tri",
                "échantillon conservé, le reste détruit",
            ),
            _for("economic_financial", 5, "year", "dernière aide accordée", "tri"),
            _for("civil_status", 5, "year", "dernière aide accordée", "tri"),
        ],
        "recipients": [
            _to("internal", "Commission d'attribution du conseil d'administration"),
            _to("public_authority", "Comptable public (DGFiP)"),
        ],
        "collection_method": "interview",
        "dpia_criteria": ["vulnerable_people", "sensitive_data"],
        "next_review": date(2025, 12, 31),  # past: overdue review
    },
]

# ---------------------------------------------------------------------------------------------
# Sub-processor engagements of a processor (art. 28(2), 28(4)).
# ---------------------------------------------------------------------------------------------

ENGAGEMENTS: list[dict[str, Any]] = [
    # 003 art. 1: «L'EPT est également secondé par … le SIIM94 … infogérance des réseaux,
    # télécoms, serveurs et bases de données … services d'assistance poste de travail et de
    # centrale d'achat. L'ex-CAVB étant historiquement adhérente au SIIM94, l'EPT a prolongé
    # cette adhésion.» Authorisation: annexe 1 §II.6 «autorisation générale». Location France
    # (inferred); contract dates, DPO and SIREN absent.
    {
        "processor": "gosb",
        "subprocessor": "siim94",
        "name": "SIIM94",
        "services": (
            "réseaux, télécommunications, serveurs et bases de données, assistance aux "
            "postes de travail"
        ),
        "data_locations": ["FR"],
        "authorisation": "general",
        "contract_ref": "Adhésion de l'EPT au SIIM94, héritée de l'ex-CAVB (dates non connues)",
        "clauses_verified": False,
        "next_review": date(2026, 12, 31),
        "conventions": ["gosb_juvisy"],
        "activities": ["JUV-01", "JUV-02", "JUV-03", "JUV-04", "JUV-05"],
    },
    # 003 art. 1: «un certain nombre de partenaires du secteur privé qui interviennent en régie»
    # — unnamed, which is itself the gap (art. 28(2) information). Location (inferred).
    {
        "processor": "gosb",
        "name": "Partenaires du secteur privé intervenant en régie (non nommés)",
        "services": "Interventions en régie sur les installations informatiques",
        "data_locations": ["FR"],
        "authorisation": "general",
        "clauses_verified": False,
        "conventions": ["gosb_juvisy"],
    },
]


# ---------------------------------------------------------------------------------------------
# Loader
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    """What the demo holds: counts, and the ids of the bodies and conventions by short key."""

    created: bool  # False: the demo was already there, nothing was written
    organisations: int
    dpos: int
    contacts: int
    conventions: int
    measures: int
    activities: int
    engagements: int
    bodies: dict[str, UUID] = field(default_factory=dict)
    convention_ids: dict[str, UUID] = field(default_factory=dict)

    def __str__(self) -> str:
        state = "créée" if self.created else "déjà présente"
        return (
            f"démonstration {state} : {self.organisations} organismes, {self.dpos} DPO, "
            f"{self.contacts} contacts, {self.conventions} conventions, {self.measures} "
            f"mesures, {self.activities} traitements, {self.engagements} sous-traitants "
            "ultérieurs"
        )


async def load_demo(*, scope: Scope = Scope.everything()) -> DemoSummary:
    """Load the seed conventions' register once; later calls only report what is there."""
    if not scope.is_unrestricted:
        raise ValidationFailed.one(
            "scope", msg="le chargement de la démonstration est réservé à un administrateur"
        )
    if await _already_loaded():
        return await _summary(created=False)
    try:
        async with in_transaction():  # all or nothing
            await _create_everything(scope)
    except Conflict:
        # Another loader won the race (GOSB's SIREN is unique): report its work.
        if not await _already_loaded():
            raise
        return await _summary(created=False)
    return await _summary(created=True)


async def _already_loaded() -> bool:
    return await Organisation.exists(legal_name=GOSB_LEGAL_NAME)


async def _create_everything(scope: Scope) -> None:
    dpos = {
        key: (await create_dpo(scope=scope, data=DpoIn.model_validate(spec))).id
        for key, spec in DPOS.items()
    }
    orgs: dict[str, UUID] = {}
    for key, spec in ORGANISATIONS.items():
        values = {k: v for k, v in spec.items() if k != "dpo"}
        if "dpo" in spec:
            values["dpo_id"] = dpos[spec["dpo"]]
        org = await create_organisation(scope=scope, data=OrganisationIn.model_validate(values))
        orgs[key] = org.id

    for spec in CONTACTS:
        values = {k: v for k, v in spec.items() if k != "org"}
        values["organisation_id"] = orgs[spec["org"]]
        await create_contact(scope=scope, data=ContactIn.model_validate(values))

    conventions: dict[str, UUID] = {}
    for key, spec in CONVENTIONS.items():
        values = {k: v for k, v in spec.items() if k != "parties"}
        values["parties"] = [
            PartyIn(organisation_id=orgs[org], role=role) for org, role in spec["parties"]
        ]
        convention = await create_convention(scope=scope, data=ConventionIn.model_validate(values))
        conventions[key] = convention.id

    measures: dict[str, UUID] = {}
    for org_key, specs in MEASURES.items():
        for spec in specs:
            values = {k: v for k, v in spec.items() if k != "key"}
            values["organisation_id"] = orgs[org_key]
            measure = await create_measure(scope=scope, data=MeasureIn.model_validate(values))
            measures[f"{org_key}:{spec['key']}"] = measure.id

    activities: dict[str, UUID] = {}
    for spec in ACTIVITIES:
        values = {
            k: v
            for k, v in spec.items()
            if k not in ("controller", "conventions", "measures", "recipients")
        }
        values["controller_id"] = orgs[spec["controller"]]
        values["convention_ids"] = [conventions[c] for c in spec.get("conventions", [])]
        values["security_measure_ids"] = [measures[m] for m in spec.get("measures", [])]
        values["recipients"] = [
            {k: v for k, v in r.items() if k != "org"}
            | ({"organisation_id": orgs[r["org"]]} if "org" in r else {})
            for r in spec.get("recipients", [])
        ]
        activity = await create_activity(scope=scope, data=ActivityIn.model_validate(values))
        activities[spec["ref"]] = activity.id

    for spec in ENGAGEMENTS:
        values = {
            k: v
            for k, v in spec.items()
            if k not in ("processor", "subprocessor", "conventions", "activities")
        }
        values["processor_id"] = orgs[spec["processor"]]
        if "subprocessor" in spec:
            values["subprocessor_org_id"] = orgs[spec["subprocessor"]]
        values["convention_ids"] = [conventions[c] for c in spec.get("conventions", [])]
        values["activity_ids"] = [activities[a] for a in spec.get("activities", [])]
        # Engagements of the past, already known to the controllers: no art. 28(2) notice.
        await create_engagement(scope=scope, data=EngagementIn.model_validate(values), notify=False)


async def _summary(*, created: bool) -> DemoSummary:
    """Counts and ids read back from the database, so a second call reports the same."""
    bodies: dict[str, UUID] = {}
    dpo_ids: set[UUID] = set()
    for key, spec in ORGANISATIONS.items():
        org = (
            await Organisation.filter(legal_name=spec["legal_name"]).order_by("created_at").first()
        )
        if org is not None:
            bodies[key] = org.id
            if org.dpo_id:
                dpo_ids.add(org.dpo_id)
    org_ids = list(bodies.values())

    convention_ids: dict[str, UUID] = {}
    for key, spec in CONVENTIONS.items():
        first_party = spec["parties"][0][0]
        if first_party not in bodies:
            continue
        party_of = await ConventionParty.filter(organisation_id=bodies[first_party]).values_list(
            "convention_id", flat=True
        )
        convention = (
            await Convention.filter(title=spec["title"], id__in=list(party_of))
            .order_by("created_at")
            .first()
        )
        if convention is not None:
            convention_ids[key] = convention.id

    return DemoSummary(
        created=created,
        organisations=len(bodies),
        dpos=len(dpo_ids),
        contacts=await Contact.filter(organisation_id__in=org_ids).count(),
        conventions=len(convention_ids),
        measures=await SecurityMeasure.filter(organisation_id__in=org_ids).count(),
        activities=await ProcessingActivity.filter(controller_id__in=org_ids).count(),
        engagements=await SubprocessorEngagement.filter(processor_id__in=org_ids).count(),
        bodies=bodies,
        convention_ids=convention_ids,
    )
