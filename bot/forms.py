"""The admin modal, per kind of fact: which inputs it has, how a fact fills them, and how they become a fact.

Discord allows five text inputs per modal, so each kind gets its most edited fields as inputs of their own
(name, summary, date, ...) plus a multi-line **Details** input of ``field: value`` lines for the rest and a
**Sources** input of ``URL title`` lines. A list field repeats its name, one item per line::

    film: dr1
    aliases: bike jump
    aliases: ramp jump

A line that starts with a space continues the line above. Fields a kind's form does not show (a film's notes,
runtime, ratings and box office, a release's history) are kept from the stored fact. Every problem is reported
as ``Input › field: problem`` with the limit that was broken. Pure functions: no Discord, no store.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot.errors import Invalid
from bot.limits import INPUT_TEXT_MAX, MODAL_TITLE_MAX
from bot.models import FACT_TYPES, NAME_MAX, TEXT_MAX, URL_MAX, Fact
from bot.render import KIND_NAMES, clip, echo
from bot.text import fold

DETAILS, SOURCES = "details", "sources"
SHOWN_ERRORS = 6


@dataclass(frozen=True)
class Input:
    """One text input: a single model field, or (``details``) several fields as ``field: value`` lines."""

    id: str
    label: str
    fields: tuple[str, ...] = ()
    paragraph: bool = False
    required: bool = True
    max_length: int = INPUT_TEXT_MAX
    placeholder: str = ""

    @property
    def field(self) -> str:
        """The model field of a single-field input (its custom id)."""
        return self.id


def _details(*fields: str) -> Input:
    shown = ", ".join(f for f in fields if f != "key")
    return Input(
        DETAILS,
        "Details (one `field: value` per line)",
        fields,
        paragraph=True,
        required=False,
        placeholder=f"Fields: {shown}",
    )


_SOURCES = Input(
    SOURCES,
    "Sources (one per line: URL, then title)",
    paragraph=True,
    placeholder="https://example.com/article Title of the article",
)

FORMS: dict[str, tuple[Input, ...]] = {
    "film": (
        Input("title", "Title", max_length=NAME_MAX),
        Input("summary", "Summary", paragraph=True, required=False, max_length=TEXT_MAX),
        _details("year", "installment", "director", "aliases", "previous_titles", "key"),
        _SOURCES,
    ),
    "release": (
        Input("region", "Region", max_length=NAME_MAX, placeholder="United States"),
        Input("date", "Date (YYYY-MM-DD)", max_length=10, placeholder="2025-05-23"),
        Input("note", "Note", paragraph=True, required=False, max_length=TEXT_MAX),
        _details("film", "type", "place", "platform", "formats", "confidence", "key"),
        _SOURCES,
    ),
    "stunt": (
        Input("name", "Name", max_length=NAME_MAX),
        Input("summary", "What happened", paragraph=True, max_length=TEXT_MAX),
        _details("film", "locations", "aliases", "filmed", "people", "spoiler", "confidence", "key"),
        Input(
            "extras",
            "Numbers, quotes, trivia (`field: value`)",
            ("numbers", "quotes", "trivia"),
            paragraph=True,
            required=False,
            placeholder="numbers: ...\nquotes: ...\ntrivia: ...",
        ),
        _SOURCES,
    ),
    "location": (
        Input("name", "Name", max_length=NAME_MAX),
        Input("place", "Place", paragraph=True, max_length=TEXT_MAX),
        Input("filmed", "What was filmed there", paragraph=True, max_length=TEXT_MAX),
        _details("film", "country", "when", "aliases", "key"),
        _SOURCES,
    ),
    "video": (
        Input("title", "Title", max_length=NAME_MAX),
        Input(
            "url",
            "Verified link (YouTube or Vimeo)",
            required=False,
            max_length=URL_MAX,
            placeholder="https://www.youtube.com/watch?v=... (empty when not verified)",
        ),
        Input("shows", "What it shows", paragraph=True, required=False, max_length=TEXT_MAX),
        _details("film", "published", "stunts", "locations", "aliases", "key"),
        _SOURCES,
    ),
}


def form(kind: str) -> tuple[Input, ...]:
    """The inputs of a kind's modal; an unknown kind is the admin's mistake, not a bug."""
    if kind not in FORMS:
        raise Invalid(f"Unknown kind {kind!r}: choose one of {', '.join(FORMS)}.")
    return FORMS[kind]


def title(kind: str, fact: Fact | None) -> str:
    """The modal title (Discord allows 45 characters)."""
    text = f"Edit {kind}: {fact.label}" if fact else f"Add a {KIND_NAMES[kind]}"
    return clip(text, MODAL_TITLE_MAX)


# ----------------------------------------------------------------------------- fact → modal text


def _is_list(kind: str, field: str) -> bool:
    annotation = FACT_TYPES[kind].model_fields[field].annotation
    return typing.get_origin(annotation) is list


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _details_text(kind: str, fields: tuple[str, ...], data: Mapping[str, Any]) -> str:
    """Every field on its own line (empty ones too, so an admin sees what can be filled)."""
    lines: list[str] = []
    for field in fields:
        value = data.get(field)
        items = (value or [""]) if _is_list(kind, field) else [value]
        lines += [f"{field}: {_text(item)}".rstrip() for item in items]
    return "\n".join(lines)


def prefill(kind: str, fact: Fact | None, chosen: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The text of each input: a stored fact's values for an edit, a template with the defaults and the values
    ``chosen`` in the command (such as the film) for an add."""
    cls = FACT_TYPES[kind]
    defaults = {n: f.get_default(call_default_factory=True) for n, f in cls.model_fields.items() if not f.is_required()}
    data: dict[str, Any] = fact.model_dump(mode="json") if fact else defaults | dict(chosen or {})
    values: dict[str, str] = {}
    for spec in form(kind):
        if spec.id == SOURCES:
            values[spec.id] = "\n".join(f"{s['url']} {s['title']}" for s in data.get("sources", []))
        elif spec.fields:
            fields = tuple(f for f in spec.fields if not (fact and f == "key"))
            values[spec.id] = _details_text(kind, fields, data)
        else:
            values[spec.id] = _text(data.get(spec.field))
    too_long = [s.label for s in form(kind) if len(values[s.id]) > INPUT_TEXT_MAX]
    if too_long:
        raise Invalid(
            f"{fact.label if fact else kind} is too long to edit in a form ({', '.join(too_long)} over "
            f"{INPUT_TEXT_MAX} characters). Use /fact export, edit the file, then /fact import."
        )
    return values


