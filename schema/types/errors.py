"""Errors as the API shows them: `UserError` in payloads for business-rule refusals, and
top-level GraphQL errors with `extensions.code` for authentication, authorisation and limits.
Messages are in the request's language (domain.i18n); codes never change."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from domain import i18n
from domain.errors import DomainError


@strawberry.type(description="A business-rule refusal: which input field, why, and a stable code.")
class UserError:
    field: str | None
    message: str
    code: str
    retry_after_seconds: int | None = strawberry.field(
        default=None, description="With RATE_LIMITED: seconds to wait before trying again."
    )


def user_errors(error: DomainError) -> list[UserError]:
    return [
        UserError(
            field=error.field,
            message=i18n.translate(error.message),
            code=error.code,
            retry_after_seconds=error.retry_after_seconds,
        )
    ]


# An input value the schema refuses before any resolver runs (Apollo's code for it).
BAD_USER_INPUT = "BAD_USER_INPUT"


class ApiError(GraphQLError):
    """A top-level error the client is meant to see (never masked)."""

    def __init__(self, code: str, message: str, **extensions) -> None:
        super().__init__(i18n.translate(message), extensions={"code": code, **extensions})


def unauthenticated(message: str = "Log in first.") -> ApiError:
    return ApiError("UNAUTHENTICATED", message)


def forbidden(message: str = "You are not allowed to do this.") -> ApiError:
    return ApiError("FORBIDDEN", message)


def bad_request(message: str) -> ApiError:
    return ApiError("BAD_REQUEST", message)
