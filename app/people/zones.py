"""Which time zone a signed-in user reads times in: their jurisdiction's ``time_zone`` (a regulator's own, an
enterprise's, an institution's; a worker's current employer's), empty for the platform default."""

from __future__ import annotations

from flask_login import current_user

from app.core.clock import register_user_zone


def user_zone() -> str:
    if not current_user or not current_user.is_authenticated:
        return ""
    if current_user.jurisdiction is not None:
        return current_user.jurisdiction.effective_time_zone
    if current_user.enterprise is not None:
        return current_user.enterprise.jurisdiction.effective_time_zone
    if current_user.institution is not None:
        return current_user.institution.jurisdiction.effective_time_zone
    if current_user.person is not None and current_user.person.current_employments:
        return current_user.person.current_employments[0].enterprise.jurisdiction.effective_time_zone
    return ""


register_user_zone(user_zone)
