"""The session's server: started once with the conftest helpers, emptied between tests with the write token."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx

TOKEN = "w3c-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def running_server_class():
    # tests/conftest.py holds RunningServer; both files are named conftest, so load it by path.
    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("newskg_tests_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RunningServer


class W3CServer:
    """The session's server and an HTTP client to it, with the write token at hand."""

    def __init__(self, server):
        self.server = server
        self.url = server.url
        self.http = httpx.Client(base_url=server.url, timeout=60)
        self.dirty = True  # whether the store may hold anything; a write through the gate costs ~0.2 s
        self.wrote_nothing = False  # set by a test that only read, so the next one need not empty the store

    def clear(self) -> None:
        """Empty the whole store (DROP ALL with the token), unless nothing was written since the last time."""
        if not self.dirty:
            return
        self.dirty = False
        response = self.http.post(
            "/sparql", content="DROP ALL", headers={"Content-Type": "application/sparql-update", **AUTH}
        )
        assert response.status_code == 204, response.text

    def put_graph(self, graph: str | None, ntriples: bytes) -> None:
        """Replace the default graph (None) or a named graph through the Graph Store Protocol."""
        params = {"default": ""} if graph is None else {"graph": graph}
        response = self.http.put(
            "/store", params=params, content=ntriples, headers={"Content-Type": "application/n-triples", **AUTH}
        )
        assert response.status_code in (201, 204), response.text


