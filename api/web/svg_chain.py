"""A convention's chain drawn as an inline SVG, on the server, without script.

One box per row, indented by level, like a tree in a file manager: its width stays the
same however many bodies the convention has, so it scales down on a phone without the
names shrinking out of sight. The controllers are gathered by a line on the left that
leads, with an arrow, to each processor (or to the host of a service commun); each
processor's sub-processors hang under it, and theirs under them, at any depth.

The picture is `role="img"`, named by its <title> and described by a <desc> sentence; the
page repeats the chain as a nested list right below it (the text alternative).
"""

import textwrap
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from register.chains.convention import ChainNode, ConventionChain
from register.enums import PartyRole

BASE_WIDTH = 400  # viewBox width for a chain up to a few levels deep: legible on a phone
MIN_BOX = 220
PAD = 12  # around the picture
INDENT = 28  # per level; the left-most column holds the controllers' gathering line
GAP = 14  # between rows
TEXT_PAD = 12  # inside a box
NAME_SIZES = (15, 13.5, 12)  # a long name takes a smaller size before it is cut
ROLE_SIZE, ROLE_LINE = 13, 17
NAME_LINES, ROLE_LINES = 3, 2
FONT = "DejaVu Sans, Marianne, Arial, sans-serif"
STYLE = {  # fill, stroke; the text is dark on all of them (contrast well above 4.5:1)
    0: ("#e8eef9", "#00449e"),
    1: ("#fdf1e3", "#8a4b00"),
}
SUB_STYLE = ("#f4f5f7", "#4a4a4a")
LINE = "#1b1b1b"


@dataclass(frozen=True)
class ChainPicture:
    svg: Markup
    description: str  # the <desc> sentence
    controllers_text: str  # "A (Responsable de traitement) et B (…)"
    verb: str  # what the controllers do towards the level below, for the list


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def french_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def _named(node: ChainNode) -> str:
    return f"{node.name} ({_lower_first(node.role_label)})"


def _verb(chain: ConventionChain, plural: bool) -> str:
    hosts_only = chain.is_service_commun and all(
        n.party and n.party.role == PartyRole.SERVICE_COMMUN_HOST for n in chain.providers
    )
    if hosts_only:
        return f"{'adhèrent' if plural else 'adhère'} au service commun porté par"
    return "confient le traitement à" if plural else "confie le traitement à"


def describe(chain: ConventionChain) -> str:
    if not chain.providers:
        return (
            f"{french_list([_named(n) for n in chain.controllers])} sont parties à la "
            "convention ; aucun sous-traitant n'y figure."
        )
    if chain.controllers:
        first = (
            f"{french_list([_named(n) for n in chain.controllers])} "
            f"{_verb(chain, len(chain.controllers) > 1)} "
            f"{french_list([_named(n) for n in chain.providers])}."
        )
    else:
        first = f"{french_list([_named(n) for n in chain.providers])}."
    sentences = [first]
    for provider in chain.providers:
        for node in provider.walk():
            if node.children:
                sentences.append(
                    f"{node.name} recourt à {french_list([_named(c) for c in node.children])}."
                )
    if not any(p.children for p in chain.providers):
        sentences.append("Aucun sous-traitant ultérieur n'est enregistré.")
    return " ".join(sentences)


def _wrap(text: str, chars: int, lines: int) -> list[str]:
    wrapped = textwrap.wrap(text, width=max(chars, 8), break_on_hyphens=False) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: max(chars - 1, 1)].rstrip() + "…"
    return wrapped


def _line(size: float) -> float:
    return round(size * 1.27, 1)


def _fit(name: str, room: float) -> tuple[float, list[str]]:
    """The largest size at which the name holds on NAME_LINES lines; at the smallest size, one
    line more before the name is cut (a syndicate's full name runs past 100 characters)."""
    for size in NAME_SIZES:
        chars = int(room / (size * 0.62))
        lines = textwrap.wrap(name, width=max(chars, 8), break_on_hyphens=False) or [""]
        if len(lines) <= NAME_LINES:
            return size, lines
    return size, _wrap(name, chars, NAME_LINES + 1)


@dataclass
class _Box:
    node: ChainNode
    x: float
    y: float
    height: float
    name_lines: list[str]
    name_size: float
    role_lines: list[str]

    @property
    def mid(self) -> float:
        return self.y + self.height / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height


def _a(value: object) -> str:
    """An attribute value, escaped."""
    return escape(str(value), quote=True)


def _n(value: float) -> str:
    return f"{value:g}"


