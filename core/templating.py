"""Rendering messages from the Jinja2 templates in templates/.

A message template defines two blocks, `subject` and `body`; the caller passes display-ready
values (dates already in French and in Europe/Paris, labels already translated), so templates
hold wording, never logic about the law.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.french import agree, plural

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@lru_cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # Plain-text mail is not escaped; HTML pages and documents are.
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=False),
        undefined=StrictUndefined,  # a missing value is a bug, not a blank in a letter
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plural"] = plural  # {{ n|plural("activité") }} → '1 activité', '2 activités'
    env.filters["agree"] = agree  # {{ n|agree("signée") }} → 'signée', 'signées'
    return env


def render_message(template_name: str, context: dict) -> Rendered:
    template = environment().get_template(template_name)
    ctx = template.new_context(context)
    subject = "".join(template.blocks["subject"](ctx))
    body = "".join(template.blocks["body"](ctx))
    # A subject is one line (RFC 5322 headers fold, they do not break).
    return Rendered(subject=" ".join(subject.split()), body=body.strip() + "\n")
