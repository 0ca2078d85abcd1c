"""A strict reader of the Prometheus text exposition format (0.0.4), for the tests: the
`prometheus_client` parser is not installed. Anything it does not understand fails."""

import math
import re
from dataclasses import dataclass, field

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_HELP = re.compile(rf"^# HELP ({_NAME}) (.*)$")
_TYPE = re.compile(rf"^# TYPE ({_NAME}) (counter|gauge|summary|histogram|untyped)$")
_SAMPLE = re.compile(rf"^({_NAME})(\{{.*\}})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"')
_SUFFIXES = {"summary": ("", "_sum", "_count"), "histogram": ("_bucket", "_sum", "_count")}


@dataclass
class Family:
    name: str
    kind: str
    help: str
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = field(default_factory=dict)

    def value(self, suffix: str = "", **labels: str) -> float:
        return self.samples[(self.name + suffix, tuple(sorted(labels.items())))]


def parse(text: str) -> dict[str, Family]:
    assert text.endswith("\n"), "the exposition ends with a line feed"
    families: dict[str, Family] = {}
    helps: dict[str, str] = {}
    current: Family | None = None
    for number, line in enumerate(text[:-1].split("\n"), 1):
        where = f"line {number}: {line!r}"
        if match := _HELP.match(line):
            assert match[1] not in helps, f"HELP given twice, {where}"
            helps[match[1]] = match[2]
        elif match := _TYPE.match(line):
            name, kind = match.groups()
            assert name not in families, f"TYPE given twice, {where}"
            assert name in helps, f"TYPE without HELP, {where}"
            current = families[name] = Family(name, kind, helps[name])
        elif match := _SAMPLE.match(line):
            name, raw_labels, raw_value = match.groups()
            assert current is not None, f"sample before any TYPE, {where}"
            suffixes = _SUFFIXES.get(current.kind, ("",))
            assert any(name == current.name + s for s in suffixes), (
                f"not of {current.name}, {where}"
            )
            labels = _labels(raw_labels or "", where)
            key = (name, tuple(sorted(labels.items())))
            assert key not in current.samples, f"sample given twice, {where}"
            current.samples[key] = _value(raw_value, where)
        else:
            raise AssertionError(f"not the text format, {where}")
    return families


def _labels(raw: str, where: str) -> dict[str, str]:
    if not raw:
        return {}
    inner = raw[1:-1]
    found = list(_LABEL.finditer(inner))
    rebuilt = ",".join(m[0] for m in found)
    assert rebuilt == inner, f"bad labels, {where}"
    names = [m[1] for m in found]
    assert len(names) == len(set(names)), f"label given twice, {where}"
    return {m[1]: m[2] for m in found}


def _value(raw: str, where: str) -> float:
    if raw in ("NaN", "+Inf", "-Inf"):
        return {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}[raw]
    assert re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", raw), f"bad value, {where}"
    return float(raw)
