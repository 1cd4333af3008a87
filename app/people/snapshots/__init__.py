"""人像抓拍: the learner's consent, the server's random schedule, the snapshots and the face check.

Studying a lesson (``training``) and sitting an online exam (``exams``) both use this module; it lives in the people
layer so that both may. The rules:

* **Consent first.** A person answers once per class (lessons) or per sitting (exams); the answer is recorded with
  its time and written into the 一人一档 (``snapshot.consent`` / ``snapshot.refused``). Without consent no snapshot
  is taken, and a lesson credits nothing (the exam itself goes on; its organiser sees the refusal).
* **The server decides when.** :func:`open_plan` draws the schedule when a lesson page opens or an exam starts: one
  snapshot at the start and ``count - 1`` at random moments over the time ahead (``secrets.SystemRandom``). The page
  is only told *that* one is due (:func:`status`), so it cannot prepare for the next, nor skip one. A snapshot covers
  every moment before it. While the latest moment passed is not covered, :attr:`Status.ok` is False, which pauses
  crediting, except for ``grace`` seconds after a random moment — and only when every earlier moment is covered (the
  start one included): no second is credited before the start snapshot, and a page that skips one random snapshot
  gets no grace at any later moment.
* **A snapshot proves presence.** :func:`take` refuses, before storing anything (so the moment stays due and the page
  can retake it at once): a picture that is the same picture again (perceptual hash within
  ``ANPEI_SNAPSHOT_SAME_PICTURE_BITS`` of an earlier snapshot of the person or of the registered photo), and, with
  face detection on (``ANPEI_FACE_DETECTOR``, ``app.people.faces.count_faces``: detection only, no identity), a
  picture that does not show exactly one face. Detection runs in the upload request (~0.12 s of CPU per 640 px
  frame, dlib releases the GIL): the learner hears why at once (docs/snapshots.md).
* **Stored privately.** The upload is decoded and re-encoded by Pillow (``images.decode_image``: bounded bytes and
  pixels), at most :data:`MAX_SIDE` px, stored under a random key (``snapshots/<person>/<random>.jpg``) and served
  only by a view after ``app.auth.policy.snapshots.may_see_snapshots``.
* **A checker flags, never refuses.** :func:`check_face` asks ``app.people.faces.compare`` (None while checking is
  off); a mismatch marks the snapshot ``needs_review`` and writes ``snapshot.flagged`` into the 一人一档.
* **Held credit.** A lesson snapshot taken while a checker is on is ``credit_held`` until its check answers: what
  the page earns in its window (until the next snapshot) is kept apart (``app.training.held``). A match releases it
  into the ledger; a flag keeps it held until a 复核.
* **A person closes the flag.** :func:`review` records a 复核 (本人 / 非本人, with a note) once, clears
  ``needs_review`` and writes ``snapshot.reviewed``; the held credit of the snapshot's window is then released (本人)
  or removed (非本人) by the layer that keeps it (:func:`on_credit_settled`), in the same transaction. A snapshot
  judged 非本人 no longer covers its moment.

The pieces: ``settings``, ``consent``, ``schedule``, ``taking``, ``face_checks``, ``reviews``, ``settling`` (held
credit), ``reading``. Functions flush; the view or task commits.
"""

from app.people import messages as _messages  # noqa: F401  (registers the snapshot codes)
