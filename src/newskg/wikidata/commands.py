"""`newskg wikidata link | refresh | export`: the command-line side of the Wikidata integration."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from newskg.core.errors import BadRequestError
from newskg.core.project import find_project_dir


def _kg(args, **overrides):
    return args.open_kg(args, **overrides)


def _project(kg) -> Path:
    return find_project_dir(kg.settings)


def _client(kg):
    from newskg.wikidata.client import WikidataClient

    return WikidataClient.from_settings(kg.settings)


def _parse_choices(values: list[str]) -> dict[str, str]:
    choices = {}
    for value in values or []:
        key, sep, qid = value.partition("=")
        if not sep or not key or not qid:
            raise BadRequestError(f"--choose takes ENTITY=QID, not {value!r}")
        choices[key.strip()] = qid.strip()
    return choices


def cmd_link(args: argparse.Namespace) -> int:
    from newskg.wikidata import links

    kg = _kg(args)
    try:
        client = _client(kg)
        with client:
            choices = _parse_choices(args.choose)
            if args.entity:
                entities = [links.named_entity(kg, iri) for iri in args.entity]
            else:
                entities = links.unlinked_entities(kg, _project(kg))
                if choices:  # look up only what is being chosen
                    entities = [links.resolve_choice(entities, key) for key in choices]
            if not entities:
                print("every mentioned actor and place is linked to Wikidata")
                return 0
            for entity in entities:
                links.find_candidates(client, entity, limit=args.limit)
                print(links.describe(entity))
            interactive = not choices and not args.dry_run and sys.stdin.isatty()
            picks = []
            for key, qid in choices.items():
                entity = links.resolve_choice(entities, key)
                picks.append((entity, _candidate(client, entity, qid)))
            if interactive:
                picks += _prompt(entities)
            if args.dry_run or not picks:
                return 0
            submitter = args.submitter or f"cli:{getpass.getuser()}"
            for entity, (candidate, how) in picks:
                outcome = links.write_link(kg, entity, candidate, client, submitter, how=how)
                state = "linked" if outcome.created else "already linked"
                print(f"{state}: {entity.slug} -> {candidate.qid} ({candidate.label}); assertion {outcome.record.iri}")
    finally:
        kg.close()
    return 0


def _candidate(client, entity, qid: str):
    """The candidate for a chosen QID: one the search found, else one the query service confirms."""
    from newskg.wikidata import links

    for c in entity.candidates:
        if c.qid == qid:
            return c, f"search {entity.search!r} on {client.api_url}, confirmed on {client.sparql_url}" \
                if c.confirmed else f"search {entity.search!r} on {client.api_url}"
    found = links.confirm(client, [qid]) if links.QID.match(qid) else {}
    if qid not in found:
        raise BadRequestError(f"{qid} is neither a candidate for {entity.slug} nor an item the query service knows")
    return found[qid], f"QID given by the user, confirmed on {client.sparql_url}"


def _prompt(entities):
    picks = []
    for entity in entities:
        if not entity.candidates:
            continue
        answer = input(f"{entity.slug}: number of the candidate to link (Enter skips): ").strip()
        if answer.isdigit() and 1 <= int(answer) <= len(entity.candidates):
            c = entity.candidates[int(answer) - 1]
            picks.append((entity, (c, f"search {entity.search!r}, chosen interactively")))
    return picks


def cmd_refresh(args: argparse.Namespace) -> int:
    from newskg.wikidata import snapshot

    kg = _kg(args)
    try:
        project = _project(kg)
        default = project / "graph" / "wikidata-snapshot.trig"
        output = Path(args.output) if args.output else default
        with _client(kg) as client:
            summary = snapshot.refresh(kg, client, output, existing=default if output != default else None,
                                       date=args.date)
    finally:
        kg.close()
    missing = f"; not found: {', '.join(summary['missing'])}" if summary["missing"] else ""
    print(f"wrote {summary['triples']} values of {summary['items_found']}/{summary['items']} items from "
          f"{summary['endpoint']} ({summary['date']}) to {summary['output']}{missing}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from newskg.wikidata import export

    kg = _kg(args)
    try:
        if args.format == "rdf":
            text = export.rdf(kg, retrieved=args.date)
        else:
            text = export.quickstatements(kg, retrieved=args.date)
    finally:
        kg.close()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def add_wikidata_commands(sub, open_kg) -> None:
    """Add `wikidata link|refresh|export` to the `newskg` parser."""
    wikidata = sub.add_parser("wikidata", help="link entities to Wikidata, refresh the snapshot, export figures")
    wsub = wikidata.add_subparsers(dest="wikidata_command", required=True)
    store = dict(type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")

    link = wsub.add_parser("link", help="find Wikidata items for unlinked entities; write chosen links through the gate")
    link.add_argument("--choose", action="append", metavar="ENTITY=QID",
                      help="link ENTITY (IRI or last IRI segment) to QID; repeatable")
    link.add_argument("--entity", action="append", metavar="IRI", help="look up this resource instead (e.g. an event)")
    link.add_argument("--limit", type=int, default=5, help="candidates per entity")
    link.add_argument("--dry-run", action="store_true", help="show candidates, write nothing, ask nothing")
    link.add_argument("--submitter", help="who writes the link (default: cli:<user name>)")
    link.add_argument("--store", **store)
    link.set_defaults(open_kg=open_kg, func=cmd_link)

    refresh = wsub.add_parser("refresh", help="regenerate graph/wikidata-snapshot.trig from the query service")
    refresh.add_argument("--output", "-o", help="file to write (default: graph/wikidata-snapshot.trig)")
    refresh.add_argument("--date", help="retrieval date to record (default: the response's Date header)")
    refresh.add_argument("--store", **store)
    refresh.set_defaults(open_kg=open_kg, func=cmd_refresh)

    exp = wsub.add_parser("export", help="figures as QuickStatements v1 or Wikidata-model RDF")
    exp.add_argument("--format", default="quickstatements", choices=["quickstatements", "rdf"])
    exp.add_argument("--date", help="the S813 'retrieved' date, YYYY-MM-DD (default: today)")
    exp.add_argument("--output", "-o", help="file to write (default: standard output)")
    exp.add_argument("--store", **store)
    exp.set_defaults(open_kg=open_kg, func=cmd_export)
