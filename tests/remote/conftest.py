"""A Virtuoso server for the whole session, and the knowledge graph over it through RemoteSparqlStore.

In CI (CI=true) a missing Virtuoso is a failure, not a skip: `.ci/run` installs Debian's virtuoso-opensource.
"""

from __future__ import annotations

import os

import pytest

from newskg.core.config import Settings
from newskg.stores.remote import RemoteSparqlStore

from .virtuoso import VirtuosoServer, virtuoso_available


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    if not virtuoso_available():
        reason = "Virtuoso (virtuoso-t, isql-vt) is not installed: apt-get install virtuoso-opensource"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI must run the remote-store tests)")
        pytest.skip(reason)
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def remote_env(virtuoso: VirtuosoServer) -> dict[str, str]:
    """The settings, as environment variables, that point newskg at the Virtuoso server."""
    return {
        "NEWSKG_STORE_KIND": "sparql",
        "NEWSKG_REMOTE_DIALECT": "virtuoso",
        "NEWSKG_REMOTE_QUERY_URL": virtuoso.url + "/sparql",
        "NEWSKG_REMOTE_UPDATE_URL": virtuoso.url + "/sparql-auth",
        "NEWSKG_REMOTE_STORE_URL": virtuoso.url + "/sparql-graph-crud-auth",
        "NEWSKG_REMOTE_USER": "dba",
        "NEWSKG_REMOTE_PASSWORD": "dba",
    }


def wipe(virtuoso: VirtuosoServer) -> None:
    """Remove everything newskg wrote (our default graph and every named graph but Virtuoso's own)."""
    env = remote_env(virtuoso)
    store = RemoteSparqlStore(env["NEWSKG_REMOTE_QUERY_URL"], update_url=env["NEWSKG_REMOTE_UPDATE_URL"],
                              user="dba", password="dba", dialect="virtuoso")
    try:
        graphs = [*store.named_graphs(), store.default_graph_iri]
        if graphs:
            store.update(" ;\n".join(f"CLEAR SILENT GRAPH <{g}>" for g in graphs))
    finally:
        store.close()


@pytest.fixture
def remote_settings(virtuoso, tmp_path) -> Settings:
    """Settings of a knowledge graph over a freshly wiped Virtuoso (the seed loads when it opens)."""
    wipe(virtuoso)
    env = remote_env(virtuoso)
    return Settings(
        store=tmp_path / "unused-store",
        write_token="test-token",
        store_kind="sparql",
        remote_dialect="virtuoso",
        remote_query_url=env["NEWSKG_REMOTE_QUERY_URL"],
        remote_update_url=env["NEWSKG_REMOTE_UPDATE_URL"],
        remote_store_url=env["NEWSKG_REMOTE_STORE_URL"],
        remote_user="dba",
        remote_password="dba",
    )


@pytest.fixture
def remote_client(remote_settings):
    from fastapi.testclient import TestClient

    from newskg.web.app import create_app

    with TestClient(create_app(remote_settings)) as client:
        yield client
