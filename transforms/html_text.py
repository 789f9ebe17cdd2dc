"""HTML (feed content, HTML transcripts) to plain text that the txt parser and the cleaner read.

Paragraphs are separated by a blank line; scripts, styles, navigation and page furniture are dropped.
"""
from __future__ import annotations

import re

# beautifulsoup4 with the stdlib html.parser: pure Python (nothing to compile on workers), tolerant
# of the broken markup feeds carry, and it never fetches or expands anything.
from bs4 import BeautifulSoup, CData, NavigableString, Tag

# Not content: code, styling, navigation, forms and embedded media.
_DROP = frozenset(
    "script style noscript template nav header footer aside form button select option input textarea "
    "iframe object embed svg canvas video audio map menu head title meta link".split()
)
_BLOCKS = frozenset(
    "p div section article main blockquote pre h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead tbody "
    "tfoot tr figure figcaption address hr details summary body html center".split()
)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_TAG_LIKE = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*\b[^>]*|/[a-zA-Z][a-zA-Z0-9]*\s*|!--.*?--)>", re.S)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]\w{1,30});")


def looks_like_html(text: str) -> bool:
    """Whether text carries HTML markup or entities (feeds often leave the type unsaid)."""
    return bool(_TAG_LIKE.search(text) or _ENTITY.search(text))


def html_to_text(html: str | bytes, encoding: str | None = None) -> str:
    """Plain text of an HTML fragment or page: paragraphs separated by one blank line.

    For bytes, `encoding` (a declared charset) is tried first; otherwise the page's own declaration
    or a guess decides.
    """
    if isinstance(html, bytes) and encoding:
        soup = BeautifulSoup(html, "html.parser", from_encoding=encoding)
    else:
        soup = BeautifulSoup(html, "html.parser")
    paragraphs: list[str] = []
    lines: list[str] = []  # finished lines of the current paragraph (<br> breaks lines)
    words: list[str] = []  # text of the current line

    def end_line() -> None:
        line = _SPACES.sub(" ", "".join(words)).strip()
        words.clear()
        if line:
            lines.append(line)

    def end_paragraph() -> None:
        end_line()
        if lines:
            paragraphs.append("\n".join(lines))
            lines.clear()

    # An explicit stack rather than recursion: feed HTML can nest deeper than Python's recursion limit.
    stack: list[tuple[object, bool]] = [(soup, False)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, Tag):
            name = (node.name or "").lower()
            if name in _DROP:
                continue
            if name == "br":
                end_line()
                continue
            if name in _BLOCKS:
                end_paragraph()
            if leaving:
                continue
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        elif isinstance(node, NavigableString) and (type(node) is NavigableString or isinstance(node, CData)):
            # Comments, doctypes and processing instructions are other NavigableString subclasses.
            parent = node.parent.name.lower() if node.parent is not None and node.parent.name else ""
            if parent == "pre":
                for i, part in enumerate(str(node).split("\n")):
                    if i:
                        end_line()
                    words.append(part)
            else:
                words.append(str(node))
    end_paragraph()
    return "\n\n".join(paragraphs)
