"""Fixtures for the Wikidata tests: a Wikidata stand-in on loopback, and settings that point at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from newskg.core.config import Settings

from mock_wikidata import MockWikidata


@pytest.fixture
def wikidata():
    mock = MockWikidata().start()
    yield mock
    mock.stop()


@pytest.fixture
def wikidata_env(wikidata, monkeypatch, tmp_path: Path) -> dict[str, str]:
    """Environment for in-process CLI runs: endpoints at the stand-in, no politeness delay, a fresh store."""
    env = {
        "NEWSKG_WIKIDATA_API": wikidata.api,
        "NEWSKG_WIKIDATA_ENDPOINT": wikidata.sparql,
        "NEWSKG_WIKIDATA_MIN_INTERVAL_S": "0",
        "NEWSKG_WIKIDATA_TIMEOUT_S": "10",
        "NEWSKG_EGRESS_PRIVATE_HOSTS": "127.0.0.1",  # the stand-in is on loopback, which egress refuses by default
        "NEWSKG_STORE": str(tmp_path / "store"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def wikidata_settings(wikidata, tmp_path: Path) -> Settings:
    return Settings(
        store=tmp_path / "store", wikidata_api=wikidata.api, wikidata_endpoint=wikidata.sparql,
        wikidata_min_interval_s=0, wikidata_timeout_s=10, egress_private_hosts="127.0.0.1",
    )
