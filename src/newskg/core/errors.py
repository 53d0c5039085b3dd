"""One error hierarchy. Each error carries its HTTP status; ``http.errors`` renders them in one place."""

from __future__ import annotations


class NewsKGError(Exception):
    """Base of every error the service reports. 500 means our own fault."""

    status = 500
    title = "Internal error"

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None, detail=None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.detail = detail

    def __reduce__(self):
        # Errors cross process boundaries (query workers): keep line, column and detail.
        return (_rebuild, (type(self), self.message, self.line, self.column, self.detail))

    def to_dict(self) -> dict:
        """The body shape every error response uses."""
        body = {"error": self.title, "status": self.status, "message": self.message}
        if self.line is not None:
            body["line"] = self.line
        if self.column is not None:
            body["column"] = self.column
        if self.detail is not None:
            body["detail"] = self.detail
        return body


def _rebuild(cls, message, line, column, detail):
    return cls(message, line=line, column=column, detail=detail)


class BadRequestError(NewsKGError):
    status = 400
    title = "Bad request"


class QuerySyntaxError(BadRequestError):
    title = "SPARQL syntax error"


class RdfSyntaxError(BadRequestError):
    title = "RDF syntax error"


class ProtocolError(BadRequestError):
    title = "SPARQL protocol error"


class UpdateFailedError(NewsKGError):
    """A well-formed update that cannot apply to the store as it is (DROP of a missing graph, CREATE of an existing
    one): a conflict with the current state, not a syntax error."""

    status = 409
    title = "Update failed"


class ForbiddenTargetError(BadRequestError):
    title = "Remote target not allowed"


class UnauthorizedError(NewsKGError):
    status = 401
    title = "Unauthorized"


class ForbiddenError(NewsKGError):
    status = 403
    title = "Forbidden"


class NotFoundError(NewsKGError):
    status = 404
    title = "Not found"


class MethodNotAllowedError(NewsKGError):
    status = 405
    title = "Method not allowed"


class NotSupportedError(NewsKGError):
    """A feature this deployment does not offer (full-text search over a remote or in-memory store)."""

    status = 501
    title = "Not implemented"


class NotAcceptableError(NewsKGError):
    status = 406
    title = "Not acceptable"


class ConflictError(NewsKGError):
    status = 409
    title = "Conflict"


class PreconditionFailedError(NewsKGError):
    status = 412
    title = "Precondition failed"


class PayloadTooLargeError(NewsKGError):
    status = 413
    title = "Payload too large"


class UnsupportedMediaTypeError(NewsKGError):
    status = 415
    title = "Unsupported media type"


class ShaclViolationError(NewsKGError):
    status = 422
    title = "SHACL violation"


class InconsistencyError(NewsKGError):
    status = 422
    title = "OWL 2 RL inconsistency"


class QueryTimeoutError(NewsKGError):
    status = 503
    title = "Query time limit reached"


class OverloadedError(NewsKGError):
    status = 503
    title = "Too many concurrent queries"


class ResultTooLargeError(NewsKGError):
    status = 413
    title = "Result too large"


class StoreError(NewsKGError):
    status = 500
    title = "Store error"


class WorkTimeoutError(NewsKGError):
    """Untrusted work (parsing, canonicalisation, validation, reasoning, an update) ran past its time limit."""

    status = 503
    title = "Time limit reached"


class MemoryLimitError(NewsKGError):
    """Untrusted work needed more memory (or stack) than its sandbox allows, and was stopped."""

    status = 413
    title = "Work too large"


class NestingTooDeepError(BadRequestError):
    """A query or update nested deeper than the engine can parse safely."""

    title = "Nesting too deep"


class UpstreamError(NewsKGError):
    """A remote endpoint a query reached (a SERVICE target) failed or could not be reached."""

    status = 502
    title = "Bad gateway"


class UpstreamTimeoutError(NewsKGError):
    """A remote endpoint a query reached (a SERVICE target) did not answer in time."""

    status = 504
    title = "Gateway timeout"


class UpstreamTooLargeError(UpstreamError):
    """A remote endpoint (a SERVICE or LOAD target, Wikidata) answered more than NEWSKG_EGRESS_MAX_RESPONSE_BYTES."""

    title = "Upstream response too large"


class EgressRefusedError(ForbiddenTargetError):
    """An outgoing request refused before it left: a scheme, URL, redirect or address the egress policy forbids."""

    title = "Outgoing request refused"


class ShapesRejectedError(BadRequestError):
    """Shapes the caller supplied that pySHACL cannot apply: the caller's fault, unlike the project's own shapes."""

    title = "Shapes rejected"


class IngestError(BadRequestError):
    """Bad rows or fields of an article or a claims sheet: `errors` lists each as {"row", "column", "message"}."""

    title = "Bad input"

    def __init__(self, message: str, *, errors: list[dict] | None = None, detail=None, **_):
        errors = errors if errors is not None else (detail or {}).get("errors", [])
        super().__init__(message, detail={"errors": errors})
        self.errors = errors

    @classmethod
    def at(cls, message: str, row: int | None = None, column: str | None = None) -> "IngestError":
        """One error at a row (1-based; None for the article or the request) and a column (a field name)."""
        where = ", ".join(part for part in (f"row {row}" if row else "", f"column {column!r}" if column else "") if part)
        return cls(f"{where}: {message}" if where else message,
                   errors=[{"row": row, "column": column, "message": message}])
