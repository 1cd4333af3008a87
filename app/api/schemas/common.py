"""The shapes every part of the API shares: public ids, bounded text, strict bodies, the one error shape, paging."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PublicId = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,5}_[0-9a-f]{32}$")]


Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]


def text(max_length: int, *, required: bool = True):
    """A string of at most ``max_length`` characters (at least one when required). No silent stripping: what the
    document allows is what validation accepts; a view refuses a required field of only spaces (``api.blank``)."""
    return Annotated[str, StringConstraints(min_length=1 if required else 0, max_length=max_length)]


class Strict(BaseModel):
    """Request bodies: unknown fields are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable dotted code, e.g. `api.scope_missing`, `cert.state_changed`.")
    message: str = Field(description="The code's message in Chinese, for people.")


class Error(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


class IdempotencyHeaders(BaseModel):
    """Every POST that creates or changes something carries a key of the client's choosing: a retry with the same
    key (and the same request) changes nothing again and gets the first answer back."""

    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")] = Field(
        alias="Idempotency-Key", description="Unique per intended change, e.g. a UUID."
    )


class PageQuery(Strict):
    cursor: Annotated[str, StringConstraints(pattern=r"^cur_[0-9a-f]{32}$")] | None = Field(
        None, description="`next_cursor` of the previous page; omit for the first page."
    )
    limit: int = Field(50, ge=1, le=200, description="Items per page.")
