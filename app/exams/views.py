"""The exams URL map: the ``exams`` blueprint (``app.exams.bp``, mounted at ``/exams``) is this module in
``app.BLUEPRINTS``, and its pages live in the route modules imported below, each registering on that one blueprint
(so endpoints stay ``exams.<view>``). 实操 and the overrides list are separate blueprints (``practical_views``,
``override_views``)."""

from app.exams import attempt_views as _attempt_views  # noqa: F401  (an attempt for the organiser: their routes)
from app.exams import bp
from app.exams import candidate_views as _candidate_views  # noqa: F401  (the exam page and its API: their routes)
from app.exams import sitting_views as _sitting_views  # noqa: F401  (sittings, results, 补考: their routes)

__all__ = ["bp"]
