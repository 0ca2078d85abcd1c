"""Closed lists of the breach workflow (docs/regulatory.md §4 and §8), with French labels."""

from enum import StrEnum

from register.enums import labelled


@labelled(
    {
        "confidentiality": "Perte de confidentialité",
        "integrity": "Perte d'intégrité",
        "availability": "Perte de disponibilité",
    }
)
class BreachNature(StrEnum):
    CONFIDENTIALITY = "confidentiality"
    INTEGRITY = "integrity"
    AVAILABILITY = "availability"


@labelled(
    {
        "equipment_lost_stolen": "Équipement perdu ou volé",
        "paper_lost_stolen": "Papier perdu, volé ou laissé accessible",
        "mail_lost_opened": "Courrier perdu ou ouvert",
        "hacking_malware_phishing": "Piratage, logiciel malveillant, hameçonnage",
        "paper_not_destroyed": "Mise au rebut de documents papier non détruits",
        "device_not_erased": "Mise au rebut d'appareils sans effacement sécurisé",
        "unintended_publication": "Publication non volontaire d'informations",
        "wrong_person_data_shown": "Données de la mauvaise personne affichées sur un portail",
        "wrong_recipient": "Données envoyées au mauvais destinataire",
        "verbal_disclosure": "Informations divulguées oralement",
    }
)
class IncidentOrigin(StrEnum):
    EQUIPMENT_LOST_STOLEN = "equipment_lost_stolen"
    PAPER_LOST_STOLEN = "paper_lost_stolen"
    MAIL_LOST_OPENED = "mail_lost_opened"
    HACKING_MALWARE_PHISHING = "hacking_malware_phishing"
    PAPER_NOT_DESTROYED = "paper_not_destroyed"
    DEVICE_NOT_ERASED = "device_not_erased"
    UNINTENDED_PUBLICATION = "unintended_publication"
    WRONG_PERSON_DATA_SHOWN = "wrong_person_data_shown"
    WRONG_RECIPIENT = "wrong_recipient"
    VERBAL_DISCLOSURE = "verbal_disclosure"


@labelled(
    {
        "internal_malicious": "Acte interne malveillant",
        "internal_accidental": "Acte interne accidentel",
        "external_malicious": "Acte externe malveillant",
        "external_accidental": "Acte externe accidentel",
        "unknown": "Inconnue",
    }
)
class IncidentCause(StrEnum):
    INTERNAL_MALICIOUS = "internal_malicious"
    INTERNAL_ACCIDENTAL = "internal_accidental"
    EXTERNAL_MALICIOUS = "external_malicious"
    EXTERNAL_ACCIDENTAL = "external_accidental"
    UNKNOWN = "unknown"


@labelled(
    {
        "own_system": "Système du responsable de traitement",
        "processor": "Sous-traitant (art. 33.2) : le responsable doit être prévenu",
        "service_commun": "Service commun : l'adhérent est prévenu sans délai",
        "independent": "Responsable distinct : chacun traite sa propre violation",
        "joint": "Responsables conjoints (art. 26)",
    }
)
class BreachPath(StrEnum):
    """How the controller comes to know of an incident on another body's system."""

    OWN_SYSTEM = "own_system"
    PROCESSOR = "processor"
    SERVICE_COMMUN = "service_commun"
    INDEPENDENT = "independent"
    JOINT = "joint"


@labelled(
    {
        "declared": "Déclarée",
        "assessed": "Évaluée",
        "notified": "Notifiée à la CNIL",
        "complemented": "Notification complétée",
        "closed": "Close",
    }
)
class BreachStatus(StrEnum):
    DECLARED = "declared"
    ASSESSED = "assessed"
    NOTIFIED = "notified"
    COMPLEMENTED = "complemented"
    CLOSED = "closed"


@labelled({"unlikely": "Risque improbable", "risk": "Risque", "high": "Risque élevé"})
class RiskLevel(StrEnum):
    UNLIKELY = "unlikely"
    RISK = "risk"
    HIGH = "high"


@labelled(
    {
        "yes": "Personnes informées",
        "later": "Pas encore, elles le seront",
        "no": "Elles ne seront pas informées",
    }
)
class InformPeople(StrEnum):
    YES = "yes"
    LATER = "later"
    NO = "no"


@labelled(
    {
        "a_unintelligible": "Art. 34.3.a — données rendues incompréhensibles (chiffrement)",
        "b_risk_removed": "Art. 34.3.b — mesures ultérieures : risque élevé plus susceptible de se "
        "matérialiser",
        "c_disproportionate": "Art. 34.3.c — efforts disproportionnés : communication publique",
    }
)
class Art34Exemption(StrEnum):
    A_UNINTELLIGIBLE = "a_unintelligible"
    B_RISK_REMOVED = "b_risk_removed"
    C_DISPROPORTIONATE = "c_disproportionate"


@labelled(
    {
        "cnil": "CNIL",
        "data_subjects": "Personnes concernées",
        "controller": "Responsable de traitement (par le sous-traitant)",
    }
)
class NotificationRecipient(StrEnum):
    CNIL = "cnil"
    DATA_SUBJECTS = "data_subjects"
    CONTROLLER = "controller"


