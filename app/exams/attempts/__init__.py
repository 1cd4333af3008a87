"""Attempts — the concurrency core of the exam engine: start or resume, autosave, exactly-once submission,
grading, expiry, extensions, focus losses.

Functions take plain objects, an explicit ``now`` and an ``actor`` (a ``User`` or None for the system), and flush;
the view or the Celery task commits (STYLE.md 3.4). None of them reads ``current_user``, so a ticket-based entry
(逢查必考 spot checks, no login) can drive the same attempt.

Concurrency is settled by the database, without ``SELECT … FOR UPDATE``, on SQLite and PostgreSQL alike:

- start: ``INSERT … ON CONFLICT (sitting_id, person_id) DO NOTHING`` — a double start yields one attempt;
- autosave: a conditional ``UPDATE exams_attempts … WHERE state='in_progress' AND deadline >= now - grace``
  (which also orders the save against a concurrent submit on the attempt's row lock), then
  ``INSERT … ON CONFLICT (attempt_id, position) DO UPDATE … WHERE client_seq < excluded.client_seq`` — a late retry
  of an older change never overwrites a newer one. On PostgreSQL the two run as one statement (data-modifying
  CTEs), one round trip;
- submit, expire, grade: ``UPDATE … WHERE id=:id AND state IN (sources)`` and a rowcount check — exactly one
  request wins, grades and writes the archive events; every other one reads the stored result.

The pieces: ``starting``, ``autosave``, ``grading`` (submit, grade, expire), ``supervision`` (extra time, focus
losses), ``events`` (the 一人一档 entries).
"""

from app.exams import messages as _messages  # noqa: F401  (registers the exam codes)
