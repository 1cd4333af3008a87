"""HTML found in imported questions (Moodle XML, GIFT ``[html]``) turned into plain text.

Questions are stored and shown as text, so markup is reduced to what it says: ``<b>易燃</b>``
becomes ``易燃``, ``<br>``/``</p>`` become line breaks, entities are decoded, and the contents of
``<script>``/``<style>`` are dropped.  Nothing of a tag ever reaches the exam page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BREAKING = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
_HIDDEN = {"script", "style", "head", "title"}
_BLANK_LINES = re.compile(r"[ \t]*\n[ \t\n]*")


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _HIDDEN:
            self.hidden -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BREAKING:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, paragraphs as line breaks."""
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    return _BLANK_LINES.sub("\n", text).strip()
