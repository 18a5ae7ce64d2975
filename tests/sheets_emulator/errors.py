"""Google's error envelope, raised inside the emulator and rendered by the HTTP layer."""

from __future__ import annotations

from typing import Any

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """An error the emulator answers with ``{"error": {"code", "message", "status"}}``."""

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or _STATUS.get(code, "UNKNOWN")
        self.details = details

    def body(self) -> dict[str, Any]:
        """Return the JSON body Google sends for this error."""
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str) -> ApiError:
    """A 400 INVALID_ARGUMENT error."""
    return ApiError(400, message, "INVALID_ARGUMENT")


def invalid_field(field: str, message: str) -> ApiError:
    """A 400 for a malformed request field, with the BadRequest details Google adds."""
    return ApiError(
        400,
        message,
        "INVALID_ARGUMENT",
        [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}],
            }
        ],
    )


def not_found() -> ApiError:
    """The 404 Google answers for an unknown spreadsheet id."""
    return ApiError(404, "Requested entity was not found.", "NOT_FOUND")


def unable_to_parse(range_text: str) -> ApiError:
    """The 400 Google answers for a range it cannot read."""
    return bad_request(f"Unable to parse range: {range_text}")
