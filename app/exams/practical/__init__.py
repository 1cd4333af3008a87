"""特种作业 实际操作考试 (实操): sittings at a 实操考点, candidates admitted on a passed theory exam, the examiners'
signed score sheets, grading exactly once — and what the certificates layer asks of it (:func:`passed_practical`,
:func:`theory_pass`).

The rules come from the rule tables, in the version in force **on the exam day** (DOMAIN.md §2.0, §2.2):

- pass mark ``exam.practical.pass_mark`` (80 of 100) and examiners per candidate ``exam.practical.examiners`` (2),
  frozen on the sitting when it is created;
- attempts per passed theory exam ``exam.practical.attempts``: 2 before 2026-06-01 (the exam and one 补考, 30号令
  第十三条), 5 from then (应急管理部令第19号); when they are used up, ``exam.practical.retraining_after_limit`` says
  what follows: re-training (before 2026-06-01) or the theory exam again, without training (from then);
- a passed theory or practical exam stays valid ``exam.score_valid_months`` (12) from its exam day.

A candidate's score is the mean of the examiners' totals, rounded half up to one decimal (:func:`mean_score`);
they pass with a score ≥ the pass mark and no 否决项 recorded as failed by any examiner.

Concurrency, without ``SELECT … FOR UPDATE``: a signature inserts the examiner's row (``INSERT … ON CONFLICT DO
NOTHING`` on (attempt, examiner): one signature per examiner, however often the button is pressed), then moves the
attempt's ``signatures`` counter by one conditional ``UPDATE … WHERE graded_at IS NULL RETURNING signatures``. That
row lock serialises the signatures of one attempt, so the signer who brings the count to the required number sees
every other signature (committed before its lock was granted) and grades, by one conditional ``UPDATE … WHERE
graded_at IS NULL … RETURNING`` — exactly once. Refusals raise :class:`DomainError` before anything is written, or
(a race lost) after, and the boundary rolls back. The pieces: ``models`` (the tables), ``validity``, ``sittings``,
``candidates``, ``scoring``, ``outcomes``, ``reading``. Functions flush; the view, task or seed commits.
"""

from app.exams import messages as _messages  # noqa: F401  (registers the exam codes)