# ----------------------------------------------------------------------------- modal text → fact

_LINE = re.compile(r"^([A-Za-z_ ]+?)\s*:\s?(.*)$")


def parse_details(text: str, spec: Input, kind: str) -> dict[str, Any]:
    """``field: value`` lines as a dict; list fields collect every line that names them."""
    found: dict[str, Any] = {}
    last: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip():
            continue
        if raw[0] in " \t" and last is not None:  # continues the line above
            if isinstance(found[last], list):
                found[last][-1] += " " + line.strip()
            else:
                found[last] += " " + line.strip()
            continue
        match = _LINE.match(line.strip())
        if match is None:
            raise Invalid(f"{spec.label}, line {number}: write `field: value`, for example `{spec.fields[0]}: …`.")
        field, value = match[1].strip().lower().replace(" ", "_"), match[2].strip()
        if field not in spec.fields:
            raise Invalid(
                f"{spec.label}, line {number}: there is no field `{field}` here. Use: {', '.join(spec.fields)}."
            )
        last = None
        if _is_list(kind, field):
            if value:
                found.setdefault(field, []).append(value)
                last = field
        elif field in found:
            raise Invalid(f"{spec.label}, line {number}: `{field}` is given twice.")
        elif value:
            found[field] = value
            last = field
    return found


def parse_sources(text: str) -> list[dict[str, str]]:
    """``URL title`` lines (the URL is checked by the model, so its problem is reported with its line)."""
    sources = []
    for line in text.splitlines():
        if line.strip():
            url, _, name = line.strip().partition(" ")
            sources.append({"url": url, "title": name.strip()})
    return sources


