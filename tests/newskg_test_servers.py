"""Real servers for tests: `newskg serve` on a free loopback port, polled until ready (never a fixed sleep).

Kept out of conftest.py so that test modules can import it by a name no other conftest shadows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


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
        if self.process.stdout is not None:
            self.process.stdout.close()  # else an unclosed-file ResourceWarning when the Popen is collected


class LoopbackServer:
    """Base of the tests' stand-in HTTP endpoints: `serve(Handler)` listens on 127.0.0.1 (a free port) in a daemon
    thread until `close()`; `url` is the endpoint (`path` on that port)."""

    path = "/sparql"

    def serve(self, handler) -> None:
        from http.server import ThreadingHTTPServer
        import threading

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{self.path}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
