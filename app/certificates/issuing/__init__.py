"""Issuing certificates by rule: from a passed 资格考试 (or a passed 培训考试 for a 培训合格证明), one by one or for a
whole sitting. Each candidate is either issued a certificate or refused with the reason a person can act on.

Validity comes from the rule table (``cert.validity_years.*``, ``cert.review_years.special_operator``) in force for
the issuing region on the day of issue. Numbers: 特种作业操作证 = "T" + 证件号码; the others follow
``CERT_NUMBER_SCHEMES``; a 培训合格证明's serial comes from its issuer's series for the year (:func:`~app.certificates.issuing.numbering.next_serial`).

The pieces: ``subjects``, ``eligibility`` (the refusals), ``numbering``, ``issuers``, ``terms``, ``issuance`` (one
certificate), ``bulk`` (a sitting), ``outcomes``.

Training hours (:func:`~app.certificates.issuing.eligibility.training_hours_shortfall`): a 特种作业操作证 needs a completed 初次培训 class of its 操作项目,
a 合格证 the 初次培训 学时 of the ``hours.initial.manager.*`` rule — the same test the hours gate applies before the
资格考试 (``app.training.hours.eligible_for_exam``), so an override the organiser logged when admitting the candidate
to that exam (``exam.gate_overridden``) stands here too and is noted on the issue. Services flush; the view or task
commits.
"""

from app.certificates import messages as _messages  # noqa: F401  (registers the certificate codes)
