"""Shared fixtures: a fresh on-disk store per test, the app over it, and a real uvicorn server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from newskg.config import Settings
from newskg.kg import KnowledgeGraph

ROOT = Path(__file__).resolve().parents[1]


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

    from newskg.http.app import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningServer:
    """A `newskg serve` process on a free loopback port."""

    def __init__(self, store: Path, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.store = store
        full_env = {**os.environ, "NEWSKG_STORE": str(store), **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newskg.cli", "serve", "--port", str(self.port), "--log-level", "warning"],
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{output}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError("server did not become ready")

    def stop(self, sig=None) -> None:
        if self.process.poll() is None:
            if sig is None:
                self.process.terminate()
            else:
                self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


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
