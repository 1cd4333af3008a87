"""``flask --app app …`` commands. Each command is a boundary: it commits its own unit of work."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from app.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("seed-reference")
    def seed_reference_command():
        """Insert the 特种作业目录, rule tables and 实操 score sheets (idempotent)."""
        from app.exams.practical_sheets import seed_score_sheets
        from app.rules.seed import seed_reference

        ops, rules = seed_reference()
        sheets = seed_score_sheets()
        db.session.commit()
        click.echo(f"catalogue: +{ops}, rules: +{rules}, score sheets: +{sheets}")

    @app.cli.command("recompute-certificates")
    @click.option("--on", "on", default="", help="the day to compute for (YYYY-MM-DD; default today)")
    def recompute_certificates(on: str):
        """Bring every certificate in line with the rules in force when its obligations fall due (after an upgrade
        or a rule change): clears 应复审日期 no 复审 exists on any more, moves statuses. Idempotent."""
        from datetime import date

        from app.certificates.recompute import recompute
        from app.core.clock import local_today
        from app.rules.seed import seed_reference

        seed_reference()  # the rule versions it asks for
        day = date.fromisoformat(on) if on else local_today()
        total = 0
        while True:
            moved = recompute(day, limit=500)
            db.session.commit()
            total += moved
            if moved < 500:
                break
        click.echo(f"certificates changed: {total}")

    dashboards = click.Group("dashboards", help="Rollups, scores, 退出 recommendations and alerts of the dashboards.")
    app.cli.add_command(dashboards)

    @dashboards.command("refresh")
    @click.option("--on", "on", default="", help="the day to count for (YYYY-MM-DD; default today)")
    def dashboards_refresh(on: str):
        """Recount every enterprise's rollups (keyset batches, a commit each) and the region sums."""
        from datetime import date

        from app.core.clock import local_today
        from app.dashboards import rollups

        run = rollups.refresh_all(date.fromisoformat(on) if on else local_today(), commit=db.session.commit)
        db.session.commit()
        click.echo(f"rollups: {run.rows} rows for {run.enterprises} enterprises")

    @dashboards.command("verify")
    @click.option("--sample", type=int, default=0, help="enterprises to recount (0: all)")
    def dashboards_verify(sample: int):
        """Check that the rollups equal a recount from the raw rows (and the region rows their enterprises' sum)."""
        from app.dashboards import rollups, tiles

        ctx = tiles.region_ctx()
        if ctx is None:
            click.echo("no rollups yet: run flask dashboards refresh")
            sys.exit(1)
        checked, mismatches = rollups.verify(ctx, sample=sample or None)
        for m in mismatches[:50]:
            click.echo(f"MISMATCH {m.what} {m.key}: stored {m.stored}, recount {m.recount}")
        click.echo(f"checked {checked} enterprises: {len(mismatches)} mismatches")
        sys.exit(1 if mismatches else 0)

    @dashboards.command("scores")
    @click.option("--month", default="", help="YYYY-MM (default this month)")
    def dashboards_scores(month: str):
        """Compute the training institutions' 动态积分 for a month."""
        from datetime import date

        from app.core.clock import local_today
        from app.dashboards import ranking

        day = date.fromisoformat(month + "-01") if month else local_today()
        rows = ranking.compute(day)
        db.session.commit()
        click.echo(f"scores: {rows} institutions")

    @dashboards.command("alerts")
    def dashboards_alerts():
        """Write the bell's alerts due now (and the 退出 recommendations first)."""
        from app.core.clock import local_today, utcnow
        from app.dashboards import alerts, exits

        created = exits.recommend(local_today())
        written = alerts.collect(utcnow(), local_today())
        db.session.commit()
        click.echo(f"退出 recommendations: {len(created)}, alerts: {written}")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Seed the demo data once (re-running changes nothing)."""
        from app.seed.demo import seed_demo

        created = seed_demo()
        db.session.commit()
        click.echo("demo data created" if created else "demo data already present")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.password_option()
    def create_admin(username: str, password: str):
        """Create a platform administrator."""
        from app.auth.models import Role, User

        if db.session.scalars(sa.select(User).where(User.username == username)).first():
            raise click.ClickException(f"user {username!r} already exists")
        user = User(username=username, display_name=username, role=Role.ADMIN)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"created admin {username}")

    @app.cli.command("set-supervisor")
    @click.argument("username")
    @click.option("--off", is_flag=True, help="take the flag away again")
    def set_supervisor(username: str, off: bool):
        """Mark USERNAME as a 负责人 of its enterprise, institution or authority: the second person who approves
        its colleagues' corrections of 面授 attendance after the day."""
        from app.auth.models import Role, User

        user = db.session.scalars(sa.select(User).where(User.username == username)).first()
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        if user.role is Role.WORKER:
            raise click.ClickException("a worker approves nothing")
        user.supervisor = not off
        db.session.commit()
        click.echo(f"{username}: {'负责人 (approves corrections)' if user.supervisor else 'no longer 负责人'}")

    @app.cli.command("set-authority-name")
    @click.argument("code")
    @click.argument("name")
    def set_authority_name(code: str, name: str):
        """The real name of jurisdiction CODE's 应急管理部门, printed as 签发机关 on the certificates it issues from now
        on ("" for the derived one: 江苏省 → 江苏省应急管理厅, 南京市 → 南京市应急管理局)."""
        from app.tenancy.models import Jurisdiction

        jurisdiction = db.session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == code)).first()
        if jurisdiction is None:
            raise click.ClickException(f"no jurisdiction {code}")
        jurisdiction.authority_name = name.strip()[:120]
        db.session.commit()
        click.echo(f"{code}: {jurisdiction.authority}")

    @app.cli.command("set-time-zone")
    @click.argument("code")
    @click.argument("zone")
    def set_time_zone(code: str, zone: str):
        """Show times to the users of jurisdiction CODE (and the areas below it that have none) in ZONE
        (an IANA name such as Asia/Urumqi; "" for the platform default)."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from app.tenancy.models import Jurisdiction

        if zone:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise click.ClickException(f"unknown time zone {zone!r}") from None
        jurisdiction = db.session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == code)).first()
        if jurisdiction is None:
            raise click.ClickException(f"no jurisdiction {code!r}")
        jurisdiction.time_zone = zone
        db.session.commit()
        click.echo(f"{jurisdiction.name} ({code}): {zone or 'platform default'}")

    @app.cli.command("import-roster")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--enterprise", "uscc", required=True, help="统一社会信用代码 of the employer")
    def import_roster(path: Path, uscc: str):
        """Import a roster file (.xlsx/.csv) for one enterprise: every row or none."""
        from app.people import roster_import
        from app.tenancy.models import Enterprise

        enterprise = db.session.scalars(sa.select(Enterprise).where(Enterprise.uscc == uscc.strip().upper())).first()
        if enterprise is None:
            raise click.ClickException(f"no enterprise with 统一社会信用代码 {uscc}")
        count, problems = roster_import.import_file(path.read_bytes(), path.name, enterprise=enterprise, actor=None)
        if problems:
            db.session.rollback()
            for problem in problems:
                click.echo(problem.message(), err=True)
            click.echo(f"{len(problems)} problem(s); nothing imported", err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(f"imported {count} row(s) into {enterprise.name}")

    @app.cli.command("verify-archive")
    @click.option("--person", type=int, default=None, help="check one person's file only (from its start)")
    @click.option("--check-only", is_flag=True, help="write nothing (a restore drill on a copy must not pin the copy)")
    @click.option(
        "--full",
        is_flag=True,
        help="re-hash every chain from its start (by default: what is new since the last verified checkpoint, "
        "and ANPEI_ARCHIVE_VERIFY_SAMPLE older chains at random)",
    )
    def verify_archive(person: int | None, check_only: bool, full: bool):
        """Verify the 一人一档 hash chains; exit 1 naming the first broken event of each broken file.

        The run is recorded, and an intact archive is then pinned by a new checkpoint. Exit 2 (intact, but warned)
        when the latest checkpoint was older than ANPEI_ARCHIVE_CHECKPOINT_MAX_AGE_MINUTES: deletions in that
        window went unpinned.
        """
        from app.archive.checkpoints import checkpoint_overdue, write_checkpoint
        from app.archive.verification import verify_archive, verify_chain
        from app.archive.verification_runs import record_run
        from app.core import clock

        now = clock.utcnow()
        if person is not None:
            (checked, breaks), scope = verify_chain(person), ""
        else:
            outcome = verify_archive(full=full, sample=app.config["ARCHIVE_VERIFY_SAMPLE"])
            checked, breaks = outcome.checked, outcome.breaks
            scope = f" ({outcome.mode}: {outcome.chains} chain(s), {outcome.sampled} of them sampled)"
            if not check_only:
                record_run(outcome)
                db.session.commit()
        for b in breaks:
            if b.person_id is None:  # the archive as a whole: a checkpoint, or a restore older than the last one
                click.echo(f"BROKEN archive: {b.reason}", err=True)
                continue
            where = f"person {b.person_id}" + (f" event {b.event_id}" if b.event_id is not None else "")
            click.echo(f"BROKEN {where} (seq {b.seq}): {b.reason}", err=True)
        if breaks:
            sys.exit(1)
        max_minutes = app.config["ARCHIVE_CHECKPOINT_MAX_AGE_MINUTES"]
        overdue = checkpoint_overdue(timedelta(minutes=max_minutes), now)
        click.echo(f"archive intact: {checked} event(s) checked{scope}")
        if person is None and not check_only:
            written = write_checkpoint(now=now)
            db.session.commit()
            click.echo(f"checkpoint {written.id}: {written.person_count} head(s)")
        if overdue is not None:
            hours = overdue.total_seconds() / 3600
            click.echo(
                f"WARNING no checkpoint had pinned the archive for {hours:.1f} h (expected within {max_minutes} min): "
                "files changed in that time were not pinned. Is beat running (or, without a broker, "
                "ANPEI_ARCHIVE_CHECKPOINT_IN_APP on)?",
                err=True,
            )
            sys.exit(2)

    @app.cli.command("purge-records")
    def purge_records():
        """Purge what is past retention now (beat does it nightly): expired 一人一档 events sealed under epochs,
        expired 人像抓拍 and registered photos with their files, old 查阅记录; persons under a legal hold are
        skipped."""
        from app.records.purge import purge

        run = purge(db.session.commit)
        click.echo(
            f"purge run {run.id}: {run.events_purged} event(s) of {run.persons_purged} person(s), "
            f"{run.snapshots_purged} snapshot(s), {run.photos_purged} photo(s), "
            f"{run.access_log_purged} access log row(s); {run.held_skipped} held person(s) skipped"
        )

    @app.cli.command("archive-checkpoint")
    def archive_checkpoint():
        """Pin the archive heads that moved since the last checkpoint now (beat does it hourly)."""
        from app.archive.checkpoints import write_checkpoint

        written = write_checkpoint()
        db.session.commit()
        click.echo(f"checkpoint {written.id}: {written.person_count} head(s)")

    @app.cli.command("rotate-keys")
    @click.option("--force", is_flag=True, help="rotate even if the archive does not verify")
    def rotate_keys_command(force: bool):
        """Move every encrypted ID number and blind index to ANPEI_DATA_KEY (old keys in ANPEI_DATA_KEY_OLD);
        re-sign the archive heads and pin them with a checkpoint under the new key."""
        from app.rotation import RotationRefused, rotate_keys

        try:
            counts = rotate_keys(force=force)
        except RotationRefused as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))

    @app.cli.command("import-questions")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--bank",
        "bank_name",
        default="国家安全生产考试题库",
        show_default=True,
        help="name of the bank; a national bank of that name is created if none exists",
    )
    @click.option(
        "--format", "fmt", default=None, help="xlsx, csv, json, moodle, gift, aiken or text (default: detect)"
    )
    @click.option("--valid-only", is_flag=True, help="import the valid questions even if some rows have errors")
    def import_questions_command(path: Path, bank_name: str, fmt: str | None, valid_only: bool):
        """Import a question file into a bank: every question or none (unless --valid-only)."""
        from app.auth.ownership import OwnerScope
        from app.bank import services
        from app.bank.models import Bank
        from question_bank import read_questions

        result = read_questions(path.read_bytes(), filename=path.name, format=fmt)
        for error in result.errors:
            click.echo(error.message("zh"), err=True)
        if result.errors and not valid_only:
            click.echo(f"{len(result.errors)} error(s); nothing imported (use --valid-only to skip bad rows)", err=True)
            sys.exit(1)
        if not result.questions:
            click.echo("no valid questions; nothing imported", err=True)
            sys.exit(1)
        bank = db.session.scalars(sa.select(Bank).where(Bank.name == bank_name).order_by(Bank.id)).first()
        if bank is None:
            bank = services.create_bank(bank_name, scope=OwnerScope.NATIONAL)
            click.echo(f"created national bank {bank_name!r}")
        counts = services.import_questions(bank, result.questions, actor_id=None)
        db.session.commit()
        click.echo(
            f"{bank.name}: created {counts['created']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}, skipped rows with errors {len(result.errors)}"
        )

    @app.cli.command("export-questions")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
    @click.option("--bank", "bank_name", required=True, help="name of the bank")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["xlsx", "json", "moodle", "gift"]),
        default=None,
        help="default: from the file extension (.xlsx .json .xml .gift)",
    )
    def export_questions_command(path: Path, bank_name: str, fmt: str | None):
        """Write the live questions of a bank to a file."""
        from app.bank.models import Bank, BankQuestion
        from app.bank.queries import live_questions
        from question_bank import write_questions

        fmt = fmt or {".xlsx": "xlsx", ".json": "json", ".xml": "moodle", ".gift": "gift"}.get(path.suffix.lower())
        if fmt is None:
            raise click.ClickException("cannot tell the format from the extension; pass --format")
        bank = db.session.scalars(sa.select(Bank).where(Bank.name == bank_name).order_by(Bank.id)).first()
        if bank is None:
            raise click.ClickException(f"no bank named {bank_name!r}")
        rows = db.session.scalars(live_questions([bank.id]).order_by(BankQuestion.key)).all()
        path.write_bytes(write_questions([row.to_question() for row in rows], fmt))
        click.echo(f"wrote {len(rows)} question(s) to {path}")
