"""People's URL map: the ``people`` blueprint (``app.people.bp``) is this module in ``app.BLUEPRINTS``, and its pages
live in the route modules imported below, each registering on that one blueprint (so endpoints stay
``people.<view>`` whichever file holds the view). A new route module is imported here, and nowhere else for its
routes (``tests/test_wiring.py`` checks)."""

from app.people import access_views as _access_views  # noqa: F401  (查阅记录: their routes)
from app.people import bp
from app.people import enterprise_views as _enterprise_views  # noqa: F401  (enterprises: their routes)
from app.people import own_record_views as _own_record_views  # noqa: F401  (downloads, 更正申请: their routes)
from app.people import person_views as _person_views  # noqa: F401  (一人一档, photo, /me: their routes)
from app.people import roster_import_views as _roster_import_views  # noqa: F401  (roster import: their routes)
from app.people import roster_views as _roster_views  # noqa: F401  (花名册, employments; the post_label filter)
from app.people import timeline as _timeline  # noqa: F401  (registers the 一人一档 timeline routes)
from app.people import zones as _zones  # noqa: F401  (registers the user's time zone with the clock)

__all__ = ["bp"]
