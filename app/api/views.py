"""``/api/v1``: the API's URL map. The ``api`` blueprint (``app.api.bp``) is this module in ``app.BLUEPRINTS``, and its
routes live in the route modules imported below, each registering on that one blueprint (so endpoints stay
``api.<view>`` whichever file holds the view). A new route module is imported here, and nowhere else for its routes
(``tests/test_wiring.py`` checks).

Each route is declared once — path, scope, query/body/response models — and the OpenAPI document is generated from
these declarations (``app.api.spec``). Views load through the domains' ``scope.py`` with the calling client's
:class:`~app.api.principal.Principal` (``app.api.params`` turns public ids and cursors into rows in that scope),
shape through ``app.api.represent`` (which asks ``app.auth.policy``), and call the domains' services for writes;
``app.api.base_views`` commits."""

from app.api import bp
from app.api import certificate_views as _certificate_views  # noqa: F401  (certificates: their routes)
from app.api import document_views as _document_views  # noqa: F401  (the OpenAPI document, its page, /me: their routes)
from app.api import exam_views as _exam_views  # noqa: F401  (exam and 实操 results: their routes)
from app.api import export_views as _export_views  # noqa: F401  (NDJSON exports: their routes)
from app.api import inspection_views as _inspection_views  # noqa: F401  (逢查必考, findings: their routes)
from app.api import person_views as _person_views  # noqa: F401  (enterprises, roster, persons: their routes)
from app.api import training_views as _training_views  # noqa: F401  (学时台账, a person's hours, 结业: their routes)
from app.api import verification_views as _verification_views  # noqa: F401  (public verification: their routes)
from app.api import webhook_views as _webhook_views  # noqa: F401  (webhook subscriptions, deliveries: their routes)
from app.extensions import csrf

csrf.exempt(bp)  # bearer tokens, never cookies: a browser cannot be tricked into sending one

__all__ = ["bp"]
