"""面授 attendance and its limits: what may be recorded, by whom, and how a day already over is corrected.

An entry (manual, or a row of a sign-in sheet) must

- belong to a 面授 or 混合 class the person is enrolled in;
- fall on a day of the class (its dates are local dates of the class's region) and not after today there;
- keep the person's day within the daily cap (rule ``attendance.daily_cap_hours``, 8 学时): all their 面授 entries
  of that day, in every class, plus the online study credited that day (``training_study_credits``), in 学时.

What "overlap with online credit" means here. The online ledger keeps seconds per person, lesson and local day,
not clock times, and an entry has a date and minutes (a session label such as 上午, no times). So whether an hour
in a classroom coincided with an hour online cannot be decided from the records; what can be decided is that one
day never holds more training than one person can attend in a day. The cap is therefore one budget per person and
day, counted in 学时 (1 学时 = 45 min 面授 or 30 min online, ``period.minutes.*``): an entry whose minutes would
take 面授 + online 学时 of that day past the cap is refused — as overlapping the online study when the 面授 alone
would have fitted, as over the cap otherwise. The budget is kept on one counter row per person and day
(:class:`AttendanceDay`) moved by a conditional ``UPDATE … WHERE minutes + :m <= :allowed``, so two entries racing
for the same day (two classes, two organisers, two tabs) cannot both take the last hours. Online study credited
*after* an entry meets the same budget from the other side: a heartbeat credits at most what the day has left
(``app.training.crediting.online_room``, read by ``app.training.study``) and tells the page ``daily_cap``.

Who and why: every entry keeps the user who recorded it and a reason (a sheet import: the import's reason and the
sheet's sha256). On the day itself the organiser records, changes and withdraws entries alone. Once the day is
over, each of those is a correction (:class:`AttendanceCorrection`): requested by the organiser, applied only when
a second person approves it — the organiser's 负责人 or the supervising regulator (``app.auth.policy``) — by one
conditional ``UPDATE … WHERE state = 'pending'``; the rules above are checked again when it is applied. Each step is
in the person's 一人一档. Functions flush; the view commits (or rolls everything back on a refusal).

The pieces: ``entry_rules`` (what an entry must satisfy), ``daily_budget`` (the cap per person and day),
``recording`` (entries on their day), ``corrections`` (after the day, with a second person).
"""

from app.training import messages as _messages  # noqa: F401  (registers the training codes)
