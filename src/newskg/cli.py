"""The `newskg` command: serve, load, query, search, validate, export, wikidata, article, claims, index."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from newskg.core.config import Settings
from newskg.core.errors import NewsKGError, RdfSyntaxError, StoreError


def _settings(args: argparse.Namespace, **overrides) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if getattr(args, "store", None) is not None:
        values["store"] = args.store
    return Settings(**values)


def _open(args: argparse.Namespace, **overrides):
    from newskg.kg import KnowledgeGraph

    settings = _settings(args, **overrides)
    try:
        return KnowledgeGraph.open(settings)
    except StoreError as exc:
        if "lock" in exc.message.lower():
            raise StoreError(
                f"the store at {settings.store} is in use by another process (is `newskg serve` running?)"
            ) from exc
        raise


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from newskg.web.app import create_app

    settings = _settings(args, host=args.host, port=args.port)
    app = create_app(settings)
    print(f"newskg: serving {settings.store} at http://{settings.host}:{settings.port}/sparql", file=sys.stderr)
    from newskg.web.http_protocol import H2cTolerantProtocol  # ignores Upgrade: h2c (Java clients), uvicorn#2722

    from newskg.core.heap import freeze_startup_objects

    freeze_startup_objects()  # no 20-40 ms collection passes over what start-up loaded, under a request
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=args.log_level, http=H2cTolerantProtocol)
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    kg = _open(args)
    try:
        for path in args.files:
            path = Path(path)
            if not path.is_file():
                raise NewsKGError(f"no such file: {path}")
            size = path.stat().st_size
            with tqdm(total=size, unit="B", unit_scale=True, desc=path.name, disable=args.quiet or size < 1 << 20) as bar:

                kg.load_file(path, graph=args.graph, wrap=lambda raw, bar=bar: _Counting(raw, bar))
            if not args.quiet:
                print(f"loaded {path}", file=sys.stderr)
    finally:
        kg.close()
    return 0


class _Counting:
    """A binary reader that advances a progress bar by the bytes read."""

    def __init__(self, raw, bar):
        self._raw, self._bar = raw, bar

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._bar.update(len(data))
        return data

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        self._bar.update(n or 0)
        return n


def _open_for_reading(args: argparse.Namespace, **overrides):
    """The knowledge graph for read-only jobs: a read-only view when a running server holds the store."""
    return _reading_view(args, **overrides)[0]


def _reading_view(args: argparse.Namespace, **overrides):
    """(the knowledge graph, whether it is a read-only view beside a running server) for a read-only job.

    The store is opened as usual when no server holds it. Beside a server it is opened read-only (pyoxigraph's
    `Store.read_only`, RocksDB's read-only mode): no lock is taken, and the view shows the store as it was when it
    was opened, the server's acknowledged writes included. The server may compact meanwhile, moving files under the
    view; pyoxigraph calls reading beside a writer undefined, so the view is short-lived and opened again on failure.
    """
    from newskg.kg import KnowledgeGraph
    from newskg.search.index import TextIndex, index_folder
    from newskg.stores.embedded import OxigraphStore

    settings = _settings(args, **overrides)
    if settings.store_kind == "oxigraph" and (Path(settings.store) / "CURRENT").exists():
        try:
            return _open(args, **overrides), False
        except StoreError:
            read_only = settings.model_copy(update={"load_seed": False})
            kg = KnowledgeGraph(read_only, OxigraphStore.read_only(Path(settings.store)))
            try:  # the running server keeps the text index in step; read its last commit
                kg.text_index = TextIndex(index_folder(Path(settings.store)), read_only=True)
            except StoreError:
                pass  # no index yet: text search and text:score say so
            return kg, True
    return _open(args, **overrides), False


def _query_text(query: str) -> str:
    if not query.startswith("@"):
        return query
    path = Path(query[1:])
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NewsKGError(f"cannot read the query from {path}: {exc}") from None


def _server(args: argparse.Namespace):
    """The running server named by --server, reached through the egress policy (see clientside/server.py)."""
    from newskg.clientside.server import ServerClient

    return ServerClient(args.server, timeout_s=args.timeout, token=args.token,
                        fallback_token=os.environ.get("NEWSKG_WRITE_TOKEN"))


def _to_stdout(write) -> int:
    """Run `write(stdout)` and flush. A reader that closed the pipe early (`| head -1`) ends the command quietly, exit
    0: stdout is pointed at os.devnull, as Python's signal docs advise, so the interpreter's last flush fails no more."""
    try:
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 0


def _display_prefixes() -> dict[str, str]:
    from newskg.web.page_data import DISPLAY_PREFIXES, SERIALIZATION_PREFIXES

    return {**DISPLAY_PREFIXES, **SERIALIZATION_PREFIXES}


def cmd_query(args: argparse.Namespace) -> int:
    import shutil

    from newskg.clientside.answers import plan_output, query_form
    from newskg.sparql.protocol import QueryRequest

    text = _query_text(args.query)
    to_terminal = sys.stdout.isatty()
    output = plan_output(args.format, to_terminal, query_form(text))
    if args.server:
        with _server(args) as server:
            response = server.request("POST", "/sparql", data={"query": text, "format": output.wire})
        body, content_type = response.content, response.headers.get("content-type", "")
    else:
        for attempt in (1, 2):
            kg, read_only = _reading_view(args)
            try:
                answer = kg.answer(QueryRequest(text, format=output.wire), None)
                break
            except StoreError:
                if not read_only or attempt == 2:
                    raise  # a read-only view beside a server: files may have moved under it; opened again once
            finally:
                kg.close()
        body, content_type = answer.body, answer.content_type
    width = shutil.get_terminal_size().columns if to_terminal else None
    shown = output.show(body, content_type, _display_prefixes(), width)
    return _to_stdout(lambda out: out.write(shown))


def cmd_search(args: argparse.Namespace) -> int:
    import html
    import re

    from newskg.web.page_data import Site
    from newskg.search.results import SearchRequest, search

    params = [("q", args.query), ("limit", str(args.limit))] + [("type", t) for t in args.type or []]
    if args.lang:
        params.append(("lang", args.lang))
    request = SearchRequest.from_params(params)
    kg = _open_for_reading(args)
    try:
        answer = search(kg, Site(kg.settings.base_iri), request)
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps(answer, ensure_ascii=False, indent=1))
        return 0
    for hit in answer["hits"]:
        words = html.unescape(re.sub(r"</?b>", "*", hit["snippet"]))
        print(f"{hit['score']:7.3f}  {hit['type']:<8} {hit['iri']}\n         {hit['field']}@{hit['lang'] or '-'}: {words}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from newskg.sandbox.tasks import ShapesInput
    from newskg.sparql.formats import format_for_path
    from newskg.writes.validation import ShapesError

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RdfSyntaxError(f"cannot read {path}: {exc}") from exc
    shapes = None
    if args.shapes:
        shapes_path = Path(args.shapes)
        shapes = ShapesInput(shapes_path.read_bytes(), format_for_path(shapes_path).media_type, trusted=True)
    kg = _open_for_reading(args)
    try:
        report = kg.gate.validate(
            data, format_for_path(path).media_type, inference=args.inference, shapes=shapes,
            report_format="turtle" if args.format == "turtle" else None, base_iri=path.resolve().as_uri(),
        )
    except ShapesError as exc:
        print(f"newskg: the shapes are broken: {exc}", file=sys.stderr)
        return 2
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    elif args.format == "turtle":
        print(report.report_text)
    else:
        print("conforms" if report.conforms else f"does not conform: {len(report.results)} result(s)")
        for r in report.results:
            print(f"- {r.severity}: {r.focus_node} {r.path or ''}: {r.message}")
    return 0 if report.conforms else 1


def cmd_reason(args: argparse.Namespace) -> int:
    kg = _open(args)
    try:
        found = kg.gate.refresh_all(args.engine)
    finally:
        kg.close()
    print(f"{len(found.triples)} entailments with {found.engine} in {found.seconds:.2f} s", file=sys.stderr)
    return 0


def _export_graphs(values: list[str] | None) -> list[str] | None:
    """The --graph values: "" for `default`, an absolute IRI for every other one; None (every graph) when none."""
    from newskg.sparql.protocol import checked_iri

    if not values:
        return None
    return ["" if value == "default" else checked_iri(value, "--graph") for value in dict.fromkeys(values)]


def _write_export(args: argparse.Namespace, write) -> int:
    """Run `write(out)` into -o FILE (through FILE.partial, so a failed export leaves no half file) or stdout."""
    if not args.output:
        return _to_stdout(write)
    target = Path(args.output)
    partial = target.with_name(target.name + ".partial")
    try:
        try:
            with open(partial, "wb") as out:
                write(out)
            os.replace(partial, target)
        except OSError as exc:
            raise NewsKGError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from newskg.sparql.formats import DATASET_FORMATS, negotiate

    fmt = negotiate(DATASET_FORMATS, None, args.format)
    graphs = _export_graphs(args.graph)
    if args.server:
        from newskg.clientside.server import read_export

        with _server(args) as server:
            body = read_export(server, graphs, fmt)  # every graph found before a byte is written
        return _write_export(args, lambda out: out.write(body))
    kg = _open_for_reading(args, load_seed=False)
    try:
        return _write_export(args, lambda out: kg.export(out, fmt.engine, graphs))  # 404 before a byte is written
    finally:
        kg.close()


def cmd_index_rebuild(args: argparse.Namespace) -> int:
    import shutil

    from newskg.search.index import index_folder

    settings = _settings(args)
    if settings.store_kind == "sparql":
        raise NewsKGError("a remote store has no text index here: full-text search needs the embedded store")
    shutil.rmtree(index_folder(Path(settings.store)), ignore_errors=True)
    kg = _open(args)  # opening builds the index afresh from the store (a progress bar past 1000 documents)
    try:
        count = len(kg.text_index)
    finally:
        kg.close()
    print(f"{count} text literals indexed")
    return 0


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="URL",
                        help="a running newskg server (e.g. http://127.0.0.1:8000) instead of the store folder")
    parser.add_argument("--token", help="the server's token, when it asks for one (default: NEWSKG_WRITE_TOKEN, "
                                        "sent only after the server answers 401)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the server (default 120)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newskg", description="A knowledge graph of news events and claims.")
    parser.add_argument("--store", type=Path, help="store folder (overrides NEWSKG_STORE)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the HTTP service")
    serve.add_argument("--host", help="listen address (overrides NEWSKG_HOST)")
    serve.add_argument("--port", type=int, help="listen port (overrides NEWSKG_PORT)")
    serve.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(func=cmd_serve)

    load = sub.add_parser("load", help="bulk-load RDF files, bypassing the SHACL gate (admin)")
    load.add_argument("files", nargs="+", help="RDF files; the syntax is taken from the extension")
    load.add_argument("--graph", help="load triples into this named graph (IRI)")
    load.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")
    load.add_argument("--quiet", action="store_true", help="no progress bar or messages")
    load.set_defaults(func=cmd_load)

    query = sub.add_parser(
        "query", help="run a SPARQL query (text, or @file.rq), on the store folder or a running server",
        description="Run a SPARQL query. On a terminal SELECT prints an aligned table (IRIs with the project's "
        "prefixes, long cells cut); into a pipe or a file it prints SPARQL TSV. ASK prints true or false; CONSTRUCT "
        "and DESCRIBE print Turtle. Beside a running `newskg serve` the store folder is read read-only; --server "
        "asks the server instead.",
    )
    query.add_argument("query", help="the query, or @FILE to read it from a file")
    query.add_argument("--format", default=None,
                       help="SELECT/ASK: table, json, xml, csv or tsv (default: table on a terminal, tsv otherwise); "
                            "CONSTRUCT/DESCRIBE: turtle (default), nt, rdfxml, jsonld, trig or nq (json: JSON-LD, "
                            "xml: RDF/XML)")
    _server_options(query)
    query.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")
    query.set_defaults(func=cmd_query)

    search = sub.add_parser("search", help="full-text search over the claims, articles and labels")
    search.add_argument("query", help="words, OR/AND, -word, \"a phrase\", prefix*")
    search.add_argument("--lang", choices=("nl", "en"), help="only Dutch- or English-analysed text")
    search.add_argument("--type", action="append", help="claim, article, actor, event, place, group, other")
    search.add_argument("--limit", type=int, default=20, help="at most this many subjects (1 to 1000)")
    search.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or the JSON of /search")
    search.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")
    search.set_defaults(func=cmd_search)

    validate = sub.add_parser("validate", help="validate an RDF file against the shapes (exit 0/1/2)")
    validate.add_argument("file")
    validate.add_argument("--shapes", type=Path, help="alternative shapes file")
    validate.add_argument("--format", default="text", choices=["text", "json", "turtle"])
    validate.add_argument("--inference", default="none", choices=["none", "rdfs", "owlrl"])
    validate.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")
    validate.set_defaults(func=cmd_validate)

    reason = sub.add_parser("reason", help="recompute the OWL 2 RL entailments of the whole store")
    reason.add_argument("--engine", choices=["auto", "owlrl", "reasonable"], default=None)
    reason.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")
    reason.set_defaults(func=cmd_reason)

    export = sub.add_parser(
        "export", help="write the whole dataset, or some of its graphs",
        description="Write the dataset (every graph, or the --graph ones with their names) as TriG or N-Quads, from "
        "the store folder (read-only beside a running `newskg serve`) or from a running server (--server: its Graph "
        "Store, which refuses more than NEWSKG_MAX_RESULT_ROWS triples).",
    )
    export.add_argument("--format", default="trig", choices=["trig", "nquads"])
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.add_argument("--graph", action="append", metavar="IRI",
                        help="only this named graph (repeat for more); `default` for the default graph")
    _server_options(export)
    export.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")
    export.set_defaults(func=cmd_export)

    index = sub.add_parser("index", help="the full-text index beside the store")
    index_sub = index.add_subparsers(dest="index_command", required=True)
    rebuild = index_sub.add_parser("rebuild", help="delete the text index and build it again from the store")
    rebuild.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder (overrides NEWSKG_STORE)")
    rebuild.set_defaults(func=cmd_index_rebuild)

    from newskg.wikidata.commands import add_wikidata_commands

    add_wikidata_commands(sub, open_kg=_open)  # handed down: nothing below the CLI imports it

    from newskg.ingest.commands import add_ingest_commands

    add_ingest_commands(sub, open_kg=_open)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except NewsKGError as exc:
        where = f" (line {exc.line}, column {exc.column})" if exc.line is not None else ""
        print(f"newskg: {exc.message}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
