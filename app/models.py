"""Import every model module so ``db.metadata`` is complete (Alembic autogenerate, tests)."""

from app.api import models as api_models  # noqa: F401
from app.api import tasks as api_tasks  # noqa: F401  (registers Celery tasks and the webhook listeners)
from app.archive import models as archive_models  # noqa: F401
from app.archive import tasks as archive_tasks  # noqa: F401  (registers Celery tasks)
from app.auth import models as auth_models  # noqa: F401
from app.bank import models as bank_models  # noqa: F401
from app.bank import tasks as bank_tasks  # noqa: F401  (registers Celery tasks)
from app.certificates import bundle_tasks as certificates_bundle_tasks  # noqa: F401  (registers Celery tasks)
from app.certificates import mail_tasks as certificates_mail_tasks  # noqa: F401  (registers Celery tasks)
from app.certificates import models as certificates_models  # noqa: F401
from app.certificates import tasks as certificates_tasks  # noqa: F401  (registers Celery tasks)
from app.core import limits as core_limits  # noqa: F401  (limiter counters)
from app.core import tasks as core_tasks  # noqa: F401  (registers Celery tasks)
from app.dashboards import models as dashboards_models  # noqa: F401
from app.dashboards import tasks as dashboards_tasks  # noqa: F401  (registers Celery tasks)
from app.exams import models as exams_models  # noqa: F401
from app.exams import tasks as exams_tasks  # noqa: F401  (registers Celery tasks)
from app.exams.practical import models as exams_practical_models  # noqa: F401
from app.people import models as people_models  # noqa: F401
from app.people import tasks as people_tasks  # noqa: F401  (registers Celery tasks)
from app.records import models as records_models  # noqa: F401
from app.records import tasks as records_tasks  # noqa: F401  (registers Celery tasks)
from app.rules import models as rules_models  # noqa: F401
from app.spotchecks import models as spotchecks_models  # noqa: F401
from app.spotchecks import tasks as spotchecks_tasks  # noqa: F401  (registers Celery tasks)
from app.tenancy import models as tenancy_models  # noqa: F401
from app.training import models as training_models  # noqa: F401
from app.training import tasks as training_tasks  # noqa: F401  (registers Celery tasks)