@labelled({"initial": "Initiale", "complementary": "Complémentaire", "complete": "Complète"})
class NotificationPhase(StrEnum):
    """The CNIL's form: initial (more to follow, art. 33(4)), complementary (what followed),
    or complete (everything known at once: an initial notification needing no follow-up)."""

    INITIAL = "initial"
    COMPLEMENTARY = "complementary"
    COMPLETE = "complete"


@labelled(
    {
        "teleservice": "Téléservice de la CNIL",
        "email": "Courriel",
        "phone": "Téléphone",
        "letter": "Courrier",
        "sms": "SMS",
        "public_communication": "Communication publique",
    }
)
class NotificationChannel(StrEnum):
    TELESERVICE = "teleservice"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    SMS = "sms"
    PUBLIC_COMMUNICATION = "public_communication"


@labelled(
    {
        "civil_status": "État civil",
        "nir": "NIR",
        "contact_details": "Coordonnées",
        "identification_access": "Données d'identification ou d'accès",
        "financial": "Données bancaires ou financières",
        "official_documents": "Documents officiels",
        "location": "Données de localisation",
        "offences": "Infractions, condamnations",
        "unknown_so_far": "Inconnues à ce stade",
        "racial_ethnic_origin": "Origine raciale ou ethnique",
        "political_opinions": "Opinions politiques",
        "religious_beliefs": "Convictions religieuses ou philosophiques",
        "trade_union": "Appartenance syndicale",
        "sexual_orientation": "Orientation sexuelle",
        "health": "Santé",
        "biometric": "Biométrie",
        "genetic": "Génétique",
        "other": "Autres",
    }
)
class BreachDataCategory(StrEnum):
    CIVIL_STATUS = "civil_status"
    NIR = "nir"
    CONTACT_DETAILS = "contact_details"
    IDENTIFICATION_ACCESS = "identification_access"
    FINANCIAL = "financial"
    OFFICIAL_DOCUMENTS = "official_documents"
    LOCATION = "location"
    OFFENCES = "offences"
    UNKNOWN_SO_FAR = "unknown_so_far"
    RACIAL_ETHNIC_ORIGIN = "racial_ethnic_origin"
    POLITICAL_OPINIONS = "political_opinions"
    RELIGIOUS_BELIEFS = "religious_beliefs"
    TRADE_UNION = "trade_union"
    SEXUAL_ORIENTATION = "sexual_orientation"
    HEALTH = "health"
    BIOMETRIC = "biometric"
    GENETIC = "genetic"
    OTHER = "other"


@labelled(
    {
        "employees": "Salariés, agents",
        "users": "Usagers",
        "members": "Adhérents",
        "students": "Élèves, étudiants",
        "military": "Militaires",
        "customers": "Clients",
        "patients": "Patients",
        "minors": "Mineurs",
        "vulnerable": "Personnes vulnérables",
        "not_yet_determined": "Pas encore déterminées",
        "other": "Autres",
    }
)
class BreachSubjectCategory(StrEnum):
    EMPLOYEES = "employees"
    USERS = "users"
    MEMBERS = "members"
    STUDENTS = "students"
    MILITARY = "military"
    CUSTOMERS = "customers"
    PATIENTS = "patients"
    MINORS = "minors"
    VULNERABLE = "vulnerable"
    NOT_YET_DETERMINED = "not_yet_determined"
    OTHER = "other"


@labelled(
    {
        "loss_of_control": "Perte de contrôle sur leurs données",
        "limitation_of_rights": "Limitation de leurs droits",
        "discrimination": "Discrimination",
        "identity_theft": "Vol d'identité",
        "fraud": "Fraude",
        "pseudonymisation_reversal": "Levée non autorisée de la pseudonymisation",
        "financial_loss": "Pertes financières",
        "reputation": "Atteinte à la réputation",
        "professional_secrecy": "Perte de confidentialité de données protégées par un secret "
        "professionnel",
        "other": "Autre",
    }
)
class Consequence(StrEnum):
    LOSS_OF_CONTROL = "loss_of_control"
    LIMITATION_OF_RIGHTS = "limitation_of_rights"
    DISCRIMINATION = "discrimination"
    IDENTITY_THEFT = "identity_theft"
    FRAUD = "fraud"
    PSEUDONYMISATION_REVERSAL = "pseudonymisation_reversal"
    FINANCIAL_LOSS = "financial_loss"
    REPUTATION = "reputation"
    PROFESSIONAL_SECRECY = "professional_secrecy"
    OTHER = "other"


SENSITIVE_BREACH_DATA = frozenset(
    {
        BreachDataCategory.NIR,
        BreachDataCategory.OFFENCES,
        BreachDataCategory.RACIAL_ETHNIC_ORIGIN,
        BreachDataCategory.POLITICAL_OPINIONS,
        BreachDataCategory.RELIGIOUS_BELIEFS,
        BreachDataCategory.TRADE_UNION,
        BreachDataCategory.SEXUAL_ORIENTATION,
        BreachDataCategory.HEALTH,
        BreachDataCategory.BIOMETRIC,
        BreachDataCategory.GENETIC,
    }
)
