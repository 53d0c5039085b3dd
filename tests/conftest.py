"""Shared fixtures: a fresh on-disk store per test, the app over it, and a real uvicorn server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Every app and server a test starts spawns its query workers, each a fresh interpreter (about 0.3 s of CPU). The
# default of 8 would double that cost over the suite's hundreds of apps; tests of concurrency set their own count.
os.environ.setdefault("NEWSKG_MAX_CONCURRENT_QUERIES", "4")

from newskg.core.config import Settings
from newskg.kg import KnowledgeGraph
from newskg_test_servers import ROOT, RunningServer, free_port  # noqa: F401  (re-exported for test modules)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store", write_token="test-token")


@pytest.fixture
def kg(settings: Settings):
    graph = KnowledgeGraph.open(settings)
    yield graph
    graph.close()


@pytest.fixture
def client(settings: Settings):
    from fastapi.testclient import TestClient

    from newskg.web.app import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def server_factory(tmp_path: Path):
    servers: list[RunningServer] = []

    def start(store: Path | None = None, env: dict[str, str] | None = None) -> RunningServer:
        server = RunningServer(store or tmp_path / "server-store", env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(server_factory) -> RunningServer:
    return server_factory(env={"NEWSKG_WRITE_TOKEN": "test-token"})
