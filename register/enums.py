"""The closed lists of the register, with the French label a person reads.

Sources: docs/regulatory.md §1.4 (CNIL register template), §1.5 (MADIS), §1.6 (art. 32 and the
CNIL 2024 security guide), §2 (art. 28 clauses), §8 (data-model checklist).
"""

from enum import StrEnum

_LABELS: dict[type[StrEnum], dict[str, str]] = {}


def labelled(labels: dict[str, str]):
    def register(cls: type[StrEnum]) -> type[StrEnum]:
        missing = {m.value for m in cls} - labels.keys()
        if missing:
            raise RuntimeError(f"{cls.__name__}: no label for {sorted(missing)}")
        _LABELS[cls] = labels
        return cls

    return register


def label(member: StrEnum) -> str:
    return _LABELS[type(member)][member.value]


def catalogue() -> dict[str, list[dict[str, str]]]:
    """Every list with its labels, for forms and for API clients."""
    return {
        cls.__name__: [{"value": m.value, "label": _LABELS[cls][m.value]} for m in cls]
        for cls in _LABELS
    }


@labelled(
    {
        "commune": "Commune",
        "epci_fp": "EPCI à fiscalité propre (communauté, métropole)",
        "ept": "Établissement public territorial",
        "syndicat": "Syndicat",
        "departement": "Département",
        "region": "Région",
        "ccas_cias": "CCAS / CIAS",
        "epl": "Établissement public local",
        "cdg": "Centre de gestion",
        "spl": "SPL",
        "etat": "Service de l'État",
        "other": "Autre",
    }
)
class OrganisationKind(StrEnum):
    COMMUNE = "commune"
    EPCI_FP = "epci_fp"
    EPT = "ept"
    SYNDICAT = "syndicat"
    DEPARTEMENT = "departement"
    REGION = "region"
    CCAS_CIAS = "ccas_cias"
    EPL = "epl"
    CDG = "cdg"
    SPL = "spl"
    ETAT = "etat"
    OTHER = "other"


@labelled(
    {
        "essential": "Entité essentielle",
        "important": "Entité importante",
        "none": "Hors champ",
        "unknown": "Inconnu",
    }
)
class Nis2Status(StrEnum):
    ESSENTIAL = "essential"
    IMPORTANT = "important"
    NONE = "none"
    UNKNOWN = "unknown"


