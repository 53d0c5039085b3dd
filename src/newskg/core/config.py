"""Settings: one typed object, read from ``NEWSKG_*`` environment variables; CLI flags override them."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the service. Each field is documented in the README (a test checks it)."""

    model_config = SettingsConfigDict(env_prefix="NEWSKG_", extra="ignore")

    store: Path = Field(Path("data"), description="Folder of the embedded pyoxigraph store (created if missing).")
    host: str = Field("127.0.0.1", description="Address the server listens on. Loopback by default.")
    port: int = Field(8000, ge=0, le=65535, description="Port the server listens on.")
    write_token: SecretStr | None = Field(
        None, description="Bearer token that allows writes. Unset: the service is read-only."
    )
    writer_id_key: SecretStr | None = Field(
        None,
        description="Secret key of the public writer ids (HMAC of the token). Unset: a random key in the store folder.",
    )
    query_timeout_s: float = Field(30.0, gt=0, description="Longest a query may run, in seconds.")
    max_body_bytes: int = Field(
        10 * 1024 * 1024, gt=0, description="Largest request body accepted, in bytes (413 past it)."
    )
    max_result_rows: int = Field(100_000, gt=0, description="Most rows a SELECT may return.")
    max_concurrent_queries: int = Field(
        8, ge=1, le=64, description="Queries evaluated at once (threads of the query worker processes); more wait, "
        "then get 503."
    )
    query_processes: int = Field(
        1, ge=1, le=64,
        description="Processes the query workers run in (NEWSKG_MAX_CONCURRENT_QUERIES are threads spread over them).",
    )
    query_queue_wait_s: float = Field(
        5.0, ge=0, description="Longest a query waits for a free worker before 503, in seconds."
    )
    max_sparql_nesting: int = Field(
        64, ge=8, le=1000,
        description="Deepest nesting of { ( [ a query or update may have (400 past it; the parser recurses per level).",
    )
    sandbox_workers: int = Field(
        2, ge=1, le=32,
        description="Worker processes for untrusted work: parsing, canonicalisation, validation, reasoning, updates.",
    )
    sandbox_timeout_s: float = Field(
        30.0, gt=0, description="Longest one piece of untrusted work may run before it is stopped (503), in seconds."
    )
    sandbox_memory_bytes: int = Field(
        2 * 1024**3, ge=256 * 1024**2,
        description="Address space of a sandbox worker, in bytes; work that needs more is stopped (413).",
    )
    query_memory_bytes: int = Field(
        4 * 1024**3, ge=256 * 1024**2,
        description="Address space of a query worker, in bytes; a query that needs more is stopped (413).",
    )
    query_replica_bytes: int = Field(
        2 * 1024**3, ge=0,
        description="Memory for in-memory copies of the data in the query worker processes (one each, about 256 bytes "
        "a quad, when it fits a process's share); they answer about twice as fast as the store on disk. 0 disables.",
    )
    result_cache_bytes: int = Field(
        64 * 1024 * 1024, ge=0, description="Memory for cached query answers (emptied by every write); 0 disables."
    )
    base_iri: str = Field(
        "https://w3id.org/newskg/", description="Base of the IRIs the graph mints (served under the same paths)."
    )
    reasoner: str = Field(
        "auto", pattern="^(auto|owlrl|reasonable)$",
        description="OWL 2 RL engine: owlrl (reference), reasonable (same entailments, faster), auto (reasonable).",
    )
    infer_default: bool = Field(False, description="Whether queries include entailments when `infer` is not given.")
    service_allow: str = Field(
        "https://query.wikidata.org/sparql",
        description="Comma-separated endpoints that SERVICE and LOAD may reach (the Wikidata mirror is added).",
    )
    service_timeout_s: float = Field(
        20.0, gt=0,
        description="Time limit of one outgoing SERVICE or LOAD request, in seconds (the query's own limit applies too).",
    )
    egress_private_hosts: str = Field(
        "",
        description="Comma-separated host or host:port entries outgoing requests may reach on loopback or private "
        "addresses (a LAN mirror, a test server); empty: only public addresses.",
    )
    egress_max_response_bytes: int = Field(
        32 * 1024 * 1024, gt=0,
        description="Largest answer taken from a SERVICE endpoint, a LOAD source or Wikidata, in bytes (502 past it).",
    )
    wikidata_endpoint: str | None = Field(
        None, description="A Wikidata query service mirror; SERVICE to Wikidata's endpoint goes there instead."
    )
    wikidata_api: str = Field(
        "https://www.wikidata.org/w/api.php",
        description="Wikidata's action API (wbsearchentities), used by `newskg wikidata link`.",
    )
    wikidata_offline: bool = Field(
        False,
        description="No traffic to Wikidata: SERVICE to Wikidata is answered from the snapshot graph; link/refresh refuse.",
    )
    wikidata_min_interval_s: float = Field(
        1.0, ge=0, description="Least time between two requests to Wikidata (polite rate limit), in seconds."
    )
    wikidata_timeout_s: float = Field(30.0, gt=0, description="Time limit of one request to Wikidata, in seconds.")
    wikidata_retries: int = Field(
        4, ge=0, le=10, description="Retries of a Wikidata request answered 429 or 5xx (backoff, Retry-After honoured)."
    )
    wikidata_contact: str = Field(
        "https://w3id.org/newskg/", description="Contact URL or e-mail put in the User-Agent sent to Wikidata."
    )
    project_dir: Path | None = Field(
        None,
        description="Folder holding ontology/, graph/ and shapes/ (found next to the package when unset).",
    )
    load_seed: bool = Field(
        True, description="Load the ontology, the article graph, the snapshot and the shapes at start (once)."
    )
    max_sheet_rows: int = Field(
        1000, ge=1, description="Most claims one sheet (`newskg claims add`, POST /claims) may hold (400 past it)."
    )
    store_kind: str = Field(
        "oxigraph", pattern="^(oxigraph|sparql)$",
        description="oxigraph: the embedded store in `store`; sparql: a remote SPARQL 1.1 server (NEWSKG_REMOTE_*).",
    )
    remote_query_url: str | None = Field(None, description="Query endpoint of the remote store (store_kind=sparql).")
    remote_update_url: str | None = Field(
        None, description="Update endpoint of the remote store (default: the query endpoint)."
    )
    remote_store_url: str | None = Field(
        None, description="Graph Store Protocol endpoint of the remote store (unset: graphs are read and loaded by SPARQL)."
    )
    remote_user: str | None = Field(None, description="User for the remote store's HTTP authentication.")
    remote_password: SecretStr | None = Field(None, description="Password for the remote store's HTTP authentication.")
    remote_auth: str = Field(
        "auto", pattern="^(auto|basic|digest)$",
        description="HTTP authentication to the remote store: basic, digest, or auto (digest for Virtuoso, else basic).",
    )
    remote_dialect: str = Field(
        "generic", pattern="^(generic|virtuoso|fuseki|graphdb|qlever)$",
        description="Which server the remote store is, for its differences (default graph, results, updates).",
    )

    def service_allowlist(self) -> list[str]:
        """The endpoints SERVICE and LOAD may reach."""
        allowed = [a.strip() for a in self.service_allow.split(",") if a.strip()]
        if self.wikidata_endpoint:
            allowed.append(self.wikidata_endpoint)
        return allowed

    def write_enabled(self) -> bool:
        """True when a non-empty write token is configured."""
        return self.write_token is not None and bool(self.write_token.get_secret_value())
