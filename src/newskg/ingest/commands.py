"""`newskg article add` and `newskg claims add`: against a stopped store folder, or a running server over HTTP."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from newskg.core.errors import IngestError, NewsKGError, ShaclViolationError

SHEET_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _print_problems(errors: list, results: list) -> None:
    for error in errors:
        where = ", ".join(p for p in (f"row {error['row']}" if error.get("row") else "",
                                      f"column {error['column']}" if error.get("column") else "") if p)
        print(f"- {where + ': ' if where else ''}{error['message']}", file=sys.stderr)
    for result in results:
        print(f"- {result['severity']}: {result['focus_node']} {result.get('path') or ''}: {result['message']}",
              file=sys.stderr)


def _print_checked(body: dict) -> int:
    """Print a dry run (TriG on stdout, the report on stderr); exit 0 when it conforms, 1 when not."""
    if body.get("trig"):
        print(body["trig"])
    print("conforms" if body["conforms"] else "does not conform", file=sys.stderr)
    _print_problems(body.get("errors", []), body.get("results", []))
    return 0 if body["conforms"] else 1


def _post(args, path: str, payload: dict, *, write: bool):
    """POST JSON to the server (through the egress policy: clientside/server.py); the response (2xx), or a
    NewsKGError-shaped exit for anything else."""
    from newskg.clientside.server import ServerClient

    token = None
    if write:
        token = args.token or os.environ.get("NEWSKG_WRITE_TOKEN")
        if not token:
            raise NewsKGError("writing to a server needs its token: --token or NEWSKG_WRITE_TOKEN")
    with ServerClient(args.server, timeout_s=args.timeout, token=token, paths=(path,)) as server:
        response = server.request("POST", path, json=payload, check=False)
    try:
        body = response.json()
    except ValueError:
        body = {"message": response.text[:500]}
    if response.status_code >= 400:
        raise _Refused(response.status_code, body)
    return body


class _Refused(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(status)
        self.status, self.body = status, body


def _refused(status: int, body: dict) -> int:
    print(f"newskg: {status}: {body.get('message', body)}", file=sys.stderr)
    detail = body.get("detail") or {}
    _print_problems(detail.get("errors", []), detail.get("results", []))
    return 1 if status in (400, 404, 409, 413, 415, 422) else 2


def _local_refused(exc: NewsKGError) -> int:
    body = exc.to_dict()
    return _refused(exc.status, body)


def _run(args, local, remote) -> int:
    try:
        return remote() if args.server else local()
    except _Refused as exc:
        return _refused(exc.status, exc.body)
    except (IngestError, ShaclViolationError) as exc:
        return _local_refused(exc)
    except NewsKGError as exc:
        if exc.status in (404, 409, 422):
            return _local_refused(exc)
        raise


def _writer(args) -> str:
    return args.submitter or f"cli:{getpass.getuser()}"


def cmd_article_add(args: argparse.Namespace) -> int:
    from newskg.ingest import intake
    from newskg.ingest.article import ArticleFields

    if (args.text_file is None) != args.cited:
        raise NewsKGError("give the article's text file, or --cited for a report cited by its address (no text)")
    text = None
    if args.text_file is not None:
        path = Path(args.text_file)
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise NewsKGError(f"cannot read {path}: {exc}") from None
    fields = ArticleFields(text, args.url, args.title, args.publisher, args.date, args.lang)

    def local() -> int:
        kg = args.open_kg(args)
        try:
            if args.dry_run:
                iri, checked = intake.check_article(kg, fields)
                return _print_checked(checked.to_json())
            iri, _ = intake.add_article(kg, fields, _writer(args))
        finally:
            kg.close()
        print(iri)
        return 0

    def remote() -> int:
        try:
            payload = {"text": None if text is None else text.decode("utf-8"), "url": args.url, "title": args.title,
                       "publisher": args.publisher, "date": args.date, "lang": args.lang}
        except UnicodeDecodeError as exc:
            raise IngestError.at(f"the text is not UTF-8 (byte {exc.start}): save it as UTF-8", column="text")
        if args.dry_run:
            return _print_checked(_post(args, "/articles/validate", payload, write=False))
        print(_post(args, "/articles", payload, write=True)["iri"])
        return 0

    return _run(args, local, remote)


def cmd_claims_add(args: argparse.Namespace) -> int:
    from newskg.ingest import intake
    from newskg.ingest.claims import read_sheet

    path = Path(args.sheet)
    sheet_format = args.format or SHEET_FORMATS.get(path.suffix.lower())
    if sheet_format is None:
        raise NewsKGError(f"cannot tell the sheet's format from {path.name!r}: name it .csv or .jsonl, or --format")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NewsKGError(f"cannot read {path}: {exc}") from None

    def rows(max_rows: int) -> list:
        return read_sheet(data, sheet_format, max_rows)

    def local() -> int:
        kg = args.open_kg(args)
        try:
            sheet = rows(kg.settings.max_sheet_rows)
            if args.dry_run:
                _, checked = intake.check_claims(kg, args.article, sheet)
                return _print_checked(checked.to_json())
            claims, _ = intake.add_claims(kg, args.article, sheet, _writer(args))
        finally:
            kg.close()
        print("\n".join(claims))
        return 0

    def remote() -> int:
        payload = {"article": args.article, "claims": rows(1_000_000)}  # the server applies its own limit
        if args.dry_run:
            return _print_checked(_post(args, "/claims/validate", payload, write=False))
        print("\n".join(_post(args, "/claims", payload, write=True)["claims"]))
        return 0

    return _run(args, local, remote)


def cmd_sources_build(args: argparse.Namespace) -> int:
    from newskg.core.config import Settings
    from newskg.core.project import find_project_dir
    from newskg.ingest import sources

    project = find_project_dir(Settings())
    built = sources.build_all(project, lambda folder, store: Settings(store=store, project_dir=folder))
    if args.check:
        stale = sources.stale(project, built)
        for name in stale:
            print(f"out of date: graph/sources/{name}")
        return 1 if stale else 0
    for name in sources.write(project, built):
        print(f"wrote graph/sources/{name}")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the TriG and the SHACL report; write nothing")
    parser.add_argument("--server", help="a running newskg server (URL) instead of the store folder")
    parser.add_argument("--token", help="the server's write token (default: NEWSKG_WRITE_TOKEN)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the server")
    parser.add_argument("--submitter", help="who writes it, in a store folder (default: cli:<user name>)")
    parser.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")


def add_ingest_commands(sub, *, open_kg) -> None:
    """The `article` and `claims` subcommands; `open_kg` opens the store folder (handed down by the CLI)."""
    article = sub.add_parser("article", help="add an article from its text").add_subparsers(dest="action",
                                                                                              required=True)
    add = article.add_parser("add", help="add an article: its text (exact bytes), URL, title, publisher, date, lang")
    add.add_argument("text_file", nargs="?", help="the article's text, UTF-8 (none with --cited)")
    add.add_argument("--cited", action="store_true",
                     help="a report cited by its address, whose text we do not hold: no text file; --title is your "
                          "own English label, and its claims have a summary instead of a quote")
    add.add_argument("--url", required=True)
    add.add_argument("--title", required=True)
    add.add_argument("--publisher", required=True, help="an actor's label, IRI or QID (a new one otherwise)")
    add.add_argument("--date", required=True, help="YYYY-MM-DD (or YYYY-MM when only the month is known)")
    add.add_argument("--lang", required=True, help="the text's language, e.g. nl")
    _common(add)
    add.set_defaults(func=cmd_article_add, open_kg=open_kg)

    claims = sub.add_parser("claims", help="add claims from a sheet").add_subparsers(dest="action", required=True)
    add = claims.add_parser("add", help="add the claims of a sheet (CSV or JSON Lines) to an article, all or nothing")
    add.add_argument("sheet", help="a .csv (with a header row) or .jsonl file, one claim per row")
    add.add_argument("--article", required=True, help="the article's IRI")
    add.add_argument("--format", choices=["csv", "jsonl"], help="the sheet's format (default: from its extension)")
    _common(add)
    add.set_defaults(func=cmd_claims_add, open_kg=open_kg)

    sources = sub.add_parser("sources", help="other outlets' reports, kept as sheets in graph/sources/").add_subparsers(
        dest="action", required=True)
    build = sources.add_parser("build", help="build graph/sources/*.trig from the sheets (through the shapes)")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 when a built file is out of date")
    build.set_defaults(func=cmd_sources_build)
