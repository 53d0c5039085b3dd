"""What the service may show of a configured URL: never the credentials or keys it carries.

Allow-listed endpoints may carry `user:password@` or a key in their query string (`?api_key=...`); messages, the
Service Description and logs show them through :func:`shown_endpoint`, and every error message passes through
:func:`without_credentials` before it is rendered.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#\s@<>\"]*@")
_ENCODED_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*%3A%2F%2F)(?:(?!%2F|%40)[^/?#\s@<>\"])*%40")


def shown_endpoint(iri: str) -> str:
    """The endpoint without user, password, query string or fragment (a removed query string shows as `?…`)."""
    try:
        parts = urlsplit(iri)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return "(an endpoint that is not a valid URL)"
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "…" if parts.query else "", ""))


def without_credentials(text: str) -> str:
    """The text with the `user:password@` part of every URL in it removed (plain or percent-encoded)."""
    return _ENCODED_USERINFO.sub(r"\1", _USERINFO.sub(r"\1", text))
