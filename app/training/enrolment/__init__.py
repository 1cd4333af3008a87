"""Enrolment the way institutions and enterprises work.

- An enterprise applies (报名申请) for its current staff to an institution's class it sees; already enrolled staff
  and those with an application in progress are not offered again. The institution accepts or refuses each
  (报名审核, a refusal with its reason); accepting enrols the person, who becomes the institution's 学员.
  Each state change is one conditional statement (``INSERT … ON CONFLICT DO UPDATE … WHERE``, ``UPDATE … WHERE
  state = 'pending' RETURNING``), so a double click or two reviewers decide once.
- An institution invites an enterprise of its province to a class; the enterprise then applies for its staff.
- Bulk: an xlsx (or csv) of 证件号码 — as WPS and Excel export them (a title row above the header, numbers stored as
  numbers, spaces, 15-digit first-generation numbers, blank rows), read with the roster import's bounds — enrols
  or applies for every listed person the user may, and reports every other row with its number and reason; nothing
  is stored while a row is wrong unless the user chose to import the valid rows only.
- The learner's 继续学习: the classes under way with their hours and the next lesson.

The pieces: ``picking``, ``applications``, ``invitations``, ``id_files`` (bulk), ``continuing``. Functions
flush; the view commits.
"""

from app.training import messages as _messages  # noqa: F401  (registers the training codes)
