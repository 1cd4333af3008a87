"""题库's URL map: the ``bank`` blueprint (``app.bank.bp``, mounted at ``/bank``) is this module in ``app.BLUEPRINTS``,
and its pages live in the route modules imported below, each registering on that one blueprint (so endpoints stay
``bank.<view>``)."""

from app.bank import bank_views as _bank_views  # noqa: F401  (banks, a bank's page, exports: their routes)
from app.bank import bp
from app.bank import import_views as _import_views  # noqa: F401  (upload, preview, confirm, status: their routes)
from app.bank import question_views as _question_views  # noqa: F401  (edit, retire a question: their routes)
from app.bank import template_views as _template_views  # noqa: F401  (paper templates, 组卷规则: their routes)

__all__ = ["bp"]
