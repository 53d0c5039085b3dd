"""A draft assertion: the quads an ingest builds, written as TriG for the write gate, and its time specifications."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.errors import IngestError

PREFIXES = {
    "nkg": vocab.NKG, "rdf": vocab.RDF, "rdfs": vocab.RDFS, "xsd": vocab.XSD,
    "skos": vocab.SKOS, "prov": vocab.PROV, "schema": vocab.SCHEMA, "sem": vocab.SEM, "graspf": vocab.GRASPF,
}
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
PRECISIONS = {"day": "DayPrecision", "weekend": "WeekendPrecision", "week": "WeekPrecision",
              "month": "MonthPrecision", "before": "BeforeDatePrecision"}


def nkg(name: str) -> ox.NamedNode:
    """A term of our ontology."""
    return ox.NamedNode(vocab.NKG + name)


def typed(value: str, datatype: str) -> ox.Literal:
    """A literal of an XSD datatype."""
    return ox.Literal(value, datatype=ox.NamedNode(vocab.XSD + datatype))


RDF_TYPE = ox.NamedNode(vocab.RDF + "type")
LABEL = ox.NamedNode(vocab.RDFS + "label")


@dataclass
class Draft:
    """Quads to submit as one assertion, the IRIs minted for them, and the problems found while building them."""

    quads: list = field(default_factory=list)
    minted: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def add(self, subject, predicate, obj, graph: str | None = None) -> None:
        """One triple, in the default graph or in the named graph `graph`."""
        subject = ox.NamedNode(subject) if isinstance(subject, str) else subject
        obj = ox.NamedNode(obj) if isinstance(obj, str) else obj
        graph_name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        self.quads.append(ox.Quad(subject, predicate, obj, graph_name))

    def error(self, message: str, row: int | None = None, column: str | None = None) -> None:
        """Record a problem with a row (1-based) and column; nothing is written while there is one."""
        self.errors.append({"row": row, "column": column, "message": message})

    def trig(self) -> str:
        """The quads as TriG with the project's prefixes."""
        if not self.quads:
            return ""
        return ox.serialize(self.quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES).decode()

    def raise_errors(self) -> None:
        """An IngestError listing every recorded problem, if there is any."""
        if self.errors:
            first = self.errors[0]
            where = ", ".join(p for p in (f"row {first['row']}" if first["row"] else "",
                                          f"column {first['column']!r}" if first["column"] else "") if p)
            more = f" (and {len(self.errors) - 1} more problem(s))" if len(self.errors) > 1 else ""
            raise IngestError(f"{where + ': ' if where else ''}{first['message']}{more}; nothing was written",
                              errors=self.errors)


@dataclass(frozen=True)
class DateRange:
    """Inclusive bounds and a precision, as a TimeSpec holds them."""

    earliest: dt.date
    latest: dt.date
    precision: str


def parse_day(text: str) -> tuple[dt.date, dt.date, str]:
    """YYYY-MM-DD (a day) or YYYY-MM (a month) as (first day, last day, precision); ValueError with the reason."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(f"{text[:100]!r} is not a date: write YYYY-MM-DD, YYYY-MM, or FROM..TO")
    year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
    try:
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, 1), dt.date(year, month, last), "month"
        value = dt.date(year, month, int(day))
    except ValueError as exc:
        raise ValueError(f"{text[:100]!r} is not a calendar date ({exc})") from None
    return value, value, "day"


def parse_range(text: str, precision: str | None = None) -> DateRange:
    """A date, a month, or FROM..TO with a precision (given, or read from the shape of the range)."""
    text = text.strip()
    if ".." in text:
        start_text, _, end_text = text.partition("..")
        earliest, latest = parse_day(start_text)[0], parse_day(end_text)[1]
        if latest < earliest:
            raise ValueError(f"{text!r} ends before it starts")
        guessed = None
        if earliest.weekday() == 5 and (latest - earliest).days == 1:
            guessed = "weekend"
        elif earliest.weekday() == 0 and (latest - earliest).days == 6:
            guessed = "week"
        elif earliest.day == 1 and latest == earliest.replace(day=calendar.monthrange(earliest.year, earliest.month)[1]):
            guessed = "month"
        precision = precision or guessed
        if precision is None:
            raise ValueError(f"{text!r} is neither a weekend, a week nor a month: say which precision it has "
                             f"(date_precision: {', '.join(PRECISIONS)})")
    else:
        earliest, latest, shape = parse_day(text)
        precision = precision or shape
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision[:50]!r} is not one of {', '.join(PRECISIONS)}")
    if not (dt.date(1900, 1, 1) <= earliest and latest <= dt.date(2100, 12, 31)):
        raise ValueError(f"{text!r} lies outside 1900-01-01..2100-12-31")
    return DateRange(earliest, latest, precision)


def add_timespec(draft: Draft, iri: str, when: DateRange, *, expression: str | None = None,
                 language: str = "nl", label: str | None = None) -> None:
    """A nkg:TimeSpec with its bounds, precision and (optionally) the original words."""
    draft.add(iri, RDF_TYPE, nkg("TimeSpec"))
    draft.add(iri, nkg("earliest"), typed(when.earliest.isoformat(), "date"))
    draft.add(iri, nkg("latest"), typed(when.latest.isoformat(), "date"))
    draft.add(iri, nkg("precision"), nkg(PRECISIONS[when.precision]))
    if expression:
        draft.add(iri, nkg("expression"), ox.Literal(expression, language=language))
    if label:
        draft.add(iri, LABEL, ox.Literal(label, language="en"))
    draft.minted.append(iri)


def submit(kg, draft: Draft, writer: str):
    """Write the draft through the gate as one assertion (validated in context, all or nothing)."""
    draft.raise_errors()
    return kg.gate.submit(draft.trig().encode(), ox.RdfFormat.TRIG, writer)


def check(kg, draft: Draft):
    """The SHACL outcome of the draft in context, writing nothing (the anonymous lane of the sandbox)."""
    return kg.gate.validate(draft.trig().encode(), "application/trig")
