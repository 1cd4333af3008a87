"""Form helpers shared by the domain packages: select choices, a checkbox-list field, and the single-line text
field every one-line input uses."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext as _
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


def choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices (tuples are deprecated from WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def enum_choices(enum_cls) -> list[SelectChoice]:
    """A labelled enum's members as choices, in declaration order."""
    return choices((m.value, m.label) for m in enum_cls)


class MultiCheckboxField(SelectMultipleField):
    """A multiple select shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


#: Unicode Cc (C0 controls with TAB, LF and CR among them, DEL, the C1 controls) and the line/paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def control_character(text: str) -> str | None:
    """The first control character in ``text`` (``None`` when there is none). A name, title or address with a
    CR/LF would break a line it is put into, e.g. the subject of a reminder e-mail."""
    found = _CONTROL.search(text)
    return found.group() if found else None


def control_character_message(label: str) -> str:
    """The translated refusal, naming the field (or the import's column)."""
    return _("%(field)s不能包含换行、制表符等控制字符。", field=label)


class LineField(StringField):
    """A one-line text input: refuses control characters (:func:`control_character`) before its validators run."""

    def pre_validate(self, form) -> None:
        if isinstance(self.data, str) and control_character(self.data) is not None:
            raise ValidationError(control_character_message(str(self.label.text)))
