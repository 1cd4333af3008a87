"""The 培训学时 of a person's record (``app.people.sections``): this year's 再培训 hours required and credited.
(The record is only reached through the person's scope; hours are not secret inside it.)"""

from __future__ import annotations

from app.people.sections import register_training_hours
from app.training import hours

register_training_hours(hours.my_year)
