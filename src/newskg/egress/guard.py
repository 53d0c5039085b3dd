"""A no-network zone: while a thread is inside ``no_network()``, Python code it runs cannot reach a host or a URL.

rdflib evaluates ``SERVICE`` by HTTP and opens ``file:`` and ``http:`` locations when it loads a graph; pySHACL runs
rdflib's SPARQL engine. Untrusted work runs inside the zone, so none of that can leave the process. The zone is
enforced with an audit hook (PEP 578, https://docs.python.org/3/library/audit_events.html), installed once per
process: inside the zone it refuses name lookups, socket connections and sends, every ``urllib`` request (``file:``
included), and opening files outside the Python installation. Outside the zone the hook returns at once.

Native code that does its own networking (pyoxigraph's SERVICE and LOAD) raises no audit events; the SPARQL
allow-list governs it. Threads started inside the zone are not in it.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from newskg.core.errors import ForbiddenTargetError

_NETWORK_EVENTS = frozenset({
    "socket.connect",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
    "socket.sendto",
    "socket.sendmsg",
    "http.client.connect",
    "urllib.Request",
})
_WATCHED_EVENTS = _NETWORK_EVENTS | {"open"}

_zone = threading.local()
_install_lock = threading.Lock()
_installed = False


class _Refusal(ForbiddenTargetError):
    """Raised inside the zone by the audit hook; `no_network` re-raises it as a plain ForbiddenTargetError."""


@contextmanager
def no_network(what: str = "this work") -> Iterator[None]:
    """Run the body with no network and no URL access in this thread; a refused attempt ends as a 400."""
    _install()
    depth = getattr(_zone, "depth", 0)
    if depth == 0:
        _zone.refused = []
    _zone.depth = depth + 1
    try:
        yield
        refused = list(_zone.refused)
    except _Refusal as exc:
        raise _refusal_error(what, _zone.refused or [exc.message]) from exc
    except ForbiddenTargetError:
        raise  # already a refusal (an inner zone's)
    except Exception as exc:
        if _zone.refused:  # the library wrapped our refusal in an error of its own
            raise _refusal_error(what, _zone.refused) from exc
        raise
    finally:
        _zone.depth = depth
    if refused:  # the library caught our refusal and carried on: the work is still refused
        raise _refusal_error(what, refused)


def in_no_network_zone() -> bool:
    """Whether the current thread is inside `no_network()`."""
    return getattr(_zone, "depth", 0) > 0


def _refusal_error(what: str, attempts: list[str]) -> ForbiddenTargetError:
    return ForbiddenTargetError(f"{what} may not reach the network: {attempts[0]}", detail={"refused": attempts[:10]})


def _install() -> None:
    global _installed
    if _installed:
        return
    with _install_lock:
        if not _installed:
            _code_roots()  # computed now: computing it inside the hook could import, and re-enter the hook
            sys.addaudithook(_audit)
            _installed = True


def _audit(event: str, args: tuple) -> None:
    if event not in _WATCHED_EVENTS or not getattr(_zone, "depth", 0):
        return
    if event == "open":
        path = os.fspath(args[0]) if isinstance(args[0], os.PathLike) else args[0]
        if not isinstance(path, (str, bytes)) or _is_installed_code(path):
            return  # a file descriptor, or Python's own code (a lazy import)
        attempt = f"opening {os.fsdecode(path)!r}"
    elif event == "urllib.Request":
        attempt = f"a request to {args[0]}"
    elif event in ("socket.connect", "socket.sendto"):
        attempt = f"{event} to {args[1]!r}"
    elif event == "http.client.connect":
        attempt = f"a connection to {args[1]}:{args[2]}"
    else:
        attempt = f"{event} {args[0]!r}"
    _zone.refused.append(attempt)
    raise _Refusal(attempt)


def _is_installed_code(path) -> bool:
    """Whether `path` lies inside the Python installation or this package (lazy imports must keep working)."""
    text = os.fsdecode(path)
    if "://" in text or text.startswith("file:"):
        return False
    resolved = os.path.realpath(text)
    return any(resolved == root or resolved.startswith(root + os.sep) for root in _code_roots())


@lru_cache(maxsize=1)
def _code_roots() -> tuple[str, ...]:
    """The Python installation (interpreter, virtualenv, site-packages) and this package's own folder."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sysconfig.get_paths().values()}
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return tuple(sorted({os.path.realpath(root) for root in roots if root}))
