"""The document every tabular test writes: two sheets, French accents, a multi-line cell,
empty cells, spaces that matter, text that looks like a formula, and 1,000 rows in one sheet."""

import asyncio
import io

from core.tabular.document import Column, Document, ExportFormat, Row, Sheet
from core.tabular.writers import write_document

ACTIVITY_COUNT = 1000

ACTIVITY_COLUMNS = [
    Column("name", "Nom du traitement", 40),
    Column("purpose", "Finalité", 50),
    Column("dpo", "Délégué à la protection des données", 30),
    Column("recipients", "Destinataires", 30),
    Column("notes", "Remarques", 20),
]
BREACH_COLUMNS = [
    Column("ref", "Référence", 16),
    Column("nature", "Nature de la violation", 60),
    Column("measures", "Mesures prises", 60),
]


def activity(number: int) -> Row:
    return {
        "name": f"Traitement n° {number} — Œuvres sociales",
        "purpose": "Tenue de l'état civil ; actes de naissance, de mariage et de décès",
        "dpo": "Délégué mutualisé : Mme Hélène Lefèvre" if number % 2 else None,
        "recipients": "Service à l'état civil\nPréfecture de l'Hérault\nProcureur de la République",
        # Mostly empty; some values a spreadsheet could mistake for something else.
        "notes": {
            3: '=SOMME(A1:A2) et "guillemets", virgules; points-virgules',
            7: "  deux  espaces au début et au milieu ",
            9: "Tabulation\tici",
        }.get(number % 10),
    }


ACTIVITIES = [activity(number) for number in range(1, ACTIVITY_COUNT + 1)]
BREACHES = [
    {
        "ref": "VIOL-2025-001",
        "nature": "Perte d'un ordinateur portable non chiffré",
        "measures": "Plainte déposée\nMots de passe changés\nInformation des agents",
    },
    {"ref": "VIOL-2025-002", "nature": "Courriel envoyé au mauvais destinataire", "measures": None},
    {"ref": "VIOL-2025-003", "nature": "Rançongiciel sur le serveur de fichiers", "measures": ""},
]


def rows_of(rows: list[Row]):
    async def generate():
        for row in rows:
            yield row

    return generate


def sample_document(activities: list[Row] | None = None) -> Document:
    return Document(
        key="controller-record",
        title="Registre des activités de traitement (art. 30.1 RGPD)",
        header=[
            ("Responsable du traitement", "Commune de Saint-Étienne-de-Tinée"),
            ("Délégué à la protection des données", "Syndicat mixte « Numérique & Œuvre »"),
        ],
        sheets=[
            Sheet(
                key="activities",
                title="Activités de traitement",
                columns=ACTIVITY_COLUMNS,
                rows=rows_of(ACTIVITIES if activities is None else activities),
                heading_key="name",
            ),
            Sheet(
                key="breaches",
                title="Violations : données [archivées]",  # characters Excel forbids in a tab
                columns=BREACH_COLUMNS,
                rows=rows_of(BREACHES),
                heading_key="ref",
            ),
        ],
        generated_at="lundi 24 novembre 2025 à 10:30",
    )


def expected_cells(columns: list[Column], row: Row) -> list[str | None]:
    """A row as a reader gives it back: empty strings are empty cells."""
    return [row.get(column.key) or None for column in columns]


async def written(doc: Document, fmt: ExportFormat, **options) -> bytes:
    out = io.BytesIO()
    await write_document(doc, fmt, out, **options)
    return out.getvalue()


def written_now(doc: Document, fmt: ExportFormat, **options) -> bytes:
    """`written` from synchronous code, e.g. a module-scoped fixture (its own event loop)."""
    return asyncio.run(written(doc, fmt, **options))
