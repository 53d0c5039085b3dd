"""Serve an N-Quads file with rdflib-endpoint, keeping the named graphs (the peer in bench/sparql_bench.py).

    python bench/rdflib_endpoint_app.py corpus.nq --host 127.0.0.1 --port 8001

rdflib-endpoint's own CLI (``rdflib-endpoint serve FILE``) parses files into ``Dataset(default_union=True)``, whose
default graph is the union of all graphs. Here the Dataset keeps a separate default graph
(``default_union=False``), the layout that Oxigraph and newskg use, so that the three engines answer the same
queries over the same dataset. The endpoint itself is rdflib-endpoint's ``SparqlEndpoint``, unchanged.
``gc.freeze()`` after parsing spares the server full garbage-collection passes over the parsed triples.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

import uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    dataset = Dataset(default_union=False)
    dataset.parse(args.file, format="nquads")
    gc.collect()
    gc.freeze()
    print(f"rdflib-endpoint: parsed {len(dataset)} default-graph triples and "
          f"{sum(1 for _ in dataset.graphs())} graphs in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    app = SparqlEndpoint(graph=dataset, path="/sparql", title="rdflib-endpoint (bench)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
