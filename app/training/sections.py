"""The 培训学时 of a person's record (``app.people.sections``): this year's 再培训 hours required and credited, and the
training per year with its classes (``app.training.yearly``). (The record is only reached through the person's
scope; hours are not secret inside it.)"""

from __future__ import annotations

from app.people.sections import register_training_hours, register_training_years
from app.training import hours, yearly

register_training_hours(hours.my_year)
register_training_years(yearly.training_years)