def slug(text: str) -> str:
    """A key from a name: "Rome car chase" → ``rome-car-chase`` (at most 63 characters)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:63].strip("-")


def _default_key(kind: str, data: Mapping[str, Any]) -> str:
    if kind == "release":
        return slug(f"{data.get('film', '')} {data.get('region', '')}")
    return slug(str(data.get("name") or data.get("title") or ""))


def fact_from_form(kind: str, values: Mapping[str, str], base: Fact | None = None) -> Fact:
    """Build a fact from submitted modal text: a new one, or ``base`` with the form's fields replaced."""
    inputs = form(kind)
    data: dict[str, Any] = base.model_dump(mode="json") if base else {}
    for spec in inputs:
        text = values.get(spec.id, "")
        if spec.id == SOURCES:
            data["sources"] = parse_sources(text)
        elif spec.fields:
            parsed = parse_details(text, spec, kind)
            for field in spec.fields:
                data.pop(field, None)
            data.update(parsed)
        elif text.strip():
            data[spec.field] = text.strip()
        else:
            data.pop(spec.field, None)
    if base is None:
        data.setdefault("key", _default_key(kind, data))
    elif data.setdefault("key", base.key) != base.key:
        raise Invalid(f"Details › key: the key of {base.label} cannot be changed (it is {base.key!r}).")
    try:
        return FACT_TYPES[kind].model_validate(data)
    except ValidationError as exc:
        problems = [field_problem(error, kind) for error in exc.errors()]
        more = f"\n… and {len(problems) - SHOWN_ERRORS} more" if len(problems) > SHOWN_ERRORS else ""
        raise Invalid("Nothing was saved:\n" + "\n".join(f"• {p}" for p in problems[:SHOWN_ERRORS]) + more) from None


# ----------------------------------------------------------------------------- friendly errors


def _where(loc: tuple[int | str, ...], kind: str) -> str:
    """``("aliases", 1)`` → ``Details › aliases #2``; ``("sources", 0, "url")`` → ``Sources, line 1 › url``."""
    field = str(loc[0]) if loc else "form"
    spec = next((s for s in FORMS[kind] if field in s.fields or s.id == field), None)
    if spec is None:
        return field
    where = spec.label.split(" (")[0]
    if spec.fields:
        where += f" › {field}"
    rest = list(loc[1:])
    if rest and isinstance(number := rest[0], int):
        rest.pop(0)
        where += f", line {number + 1}" if spec.id == SOURCES else f" #{number + 1}"
    return where + "".join(f" › {part}" for part in rest)


def field_problem(error: Mapping[str, Any], kind: str) -> str:
    """One pydantic error as a sentence naming the input, the field and the limit."""
    kind_of, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    where = _where(tuple(error["loc"]), kind)
    if kind_of == "missing" or (kind_of == "string_too_short" and ctx.get("min_length") == 1):
        problem = "cannot be empty"
    elif kind_of == "string_too_long":
        problem = f"at most {ctx['max_length']} characters (this has {len(str(value))})"
    elif kind_of == "too_short":
        problem = f"needs at least {ctx['min_length']}"
    elif kind_of.startswith(("date_", "datetime_")):
        problem = f"{echo(repr(value), 100)} is not a real date: write YYYY-MM-DD, for example 2025-05-23"
    elif kind_of == "string_pattern_mismatch":
        problem = f"{echo(repr(value), 100)} must be lower-case letters, digits and dashes (at most 63)"
        problem += ", for example `rome-chase`"
    elif kind_of == "literal_error":
        problem = f"must be one of {ctx['expected']}"
    elif kind_of.startswith("bool"):
        problem = "must be yes or no"
    elif kind_of.startswith("int"):
        problem = "must be a whole number"
    elif kind_of in ("greater_than_equal", "less_than_equal"):
        problem = f"must be {'at least' if kind_of.startswith('greater') else 'at most'} {ctx.get('ge', ctx.get('le'))}"
    elif kind_of == "extra_forbidden":
        problem = "is not a field of this kind"
    else:
        problem = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {problem}"
