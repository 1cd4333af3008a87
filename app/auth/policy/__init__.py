"""What a user may see *inside* a record, decided here and nowhere else.

``app.auth.scope`` and the domains' ``scope.py`` decide which records a user reaches; this package decides which
parts of them it is shown: the answer key and explanations, a candidate's review, the draw seed of a spot check,
full 证件号码. Views pass the result to templates as a flag (``show_answers``, ``show_seed``, ``show_full_id``);
templates never test roles themselves.

The rules:

================== ==========================================================================================
answer key         only who manages every bank the questions come from (the bank's owner; the platform admin
                   for national and regional banks). Using a bank — drawing papers from the national bank for a
                   资格考试 or 逢查必考 — never shows its answers.
attempt review     the candidate: after the sitting has closed (colleagues may still be sitting it before), if
                   the sitting allows review, never for a 逢查必考 and never while a 补考 is pending. An
                   organiser: as for the answer key, or a regulator for a sitting it organises (the examining
                   authority marks its own exams).
draw seed          the regulator and the platform admin always; the inspected enterprise only after the
                   inspection has closed (before, it could predict swaps).
full 证件号码       the person, the platform admin and regulators (执法 needs it); employers see it masked
                   except on the edit form of their own current staff. API clients as users of their tenant (a
                   jurisdiction's client in full). Each showing to someone else goes into the 查阅记录.
registered photo   whoever reaches the person record in scope (employers, the regulator of the area, the
                   person, the platform admin): it identifies the person on certificates and against snapshots.
                   Never a public URL: served by the app after this check. Not an employer whose employment of the
                   person awaits the person's confirmation (``app.people.scope.sees_full_record``). The dossier
                   PDF prints it for the same users. Only the person withdraws consent to it; the nightly purge
                   then deletes it once nothing depends on it (``app.records.retention``).
人像抓拍 snapshots  the organiser of the class or exam sitting they were taken in (its enterprise or institution,
                   a regulator for the authority's own events, the platform admin) and regulators over the
                   event's region or the person's employer; shown beside the registered photo. Not the person's
                   employer as such, another enterprise, another city's regulator or another worker. Never a
                   public URL.
own snapshots      the person themself (个人信息保护法 第四十五条: the right to see what was collected): each of
                   their snapshots with its time, and whether it awaits a 复核 or how the 复核 went — not the face
                   checker's distance, the reviewer or the review note, which are the organiser's working record.
snapshot 复核       closing a flagged snapshot with a verdict (本人 / 非本人): the organiser of the class or sitting
                   and the platform admin; a regulator wherever it may see the snapshots (it is the supervising
                   authority). Never the person's employer as such, nor a worker.
实操 organising     scheduling a 实际操作考试场次, enrolling its candidates, choosing its examiners: a regulator of the
                   organising region (the examining authority). The platform admin sees the sittings but is no
                   authority.
实操 scoring        entering and signing a candidate's points: an examiner (考评员) assigned to the sitting, with
                   their own login — not the organiser as such, not the admin.
attendance          a change to 面授 attendance after its day (更正): approved by a second person — a 负责人
correction          (``User.supervisor``) of the class's organiser, or a regulator over the class's region (the
                    supervising authority) — never by the one who asked for it. The platform admin approves
                    only where it is a 负责人 of a class it organised itself.
================== ==========================================================================================

Pages ask this package too: each list or record page that offers different links, columns or buttons to different
roles gets a frozen capabilities object (``InspectionsPage``, ``RosterPage``, ``ClassPage`` …) from a function named
after the page; the view passes it to the template as ``caps`` and the template reads its booleans
(``caps.can_start_inspection``). Where a capability needs an upper domain's answer (a roster the user manages, a
bank it owns), the view asks that domain's ``scope.py`` and passes the plain value in. Views never compare roles
(``tests/test_policy_in_one_place.py`` checks templates and views).

One module per aggregate, each answering the rows above that concern it:

================ ================================================================================================
``roles``        who acts as what (``is_authority``, ``acts_for_own_enterprise``, ``oversees`` …), asked by views
                 instead of comparing roles; each role's home page (``home_page``)
``people``       full 证件号码, the registered photo, the person's own record, the 查阅记录; the roster and
                 enterprises pages
``snapshots``    人像抓拍: seeing them, the person's own, their 复核
``exams``        the answer key, an attempt's review, organising exams, an own bank, 实操 organising, scoring and
                 signing details; the result page
``certificates`` issuing, administering and noting certificates, entrusting a city with issuing, bundling
``training``     building courses and classes, approving an attendance correction; the class page
``spotchecks``   the draw seed; the inspections and findings pages
================ ================================================================================================

Nothing is re-exported here: a caller imports the module that decides (``from app.auth.policy import exams as
exam_policy`` → ``exam_policy.may_see_answer_key(…)``), so each rule has one import path.
"""
