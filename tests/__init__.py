"""The test suite. Under pytest-xdist each worker process gets its own PostgreSQL database, file storage and Celery
queue, set here — before the app's configuration reads the environment (tests/parallel.py)."""

from tests.parallel import per_worker_environment

per_worker_environment()
