"""逢查必考's URL map for staff: the ``spotchecks`` blueprint (``app.spotchecks.bp``) is this module in
``app.BLUEPRINTS``, and its pages live in the route modules imported below, each registering on that one blueprint
(so endpoints stay ``spotchecks.<view>``). The phone's ticket pages are ``ticket_views`` (their own blueprint)."""

from app.spotchecks import bp
from app.spotchecks import finding_views as _finding_views  # noqa: F401  (整改问题清单: their routes)
from app.spotchecks import inspection_views as _inspection_views  # noqa: F401  (list, draw, page, report: their routes)
from app.spotchecks import onsite_views as _onsite_views  # noqa: F401  (live, swap, reissue, add, close: their routes)

__all__ = ["bp"]
