"""One real `newskg serve` for the whole W3C session: no seed data, a write token, emptied between tests."""

from __future__ import annotations

import pytest

from w3c_manifests import require_shared
from w3c_server import TOKEN, W3CServer, running_server_class


@pytest.fixture(scope="session")
def w3c_server(tmp_path_factory):
    require_shared()
    running_server = running_server_class()
    server = running_server(
        tmp_path_factory.mktemp("w3c") / "store",
        env={"NEWSKG_LOAD_SEED": "false", "NEWSKG_WRITE_TOKEN": TOKEN, "NEWSKG_QUERY_TIMEOUT_S": "60"},
    )
    wrapper = W3CServer(server)
    yield wrapper
    wrapper.http.close()
    server.stop()


@pytest.fixture
def empty_server(w3c_server):
    """The session's server with an empty store."""
    w3c_server.clear()
    yield w3c_server
    w3c_server.dirty = not w3c_server.wrote_nothing
    w3c_server.wrote_nothing = False
