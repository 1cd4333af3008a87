"""Deny by default: every endpoint needs a logged-in user unless it is marked ``@public``.

Role checks use ``@roles_required``; object checks go through ``app.auth.scope``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

from app.auth.models import Role

PUBLIC_ATTR = "_anpei_public"


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in (login page, certificate verification, …)."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def is_public_endpoint(endpoint: str | None) -> bool:
    if endpoint is None or endpoint == "static":
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(view is not None and getattr(view, PUBLIC_ATTR, False))


def require_login():
    """``before_request`` hook: send guests to the login page unless the endpoint is public."""
    if is_public_endpoint(request.endpoint) or current_user.is_authenticated:
        return None
    return current_app.login_manager.unauthorized()


def roles_required(*roles: Role) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped._anpei_roles = roles  # read by the access-matrix test
        return wrapped

    return decorator
