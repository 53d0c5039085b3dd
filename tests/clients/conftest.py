"""Real SPARQL clients outside Python against a real `newskg serve` on loopback: Comunica (npm) and Apache Jena's
command-line tools (Debian's libapache-jena-java).

Both are installed by `make test`: `.ci/node-clients` runs `npm ci` in tests/clients/js, `.ci/system-packages` installs
libapache-jena-java (and a Java runtime) with apt-get. Run directly with pytest, the Comunica fixture runs
`.ci/node-clients` itself. In CI (CI=true) a missing client is a failure; elsewhere those tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from newskg_test_servers import ROOT, RunningServer

JS = ROOT / "tests" / "clients" / "js"
COMUNICA_CLI = JS / "node_modules" / "@comunica" / "query-sparql" / "bin" / "query.js"

JAVA_LIBS = Path("/usr/share/java")
# jena-cmds (arq.rsparql, arq.sparql) and what libapache-jena-java depends on, by Debian's version-less jar names.
JENA_JARS = [
    *(f"jena-{name}.jar" for name in (
        "cmds", "arq", "base", "core", "iri", "rdfconnection", "shacl", "shex", "tdb", "tdb2",
        "dboe-base", "dboe-index", "dboe-storage", "dboe-trans-data", "dboe-transaction")),
    "commons-cli.jar", "commons-codec.jar", "commons-compress.jar", "commons-csv.jar", "commons-io.jar",
    "commons-lang3.jar", "dexx.collection.jar", "gson.jar", "guava.jar", "httpclient.jar", "httpcore.jar",
    "jackson-core.jar", "jackson-databind.jar", "jackson-annotations.jar", "jsonld-java.jar", "jakarta.json-api.jar",
    "protobuf.jar", "thrift.jar", "titanium-json-ld.jar", "slf4j-api.jar", "slf4j-nop.jar",
]
JAVA_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]  # a quicker start for one-query runs


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run the real-client tests)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def read_server(tmp_path_factory):
    """One read-only server (the shipped data) for these tests: none of them writes."""
    running = RunningServer(tmp_path_factory.mktemp("clients") / "store")
    yield running
    running.stop()


@dataclass
class Comunica:
    node: str

    def run(self, sources: list[str], query: str, media_type: str, *, log: bool = False) -> subprocess.CompletedProcess:
        command = [self.node, str(COMUNICA_CLI), *sources, "-q", query, "-t", media_type]
        if log:
            command += ["--logLevel", "info"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False,
                              env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"})
        assert done.returncode == 0, f"comunica-sparql failed ({done.returncode}):\n{done.stderr[-3000:]}"
        return done


@pytest.fixture(scope="session")
def comunica() -> Comunica:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        unavailable("Comunica needs node and npm, not found on PATH (apt-get install nodejs npm)")
    # What `make test` runs first; here for a bare pytest: nothing to do when node_modules matches the lock file.
    done = subprocess.run(["bash", str(ROOT / ".ci" / "node-clients")], capture_output=True, text=True, timeout=600,
                          check=False)
    if done.returncode != 0 or not COMUNICA_CLI.is_file():
        pytest.fail(f".ci/node-clients could not install Comunica:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}",
                    pytrace=False)
    return Comunica(node)


@dataclass
class Jena:
    java: str
    classpath: str

    def run(self, command: str, *args: str) -> subprocess.CompletedProcess:
        """`command` is a jena-cmds main class: arq.rsparql (rsparql), arq.sparql (sparql/arq)."""
        done = subprocess.run([self.java, *JAVA_FLAGS, "-cp", self.classpath, command, *args],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{command} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done


def _relocated_xerces_messages(jena_core: Path, into: Path) -> Path | None:
    """Debian's jena-core 4.5.0-2 compiles Jena's copy of Xerces into the package `xerces` but leaves its message
    bundles under org/apache/jena/ext/xerces/, so the XSD regex parser fails ("Installation Problem???  Couldn't load
    messages") as Jena starts. The bundles, copied to where the classes look for them, are put on the class path."""
    old = "org/apache/jena/ext/xerces/"
    with zipfile.ZipFile(jena_core) as jar:
        names = set(jar.namelist())
        if "xerces/impl/xpath/regex/RegexParser.class" not in names or "xerces/impl/xpath/regex/message.properties" in names:
            return None
        for name in names:
            if name.startswith(old) and name.endswith(".properties"):
                target = into / "xerces" / name[len(old):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    return into


@pytest.fixture(scope="session")
def jena(tmp_path_factory) -> Jena:
    java = shutil.which("java")
    missing = [name for name in JENA_JARS if not (JAVA_LIBS / name).is_file()]
    if not java or missing:
        what = ("no java on PATH; " if not java else "") + (f"missing {', '.join(missing)} in {JAVA_LIBS}" if missing else "")
        unavailable(f"Apache Jena's command-line tools are not installed ({what.strip('; ')}): "
                    "apt-get install libapache-jena-java default-jre-headless")
    entries = [str(JAVA_LIBS / name) for name in JENA_JARS]
    messages = _relocated_xerces_messages(JAVA_LIBS / "jena-core.jar", tmp_path_factory.mktemp("jena-xerces"))
    if messages is not None:
        entries.append(str(messages))
    return Jena(java, os.pathsep.join(entries))
