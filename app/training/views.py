"""Training's URL map: the ``training`` blueprint (``app.training.bp``, mounted at ``/training``) is this module in
``app.BLUEPRINTS``, and its pages live in the route modules imported below, each registering on that one blueprint
(so endpoints stay ``training.<view>`` whichever file holds the view). A new route module is imported here, and
nowhere else for its routes (``tests/test_wiring.py`` checks)."""

from app.training import bp
from app.training import class_views as _class_views  # noqa: F401  (classes, class exam, 一期一档: their routes)
from app.training import course_views as _course_views  # noqa: F401  (courses, lessons, lesson files: their routes)
from app.training import learner_views as _learner_views  # noqa: F401  (lesson page, start, heartbeat: their routes)
from app.training import ledger_views as _ledger_views  # noqa: F401  (hours ledger, rates: their routes)
from app.training import snapshot_views as _snapshot_views  # noqa: F401  (a class's 人像抓拍: their routes)

__all__ = ["bp"]
