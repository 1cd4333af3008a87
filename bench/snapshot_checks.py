"""What checking a 人像抓拍 costs: CPU per 640 × 480 snapshot upload, step by step, and the heartbeat's snapshot query.

Run: ``.venv/bin/python bench/snapshot_checks.py [--quick] [--no-db]``.

1. **The upload** (``app.people.snapshots.taking.take`` without the database): decode and scale (Pillow), the perceptual
   hashes (imagehash, whole picture and two central crops), comparing them with 300 earlier hashes of the person,
   the face detector (dlib's HOG, upsampled once, as configured), the JPEG we store. Each step's CPU per snapshot
   (``time.process_time``, one thread), on real face photos that packages ship (scikit-image's astronaut, matplotlib's
   Grace Hopper) placed in 640 × 480 frames. Baseline: the upload as it was before these checks (decode, scale,
   encode). Then the whole check on two threads at once, to show dlib releases the GIL (snapshots/s on 2 cores).
2. **The heartbeat's query** (``lesson_status``, run on every beat while snapshots are required), unless ``--no-db``:
   in a throwaway PostgreSQL database ``anpei_bench_snap_<pid>`` with the demo data, for a page with three
   snapshots: milliseconds per call (wall, including the round trip, and this process's CPU) of the new query
   (one row per snapshot of the page) and of the previous one (max/count subqueries: the baseline).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def frames(n: int):
    from PIL import Image, ImageEnhance

    from app.seed.portraits import faces

    out = []
    for k in range(n):
        face = faces()[k % 2]
        room = Image.new("RGB", (640, 480), (110 + k % 40, 118, 126))
        height = 260 + (k * 37) % 180
        scaled = face.resize((round(face.width * height / face.height), height))
        room.paste(scaled, ((k * 53) % max(1, 640 - scaled.width), (k * 29) % max(1, 480 - scaled.height)))
        room = ImageEnhance.Brightness(room).enhance(0.8 + (k % 5) / 10)
        buf = io.BytesIO()
        room.save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def cpu_per(fn, items) -> float:
    """Milliseconds of CPU per item."""
    start = time.process_time()
    for item in items:
        fn(item)
    return (time.process_time() - start) * 1000 / len(items)


def upload_costs(n: int) -> None:
    from PIL import Image

    from app.people import faces
    from app.people.images import decode_image
    from app.people.photos import hash_distance, picture_hash
    from app.people.snapshots.taking import MAX_SIDE

    uploads = frames(n)
    detector = faces.DlibDetector()

    def decoded(data):
        image = decode_image(data, max_bytes=8 << 20, code="snapshot")
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        return image

    def encoded(image):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=82, optimize=True)
        return out.getvalue()

    images = [decoded(d) for d in uploads]
    hashes = [picture_hash(i) for i in images]
    earlier = (hashes * (300 // len(hashes) + 1))[:300]
    detector.count(images[0])  # load the thread's detector (0.45 s, once per thread)
    steps = {
        "decode + scale to 640 px": cpu_per(decoded, uploads),
        "perceptual hashes (3 × pHash)": cpu_per(picture_hash, images),
        "compare with 300 earlier": cpu_per(lambda h: min(hash_distance(h, e) for e in earlier), hashes),
        "face detector (HOG, upsample 1)": cpu_per(detector.count, images),
        "encode the stored JPEG": cpu_per(encoded, images),
    }
    found = [detector.count(i) for i in images]
    baseline = steps["decode + scale to 640 px"] + steps["encode the stored JPEG"]
    total = sum(steps.values())
    print(f"upload checks, CPU per 640 × 480 snapshot ({n} snapshots, faces found: {sorted(set(found))}):")
    for name, ms in steps.items():
        print(f"  {name:34s} {ms:7.1f} ms")
    print(f"  {'total':34s} {total:7.1f} ms   baseline (decode, scale, encode: before the checks) {baseline:.1f} ms")
    print(
        f"  ratio to baseline: {total / baseline:.1f}×; the detector is {steps['face detector (HOG, upsample 1)'] / total:.0%}"
    )

    # two threads at once: dlib releases the GIL while it detects
    def work(chunk, out):
        d = faces.DlibDetector()
        d.count(images[0])
        start = time.perf_counter()
        for image in chunk:
            picture_hash(image)
            d.count(image)
        out.append(time.perf_counter() - start)

    for threads in (1, 2):
        spent: list[float] = []
        chunks = [images[k::threads] for k in range(threads)]
        pool = [threading.Thread(target=work, args=(chunk, spent)) for chunk in chunks]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        print(f"  hash + detect on {threads} thread(s): {len(images) / max(spent):.1f} snapshots/s (wall)")
    print(f"  load average {os.getloadavg()[0]:.1f} (a shared box: figures rise with it)")


def status_costs(calls: int) -> None:
    import psycopg
    import sqlalchemy as sa

    admin_dsn = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        admin = psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        print(f"heartbeat query: skipped, PostgreSQL unreachable ({exc})")
        return
    name = f"anpei_bench_snap_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        from flask_migrate import upgrade

        from app import create_app
        from app.extensions import db
        from app.people.models import Snapshot, SnapshotConsent, SnapshotContext, SnapshotPlan
        from app.people.snapshots import reading, schedule
        from app.rules.seed import seed_reference
        from app.seed.demo import seed_demo
        from config import TestingConfig

        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
        with app.app_context():
            upgrade()
            seed_reference()
            seed_demo()
            db.session.commit()
            plan = db.session.scalars(
                sa.select(SnapshotPlan)
                .join(Snapshot, Snapshot.plan_id == SnapshotPlan.id)
                .group_by(SnapshotPlan.id)
                .having(sa.func.count(Snapshot.id) >= 3)
            ).first()
            now = plan.started_at + timedelta(minutes=19)

            mine = (Snapshot.plan_id == SnapshotPlan.id, Snapshot.taken_at >= SnapshotPlan.started_at)
            previous = sa.select(
                SnapshotPlan.started_at,
                SnapshotPlan.offsets,
                SnapshotConsent.granted,
                sa.select(sa.func.max(Snapshot.taken_at)).where(*mine).scalar_subquery().label("last"),
                sa.select(sa.func.count(Snapshot.id)).where(*mine).scalar_subquery().label("count"),
            ).join(
                SnapshotConsent,
                sa.and_(
                    SnapshotConsent.person_id == SnapshotPlan.person_id,
                    SnapshotConsent.context == SnapshotPlan.context,
                    SnapshotConsent.ref_id == SnapshotPlan.ref_id,
                ),
                isouter=True,
            )

            def old():
                db.session.execute(
                    previous.where(
                        SnapshotPlan.person_id == plan.person_id,
                        SnapshotPlan.context == SnapshotContext.LESSON,
                        SnapshotPlan.token == plan.token,
                    )
                ).first()

            def new():
                schedule.lesson_status(plan.person_id, plan.token, now)

            for fn in (old, new):  # warm up: statement caches, connection
                for _ in range(50):
                    fn()
            print(
                f"heartbeat snapshot query (a page with {len(reading.snapshots_of(plan.person_id, SnapshotContext.LESSON, [plan.ref_id]))} snapshots, {calls} calls each, PostgreSQL):"
            )
            for label, fn in (("previous (max/count subqueries)", old), ("lesson_status now (rows)", new)):
                walls, cpu0 = [], time.process_time()
                for _ in range(calls):
                    t = time.perf_counter()
                    fn()
                    walls.append(time.perf_counter() - t)
                cpu = (time.process_time() - cpu0) * 1000 / calls
                print(
                    f"  {label:34s} median {statistics.median(walls) * 1000:.3f} ms wall, "
                    f"p99 {sorted(walls)[int(calls * 0.99)] * 1000:.3f} ms, {cpu:.3f} ms CPU here"
                )
            db.session.rollback()
            db.engine.dispose()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 snapshots and 500 queries instead of 100 and 3,000")
    parser.add_argument("--no-db", action="store_true", help="only the upload checks")
    args = parser.parse_args()
    os.environ.setdefault("ANPEI_CONFIG", "testing")
    from app import create_app
    from config import TestingConfig

    with create_app(TestingConfig, FACE_DETECTOR="dlib").app_context():
        upload_costs(20 if args.quick else 100)
    if not args.no_db:
        status_costs(500 if args.quick else 3000)


if __name__ == "__main__":
    main()