@labelled({"internal": "Interne", "external": "Externe", "mutualised": "Mutualisé"})
class DpoMode(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"
    MUTUALISED = "mutualised"


@labelled(
    {
        "dpo": "Délégué à la protection des données",
        "rssi": "RSSI",
        "legal_representative": "Représentant légal",
        "convention_referent": "Référent de la convention",
    }
)
class ContactRole(StrEnum):
    DPO = "dpo"
    RSSI = "rssi"
    LEGAL_REPRESENTATIVE = "legal_representative"
    CONVENTION_REFERENT = "convention_referent"


@labelled(
    {
        "service_commun": "Service commun (CGCT L5211-4-2)",
        "mise_a_disposition": "Mise à disposition de services",
        "prestation_de_services": "Prestation de services",
        "mutualisation_dpd": "Mutualisation du DPD",
        "art28_contract": "Contrat de sous-traitance (art. 28)",
        "art26_arrangement": "Accord de responsabilité conjointe (art. 26)",
        "adhesion": "Adhésion (syndicat, CDG)",
        "marche_public": "Marché public",
        "other": "Autre",
    }
)
class ConventionKind(StrEnum):
    SERVICE_COMMUN = "service_commun"
    MISE_A_DISPOSITION = "mise_a_disposition"
    PRESTATION_DE_SERVICES = "prestation_de_services"
    MUTUALISATION_DPD = "mutualisation_dpd"
    ART28_CONTRACT = "art28_contract"
    ART26_ARRANGEMENT = "art26_arrangement"
    ADHESION = "adhesion"
    MARCHE_PUBLIC = "marche_public"
    OTHER = "other"


@labelled(
    {
        "proposed": "Proposée, en attente d'acceptation",
        "in_force": "En vigueur (acceptée par chaque partie)",
        "refused": "Refusée",
        "withdrawn": "Retirée par son auteur",
    }
)
class ConventionStatus(StrEnum):
    """Whether a convention binds its parties: only once every party agreed (in force)."""

    PROPOSED = "proposed"
    IN_FORCE = "in_force"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


@labelled(
    {
        "in_force": "En vigueur",
        "in_notice": "En préavis",
        "ended": "Échue",
        "terminated_early": "Résiliée avant son terme",
        "renewed": "Reconduite",
    }
)
class ConventionState(StrEnum):
    """Where a convention is in its life, from its dates and events (register.conventions.life)."""

    IN_FORCE = "in_force"
    IN_NOTICE = "in_notice"
    ENDED = "ended"
    TERMINATED_EARLY = "terminated_early"
    RENEWED = "renewed"


@labelled({"creation": "Nouvelle convention", "change": "Modification d'une convention"})
class ProposalKind(StrEnum):
    CREATION = "creation"
    CHANGE = "change"


@labelled(
    {
        "pending": "En attente des réponses",
        "accepted": "Acceptée par chaque partie",
        "refused": "Refusée",
        "withdrawn": "Retirée par son auteur",
        "superseded": "Caduque (la convention a changé depuis)",
    }
)
class ProposalStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


@labelled({"pending": "En attente", "accepted": "Acceptée", "refused": "Refusée"})
class PartyAnswer(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


@labelled(
    {
        "contract": "Contrat",
        "other_legal_act": "Autre acte juridique (convention)",
        "deliberation": "Délibération",
    }
)
class LegalInstrument(StrEnum):
    CONTRACT = "contract"
    OTHER_LEGAL_ACT = "other_legal_act"
    DELIBERATION = "deliberation"


@labelled(
    {
        "controller": "Responsable de traitement",
        "joint_controller": "Responsable conjoint",
        "processor": "Sous-traitant",
        "sub_processor": "Sous-traitant ultérieur",
        "service_commun_host": "Porteur du service commun",
        "service_commun_member": "Adhérent du service commun",
        "independent_controller": "Responsable de traitement distinct",
    }
)
class PartyRole(StrEnum):
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"
    SUB_PROCESSOR = "sub_processor"
    SERVICE_COMMUN_HOST = "service_commun_host"
    SERVICE_COMMUN_MEMBER = "service_commun_member"
    INDEPENDENT_CONTROLLER = "independent_controller"


@labelled(
    {
        "lead_notifies": "Le chef de file notifie la CNIL pour tous les responsables conjoints",
        "each_notifies": "Chaque responsable conjoint notifie la CNIL pour son compte",
    }
)
class JointBreachDuty(StrEnum):
    """What an art. 26 arrangement says of breaches: who notifies the CNIL."""

    LEAD_NOTIFIES = "lead_notifies"
    EACH_NOTIFIES = "each_notifies"


CONTROLLER_ROLES = frozenset(
    {
        PartyRole.CONTROLLER,
        PartyRole.JOINT_CONTROLLER,
        PartyRole.SERVICE_COMMUN_MEMBER,
        PartyRole.INDEPENDENT_CONTROLLER,
    }
)
PROCESSOR_ROLES = frozenset({PartyRole.PROCESSOR, PartyRole.SUB_PROCESSOR})


@labelled(
    {
        "general": "Autorisation générale",
        "specific": "Autorisation spécifique",
        "none": "Sous-traitance ultérieure interdite",
        "unknown": "Régime non précisé par la convention",
    }
)
class SubprocessorAuthorisation(StrEnum):
    GENERAL = "general"
    SPECIFIC = "specific"
    NONE = "none"  # forbidden by the convention
    # The convention's text is silent or missing (Montpellier–CCAS: annex 4 absent): each
    # sub-processor then needs every controller's specific written authorisation (art. 28(2)).
    UNKNOWN = "unknown"


@labelled(
    {"email": "Courriel", "phone": "Téléphone", "letter": "Courrier", "teleservice": "Téléservice"}
)
class NoticeChannel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    TELESERVICE = "teleservice"


@labelled(
    {
        "return": "Restitution",
        "delete": "Destruction",
        "return_then_delete": "Restitution puis destruction",
        "keep_for_archives": "Conservation ou tri pour les archives",
    }
)
class EndOfService(StrEnum):
    RETURN = "return"
    DELETE = "delete"
    RETURN_THEN_DELETE = "return_then_delete"
    # Seed 001 annex §IV: « renvoyées, conservées, triées ou détruites au choix des partis »;
    # public archives are kept or sorted under the Code du patrimoine (art. L212-2 and after).
    KEEP_FOR_ARCHIVES = "keep_for_archives"


@labelled(
    {
        "returned": "Restitution des données",
        "destroyed": "Destruction des données et de leurs copies",
        "proof_received": "Preuve écrite de la destruction reçue",
        "archived": "Conservation ou tri pour les archives",
    }
)
class EndOfServiceStep(StrEnum):
    """What happened to a controller's data at the end of the service (art. 28(3)(g))."""

    RETURNED = "returned"
    DESTROYED = "destroyed"
    PROOF_RECEIVED = "proof_received"
    ARCHIVED = "archived"


@labelled({"draft": "Brouillon", "finished": "Terminée", "checked": "Vérifiée"})
class ActivityStatus(StrEnum):
    DRAFT = "draft"
    FINISHED = "finished"
    CHECKED = "checked"


@labelled(
    {
        "consent": "Consentement (art. 6.1.a)",
        "contract": "Contrat (art. 6.1.b)",
        "legal_obligation": "Obligation légale (art. 6.1.c)",
        "vital_interest": "Sauvegarde des intérêts vitaux (art. 6.1.d)",
        "public_task": "Mission d'intérêt public (art. 6.1.e)",
        "legitimate_interest": "Intérêt légitime (art. 6.1.f)",
        "to_be_determined": "À déterminer",
    }
)
class LegalBasis(StrEnum):
    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTEREST = "vital_interest"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTEREST = "legitimate_interest"
    TO_BE_DETERMINED = "to_be_determined"


@labelled(
    {
        "civil_status": "État civil, identité, données d'identification, images",
        "personal_life": "Vie personnelle",
        "professional_life": "Vie professionnelle",
        "economic_financial": "Informations d'ordre économique et financier",
        "connection": "Données de connexion",
        "location": "Données de localisation",
        "internet": "Internet (cookies, traceurs, navigation)",
        "other": "Autres",
    }
)
class DataCategory(StrEnum):
    CIVIL_STATUS = "civil_status"
    PERSONAL_LIFE = "personal_life"
    PROFESSIONAL_LIFE = "professional_life"
    ECONOMIC_FINANCIAL = "economic_financial"
    CONNECTION = "connection"
    LOCATION = "location"
    INTERNET = "internet"
    OTHER = "other"


@labelled(
    {
        "racial_ethnic_origin": "Origine raciale ou ethnique",
        "political_opinions": "Opinions politiques",
        "religious_beliefs": "Convictions religieuses ou philosophiques",
        "trade_union": "Appartenance syndicale",
        "genetic": "Données génétiques",
        "biometric": "Données biométriques",
        "health": "Données de santé",
        "sex_life": "Vie ou orientation sexuelle",
        "offences": "Condamnations et infractions (art. 10)",
        "nir": "Numéro d'inscription au répertoire (NIR)",
    }
)
class SpecialCategory(StrEnum):
    RACIAL_ETHNIC_ORIGIN = "racial_ethnic_origin"
    POLITICAL_OPINIONS = "political_opinions"
    RELIGIOUS_BELIEFS = "religious_beliefs"
    TRADE_UNION = "trade_union"
    GENETIC = "genetic"
    BIOMETRIC = "biometric"
    HEALTH = "health"
    SEX_LIFE = "sex_life"
    OFFENCES = "offences"
    NIR = "nir"


ART9_CATEGORIES = frozenset(SpecialCategory) - {SpecialCategory.OFFENCES, SpecialCategory.NIR}


@labelled(
    {
        "employees": "Agents, salariés",
        "users": "Usagers",
        "citizens": "Administrés",
        "beneficiaries": "Bénéficiaires",
        "elected_officials": "Élus",
        "candidates": "Candidats",
        "minors": "Mineurs",
        "vulnerable": "Personnes vulnérables",
        "suppliers": "Fournisseurs",
        "other": "Autres",
    }
)
class SubjectCategory(StrEnum):
    EMPLOYEES = "employees"
    USERS = "users"
    CITIZENS = "citizens"
    BENEFICIARIES = "beneficiaries"
    ELECTED_OFFICIALS = "elected_officials"
    CANDIDATES = "candidates"
    MINORS = "minors"
    VULNERABLE = "vulnerable"
    SUPPLIERS = "suppliers"
    OTHER = "other"


@labelled({"day": "jour(s)", "month": "mois", "year": "an(s)"})
class RetentionUnit(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@labelled(
    {
        "destruction": "Destruction",
        "conservation": "Conservation",
        "tri": "Tri",
        "versement": "Versement aux archives",
    }
)
class FinalDisposition(StrEnum):
    DESTRUCTION = "destruction"
    CONSERVATION = "conservation"
    TRI = "tri"
    VERSEMENT = "versement"


@labelled(
    {
        "internal": "Service interne",
        "external_org": "Organisme externe",
        "processor": "Sous-traitant",
        "public_authority": "Autorité publique",
    }
)
class RecipientKind(StrEnum):
    INTERNAL = "internal"
    EXTERNAL_ORG = "external_org"
    PROCESSOR = "processor"
    PUBLIC_AUTHORITY = "public_authority"


@labelled(
    {
        "adequacy_45": "Décision d'adéquation (art. 45)",
        "scc_46_2c": "Clauses contractuelles types (art. 46.2.c)",
        "bcr_47": "Règles d'entreprise contraignantes (art. 47)",
        "code_46_2e": "Code de conduite (art. 46.2.e)",
        "cert_46_2f": "Certification (art. 46.2.f)",
        "public_auth_instrument_46_2a": "Instrument entre autorités publiques (art. 46.2.a)",
        "admin_arrangement_46_3b": "Arrangement administratif (art. 46.3.b)",
        "ad_hoc_46_3a": "Clauses ad hoc autorisées (art. 46.3.a)",
        "derogation_49_1": "Dérogation (art. 49.1)",
        "compelling_interest_49_1_2": "Intérêt légitime impérieux (art. 49.1 al. 2)",
    }
)
class TransferMechanism(StrEnum):
    ADEQUACY_45 = "adequacy_45"
    SCC_46_2C = "scc_46_2c"
    BCR_47 = "bcr_47"
    CODE_46_2E = "code_46_2e"
    CERT_46_2F = "cert_46_2f"
    PUBLIC_AUTH_INSTRUMENT_46_2A = "public_auth_instrument_46_2a"
    ADMIN_ARRANGEMENT_46_3B = "admin_arrangement_46_3b"
    AD_HOC_46_3A = "ad_hoc_46_3a"
    DEROGATION_49_1 = "derogation_49_1"
    COMPELLING_INTEREST_49_1_2 = "compelling_interest_49_1_2"


# Art. 49(1) second subparagraph transfers must carry their safeguards documentation (30(1)(e)).
MECHANISMS_NEEDING_SAFEGUARDS_DOC = frozenset({TransferMechanism.COMPELLING_INTEREST_49_1_2})


@labelled(
    {
        "web_form": "Formulaire en ligne",
        "paper_form": "Formulaire papier",
        "contract": "Contrat",
        "list_received": "Liste transmise",
        "internal_document": "Document interne",
        "interview": "Entretien",
        "other": "Autre",
    }
)
class CollectionMethod(StrEnum):
    WEB_FORM = "web_form"
    PAPER_FORM = "paper_form"
    CONTRACT = "contract"
    LIST_RECEIVED = "list_received"
    INTERNAL_DOCUMENT = "internal_document"
    INTERVIEW = "interview"
    OTHER = "other"


@labelled(
    {
        "systematic_monitoring": "Surveillance systématique",
        "large_scale": "Traitement à grande échelle",
        "vulnerable_people": "Personnes vulnérables",
        "data_matching": "Croisement de données",
        "scoring": "Évaluation, notation",
        "automated_decision": "Décision automatisée à effet juridique",
        "service_exclusion": "Exclusion du bénéfice d'un droit ou d'un service",
        "innovative_use": "Usage innovant",
        "sensitive_data": "Données sensibles ou hautement personnelles",
    }
)
class DpiaCriterion(StrEnum):
    SYSTEMATIC_MONITORING = "systematic_monitoring"
    LARGE_SCALE = "large_scale"
    VULNERABLE_PEOPLE = "vulnerable_people"
    DATA_MATCHING = "data_matching"
    SCORING = "scoring"
    AUTOMATED_DECISION = "automated_decision"
    SERVICE_EXCLUSION = "service_exclusion"
    INNOVATIVE_USE = "innovative_use"
    SENSITIVE_DATA = "sensitive_data"


# WP248: two criteria or more make a DPIA required in most cases.
DPIA_CRITERIA_THRESHOLD = 2


@labelled(
    {
        "a_pseudonymisation_encryption": "Art. 32.1.a — pseudonymisation et chiffrement",
        "b_confidentiality_integrity_availability": (
            "Art. 32.1.b — confidentialité, intégrité, disponibilité et résilience"
        ),
        "c_restoration": "Art. 32.1.c — rétablissement de la disponibilité",
        "d_testing": "Art. 32.1.d — tests et évaluation réguliers",
    }
)
class Art32Objective(StrEnum):
    A = "a_pseudonymisation_encryption"
    B = "b_confidentiality_integrity_availability"
    C = "c_restoration"
    D = "d_testing"


@labelled(
    {
        "01_steering": "Fiche 1 — Piloter la sécurité des données",
        "02_user_framework": "Fiche 2 — Définir un cadre pour les utilisateurs",
        "03_training": "Fiche 3 — Impliquer et former les utilisateurs",
        "04_authentication": "Fiche 4 — Authentifier les utilisateurs",
        "05_access_rights": "Fiche 5 — Gérer les habilitations",
        "06_workstations": "Fiche 6 — Sécuriser les postes de travail",
        "07_mobile": "Fiche 7 — Sécuriser l'informatique mobile",
        "08_network": "Fiche 8 — Protéger le réseau informatique",
        "09_servers": "Fiche 9 — Sécuriser les serveurs",
        "10_websites": "Fiche 10 — Sécuriser les sites web",
        "11_development": "Fiche 11 — Encadrer les développements informatiques",
        "12_premises": "Fiche 12 — Protéger les locaux",
        "13_exchanges": "Fiche 13 — Sécuriser les échanges avec l'extérieur",
        "14_subcontracting": "Fiche 14 — Gérer la sous-traitance",
        "15_maintenance_end_of_life": "Fiche 15 — Encadrer la maintenance et la fin de vie",
        "16_logging": "Fiche 16 — Tracer les opérations",
        "17_backup": "Fiche 17 — Sauvegarder",
        "18_continuity": "Fiche 18 — Prévoir la continuité et la reprise d'activité",
        "19_incidents": "Fiche 19 — Gérer les incidents et les violations",
        "20_risk_analysis": "Fiche 20 — Analyse de risques",
        "21_cryptography": "Fiche 21 — Chiffrement, hachage, signature",
        "22_cloud": "Fiche 22 — Informatique en nuage",
        "23_mobile_apps": "Fiche 23 — Applications mobiles",
        "24_ai": "Fiche 24 — Intelligence artificielle",
        "25_api": "Fiche 25 — Interfaces de programmation (API)",
    }
)
class CnilGuideSheet(StrEnum):
    STEERING = "01_steering"
    USER_FRAMEWORK = "02_user_framework"
    TRAINING = "03_training"
    AUTHENTICATION = "04_authentication"
    ACCESS_RIGHTS = "05_access_rights"
    WORKSTATIONS = "06_workstations"
    MOBILE = "07_mobile"
    NETWORK = "08_network"
    SERVERS = "09_servers"
    WEBSITES = "10_websites"
    DEVELOPMENT = "11_development"
    PREMISES = "12_premises"
    EXCHANGES = "13_exchanges"
    SUBCONTRACTING = "14_subcontracting"
    MAINTENANCE_END_OF_LIFE = "15_maintenance_end_of_life"
    LOGGING = "16_logging"
    BACKUP = "17_backup"
    CONTINUITY = "18_continuity"
    INCIDENTS = "19_incidents"
    RISK_ANALYSIS = "20_risk_analysis"
    CRYPTOGRAPHY = "21_cryptography"
    CLOUD = "22_cloud"
    MOBILE_APPS = "23_mobile_apps"
    AI = "24_ai"
    API = "25_api"


@labelled(
    {
        "access_control": "Contrôle d'accès des utilisateurs",
        "traceability": "Traçabilité",
        "software_protection": "Protection des logiciels",
        "backup": "Sauvegarde des données",
        "encryption": "Chiffrement des données",
        "processor_control": "Contrôle des sous-traitants",
        "other": "Autres mesures",
    }
)
class RegisterMeasureCategory(StrEnum):
    """The seven headings of the CNIL register template's security section."""

    ACCESS_CONTROL = "access_control"
    TRACEABILITY = "traceability"
    SOFTWARE_PROTECTION = "software_protection"
    BACKUP = "backup"
    ENCRYPTION = "encryption"
    PROCESSOR_CONTROL = "processor_control"
    OTHER = "other"


@labelled({"technical": "Technique", "organisational": "Organisationnelle", "legal": "Juridique"})
class MeasureNature(StrEnum):
    TECHNICAL = "technical"
    ORGANISATIONAL = "organisational"
    LEGAL = "legal"


@labelled({"planned": "Prévue", "in_progress": "En cours", "implemented": "En place"})
class MeasureStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"


@labelled({"low": "Basse", "medium": "Moyenne", "high": "Haute"})
class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