def _layout(chain: ConventionChain, width_box: float) -> tuple[dict[int, _Box], float]:
    """Each node's box, one per row, indented by level; and the picture's height."""
    role_chars = int((width_box - 2 * TEXT_PAD) / (ROLE_SIZE * 0.58))
    boxes: dict[int, _Box] = {}
    y = float(PAD)
    for node in chain.nodes:
        size, names = _fit(node.name, width_box - 2 * TEXT_PAD)
        roles = _wrap(node.role_label, role_chars, ROLE_LINES)
        height = 2 * TEXT_PAD + len(names) * _line(size) + len(roles) * ROLE_LINE - 4
        x = PAD + (node.level + 1) * INDENT
        boxes[id(node)] = _Box(node, x, y, height, names, size, roles)
        y += height + GAP
    return boxes, (y - GAP + PAD if chain.nodes else 2 * PAD)


def _svg_line(x1, y1, x2, y2, arrow: bool = False) -> str:
    end = ' marker-end="url(#chaine-fleche)"' if arrow else ""
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{LINE}" stroke-width="1.5"{end}/>'
    )


def _connectors(chain: ConventionChain, boxes: dict[int, _Box]) -> str:
    """The controllers' gathering line with an arrow to each provider, then each node's
    line to its sub-processors."""
    connectors: list[str] = []
    controllers = [boxes[id(n)] for n in chain.controllers]
    providers = [boxes[id(n)] for n in chain.providers]
    if controllers and providers:
        trunk = PAD + INDENT / 2
        connectors.append(_svg_line(trunk, controllers[0].mid, trunk, providers[-1].mid))
        for box in controllers:
            connectors.append(_svg_line(trunk, box.mid, box.x, box.mid))
        for box in providers:
            connectors.append(_svg_line(trunk, box.mid, box.x, box.mid, arrow=True))
    for node in chain.nodes:
        if not node.children:
            continue
        parent = boxes[id(node)]
        stem = parent.x + INDENT / 2
        children = [boxes[id(c)] for c in node.children]
        connectors.append(_svg_line(stem, parent.bottom, stem, children[-1].mid))
        for child in children:
            connectors.append(_svg_line(stem, child.mid, child.x, child.mid, arrow=True))
    return '<g class="chain-links">' + "".join(connectors) + "</g>"


def _tspans(x: float, lines: list[str], step: float | int) -> str:
    return "".join(
        f'<tspan x="{_n(x)}" dy="{0 if i == 0 else _n(step)}">{escape(text)}</tspan>'
        for i, text in enumerate(lines)
    )


def _node_svg(box: _Box, width_box: float) -> str:
    node = box.node
    fill, stroke = STYLE.get(node.level, SUB_STYLE)
    text_x = box.x + TEXT_PAD
    name_line = _line(box.name_size)
    name_y = box.y + TEXT_PAD + box.name_size - 2
    tspans = _tspans(text_x, box.name_lines, name_line)
    role_y = name_y + len(box.name_lines) * name_line
    role_tspans = _tspans(text_x, box.role_lines, ROLE_LINE)
    # A name cut short keeps its whole self in a tooltip (the list below gives it too).
    cut = box.name_lines[-1].endswith("…") and not node.name.endswith("…")
    tooltip = f"<title>{escape(node.name)}</title>" if cut else ""
    return (
        f'<g class="chain-node" data-level="{node.level}">{tooltip}'
        f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(width_box)}" '
        f'height="{_n(box.height)}" rx="6" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{2 if node.level < 2 else 1.5}"/>'
        f'<text class="chain-name" x="{_n(text_x)}" y="{_n(name_y)}" '
        f'font-size="{_n(box.name_size)}" font-weight="bold" fill="#1b1b1b">{tspans}</text>'
        f'<text class="chain-role" x="{_n(text_x)}" y="{_n(role_y)}" '
        f'font-size="{ROLE_SIZE}" fill="#333333">{role_tspans}</text>'
        "</g>"
    )


def chain_picture(chain: ConventionChain, *, title: str) -> ChainPicture:
    depth = chain.depth
    width_box = max(MIN_BOX, BASE_WIDTH - 2 * PAD - (depth + 1) * INDENT)
    width = 2 * PAD + (depth + 1) * INDENT + width_box
    boxes, height_total = _layout(chain, width_box)
    description = describe(chain)
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain-svg" role="img" '
        f'width="100%" viewBox="0 0 {_n(width)} {_n(height_total)}" '
        f'aria-labelledby="chaine-titre chaine-desc" font-family="{_a(FONT)}">',
        f'<title id="chaine-titre">{escape(title)}</title>',
        f'<desc id="chaine-desc">{escape(description)}</desc>',
        "<defs>"
        '<marker id="chaine-fleche" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{LINE}"/></marker>'
        "</defs>",
        # Connectors first, boxes over them.
        _connectors(chain, boxes),
        *(_node_svg(boxes[id(node)], width_box) for node in chain.nodes),
        "</svg>",
    ]
    return ChainPicture(
        svg=Markup("".join(parts)),
        description=description,
        controllers_text=french_list([f"{n.name} ({n.role_label})" for n in chain.controllers]),
        verb=_verb(chain, len(chain.controllers) > 1),
    )
