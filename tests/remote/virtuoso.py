"""A throwaway OpenLink Virtuoso server for the remote-store tests: its own database in a temp folder, loopback ports.

Debian's `virtuoso-opensource` package provides `virtuoso-t` (the server) and `isql-vt` (its SQL client). Nothing of
the system's own Virtuoso (under /var/lib) is touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
DisableUnixSocket        = 1
MaxClientConnections     = {connections}
CheckpointInterval       = 60
CaseMode                 = 2
DirsAllowed              = ., {dir}{extra_dirs}
NumberOfBuffers          = {buffers}
MaxDirtyBuffers          = {dirty_buffers}
MaxQueryMem              = {query_mem}
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 10

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = {dir}/vsp
MaxClientConnections        = {connections}
ServerThreads               = {connections}
MaxKeepAlives               = {connections}
KeepAliveTimeout            = {keep_alive_s}
Charset                     = UTF-8
EnabledGzipContent          = 0

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = {cost_estimation_s}
MaxQueryExecutionTime      = {execution_s}
"""


@dataclass(frozen=True)
class VirtuosoSizes:
    """What the server may use. The defaults suit the tests' small graphs; bench/sparql_bench.py asks for more."""

    buffers: int = 10_000  # 8 KB pages in memory
    dirty_buffers: int = 6_000
    query_mem: str = "500M"
    connections: int = 10  # SQL clients, HTTP threads and keep-alive connections
    keep_alive_s: int = 10
    cost_estimation_s: int = 400  # 0: no limit
    execution_s: int = 60  # 0: no limit (with one, Virtuoso's "anytime" queries may return partial answers)


def render_ini(folder: Path, sql_port: int, http_port: int, sizes: VirtuosoSizes, extra_dirs=()) -> str:
    """virtuoso.ini for a database in `folder`, on loopback ports, that may read files from `extra_dirs` too."""
    dirs = "".join(f", {d}" for d in extra_dirs)
    return INI.format(dir=folder, sql_port=sql_port, http_port=http_port, extra_dirs=dirs, **vars(sizes))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def virtuoso_available() -> bool:
    return shutil.which("virtuoso-t") is not None and shutil.which("isql-vt") is not None


class VirtuosoServer:
    """`virtuoso-t +foreground` over a fresh database in `folder`, on free loopback ports (pinned to `cpus` if given)."""

    def __init__(self, folder: Path, sizes: VirtuosoSizes = VirtuosoSizes(), extra_dirs=(), cpus: set[int] | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "vsp").mkdir(exist_ok=True)
        self.sql_port = free_port()
        self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.ini_text = render_ini(self.folder, self.sql_port, self.http_port, sizes, extra_dirs)
        ini = self.folder / "virtuoso.ini"
        ini.write_text(self.ini_text)
        self.log = open(self.folder / "stdout.log", "wb")
        self.process = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(ini)],
            cwd=self.folder, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )

    def wait_ready(self, timeout_s: float = 120) -> None:
        """Poll the HTTP /sparql endpoint with `ASK {}` until it answers 200 (the process exiting is noticed)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                response = httpx.get(self.url + "/sparql", params={"query": "ASK {}"}, timeout=2)
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"virtuoso did not answer within {timeout_s} s:\n{self.log_tail()}")

    def isql(self, sql: str, timeout_s: float = 60) -> str:
        """Run SQL as dba (the fresh database's password is dba)."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
            capture_output=True, text=True, timeout=timeout_s,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql {sql[:80]!r} failed: {done.stdout[-1500:]}\n{done.stderr[-1500:]}")
        return done.stdout

    def log_tail(self, n: int = 30) -> str:
        path = self.folder / "virtuoso.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        text += (self.folder / "stdout.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-n:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
