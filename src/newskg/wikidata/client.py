"""An HTTP client for Wikidata's search API (wbsearchentities) and its query service (SPARQL).

Polite by construction, as Wikimedia's User-Agent and API etiquette ask: a descriptive User-Agent (project,
version, contact), at most one request per `min_interval_s`, retries with exponential backoff on 429 and 5xx that
honour `Retry-After`, and a time limit per request. Both endpoints come from the settings, so tests (and mirrors)
point them at another server. Every request leaves through the egress policy (:mod:`newskg.egress.policy`): only
these two endpoints, public addresses (or hosts in NEWSKG_EGRESS_PRIVATE_HOSTS), checked redirects, capped answers.
https://meta.wikimedia.org/wiki/User-Agent_policy, https://www.mediawiki.org/wiki/API:Etiquette,
https://www.wikidata.org/w/api.php?action=help&modules=wbsearchentities
"""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import httpx

from newskg.core.config import Settings
from newskg.egress.policy import EgressClient, EgressPolicy, egress_private_hosts, user_agent
from newskg.core.errors import EgressRefusedError, NewsKGError, UpstreamError, UpstreamTimeoutError, UpstreamTooLargeError

WIKIDATA_API = "https://www.wikidata.org/w/api.php"
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 120.0


class WikidataError(NewsKGError):
    """Wikidata could not be reached, refused, or answered something we cannot read."""

    status = 502
    title = "Wikidata error"


class WikidataOfflineError(WikidataError):
    """NEWSKG_WIKIDATA_OFFLINE is set: no request may leave for Wikidata."""

    status = 503
    title = "Wikidata offline"


@dataclass(frozen=True)
class SearchHit:
    """One candidate of wbsearchentities: its QID, label, description and what matched."""

    qid: str
    label: str
    description: str
    concept_uri: str
    matched: str = ""


@dataclass(frozen=True)
class SparqlAnswer:
    """A SPARQL JSON result set with where and when it came from (the response's Date header)."""

    variables: list[str]
    bindings: list[dict]
    endpoint: str
    date: str | None = None
    query: str = field(default="", repr=False)


def http_date_to_iso(value: str | None) -> str | None:
    """An HTTP Date header as an xsd:dateTime in UTC (`2026-11-25T12:00:00Z`), or None."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER_S))


class WikidataClient:
    """Search and query Wikidata politely; one instance per command (it keeps the rate limit)."""

    def __init__(
        self,
        api_url: str = WIKIDATA_API,
        sparql_url: str = WIKIDATA_SPARQL,
        *,
        contact: str = "https://w3id.org/newskg/",
        timeout_s: float = 30.0,
        min_interval_s: float = 1.0,
        retries: int = 4,
        backoff_s: float = 1.0,
        offline: bool = False,
        private_hosts: tuple[str, ...] = (),
        max_bytes: int = EgressPolicy.max_bytes,
        transport: httpx.BaseTransport | None = None,
        resolve: Callable | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.api_url = api_url
        self.sparql_url = sparql_url
        self.min_interval_s = min_interval_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.offline = offline
        self.user_agent = user_agent(contact)
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None
        self._lock = threading.Lock()
        # the one checked exit: only these two endpoints, public addresses (or the operator's private hosts)
        policy = EgressPolicy("Wikidata", (api_url, sparql_url), tuple(private_hosts), timeout_s, max_bytes,
                              self.user_agent)
        self._http = EgressClient(policy, transport=transport, resolve=resolve)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs) -> "WikidataClient":
        """A client for the endpoints, limits and contact in the settings (the mirror, when one is set)."""
        return cls(
            settings.wikidata_api,
            settings.wikidata_endpoint or WIKIDATA_SPARQL,
            contact=settings.wikidata_contact,
            timeout_s=settings.wikidata_timeout_s,
            min_interval_s=settings.wikidata_min_interval_s,
            retries=settings.wikidata_retries,
            offline=settings.wikidata_offline,
            private_hosts=egress_private_hosts(settings),
            max_bytes=settings.egress_max_response_bytes,
            **kwargs,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "WikidataClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the two services -----------------------------------------------------------------------------
    def search(self, text: str, *, language: str = "en", limit: int = 7) -> list[SearchHit]:
        """Candidate items for a label (wbsearchentities), best first."""
        params = {
            "action": "wbsearchentities", "search": text, "language": language, "uselang": language,
            "type": "item", "limit": str(limit), "format": "json", "formatversion": "2",
        }
        body = self._json(self._request("GET", self.api_url, params=params))
        if "error" in body:
            raise WikidataError(f"wbsearchentities refused the search: {body['error'].get('info', body['error'])}")
        hits = []
        for hit in body.get("search", []):
            hits.append(SearchHit(
                qid=hit["id"],
                label=hit.get("label") or hit.get("display", {}).get("label", {}).get("value", ""),
                description=hit.get("description") or hit.get("display", {}).get("description", {}).get("value", ""),
                concept_uri=hit.get("concepturi", f"http://www.wikidata.org/entity/{hit['id']}"),
                matched=(hit.get("match") or {}).get("text", ""),
            ))
        return hits

    def sparql(self, query: str) -> SparqlAnswer:
        """Run a SELECT on the query service; the answer carries the endpoint and the response's date."""
        response = self._request(
            "POST", self.sparql_url, data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        body = self._json(response)
        try:
            return SparqlAnswer(
                variables=list(body["head"].get("vars", [])),
                bindings=list(body["results"]["bindings"]),
                endpoint=self.sparql_url,
                date=http_date_to_iso(response.headers.get("date")),
                query=query,
            )
        except (KeyError, TypeError) as exc:
            raise WikidataError(f"the query service at {self.sparql_url} did not answer in SPARQL JSON") from exc

    # --- transport ------------------------------------------------------------------------------------
    def _json(self, response: httpx.Response):
        try:
            return response.json()
        except ValueError as exc:
            raise WikidataError(f"{response.request.url.copy_with(query=None)} did not answer JSON") from exc

    def _wait_turn(self) -> None:
        with self._lock:
            if self._last is not None:
                wait = self.min_interval_s - (self._clock() - self._last)
                if wait > 0:
                    self._sleep(wait)
            self._last = self._clock()

    def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        """One request, rate-limited, retried on 429/5xx and connection errors with backoff (Retry-After wins)."""
        if self.offline:
            raise WikidataOfflineError(f"NEWSKG_WIKIDATA_OFFLINE is set: not contacting {url}")
        attempt = 0
        while True:
            self._wait_turn()
            try:
                response = self._http.request(method, url, **kwargs)
            except (EgressRefusedError, UpstreamTooLargeError):
                raise
            except UpstreamTimeoutError as exc:
                problem, response = f"no answer from {url} within the time limit", None
                error = exc
            except UpstreamError as exc:
                problem, response = f"cannot reach {url}: {exc.message}", None
                error = exc
            else:
                if response.status_code < 400:
                    return response
                problem, error = f"{url} answered {response.status_code}", None
                if response.status_code not in RETRY_STATUSES:
                    raise WikidataError(f"{problem}: {response.text[:300]}")
            if attempt >= self.retries:
                raise WikidataError(f"{problem} (after {attempt + 1} attempts)") from error
            delay = retry_after_s(response.headers.get("retry-after")) if response is not None else None
            self._sleep(self.backoff_s * 2**attempt if delay is None else delay)
            attempt += 1
