"""gunicorn settings, read by itself from the directory gunicorn runs in; the command line still sets the bind
address, workers and threads (README: production)."""

import gc
import os


def on_starting(server):
    """Refuse a bind beyond loopback in embedded or testing mode, whose keys nobody chose (config.check_bind)."""
    from config import ConfigError, check_bind, config_from_env

    try:
        check_bind(config_from_env(), server.cfg.address)
    except ConfigError as exc:
        server.log.error("%s", exc)
        raise SystemExit(2) from None


def post_worker_init(worker):
    """Freeze the heap the app built while loading (~190,000 objects: modules, mappers, compiled templates) out of
    the garbage collector's reach. A full collection then walks only what requests allocate: 3 ms instead of
    ~120 ms, during which every thread of the worker stands still (measured while candidates start an exam)."""
    gc.collect()
    gc.freeze()


#: Each worker touches a file every time round its loop to tell the master it is alive; on a disk-backed /tmp that
#: can stall it (gunicorn's own advice for its --worker-tmp-dir). Memory-backed where the system has it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 — gunicorn's heartbeat files in RAM, as its docs advise
