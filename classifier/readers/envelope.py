"""A scraper's envelope around a text page: the metadata some scrapers write above the page's
own text, which is no block of the page.

- YAML front matter (``---`` / ``key: value`` lines / ``---``), as trafilatura's markdown
  with metadata, static-site exports and note apps write it, and Hugo's TOML front matter
  (``+++`` / ``key = value`` lines / ``+++``);
- Jina Reader's header (``Title:``, ``URL Source:``, ... then ``Markdown Content:``), and its
  trailer (``Images:`` and ``Links/Buttons:`` summaries) if it has one.

:func:`split_envelope` takes it off, as the HTML reader leaves a page's ``<head>`` out, and
returns the URL it names, which the page's records then carry.
"""

from __future__ import annotations

import re

# Front matter: a "---" line, then at once a key: value line, more key: value lines (a list
# item or an indented line may follow a key), a closing "---" or "..." line; within the
# page's first lines only. (A page's own text between two rules, as markdownify writes an
# <hr>, has a blank line after the first.)
MAX_ENVELOPE_LINES = 60
# (Each line can match one way only, so a page that only starts like one fails fast.)
# A key, bare or quoted ("og:title": ...), and a comment line after the first key (# exported
# by ...; a first line of "# ..." is a markdown heading between two rules, not front matter).
# TOML's bare keys hold no space, so "title     = x" reads one way only.
_KEY = r"""(?:[A-Za-z_][\w .-]{0,40}|"[^"\n]{1,60}"|'[^'\n]{1,60}')"""
_TOML_KEY = r"""(?:[A-Za-z_][\w.-]{0,40}|"[^"\n]{1,60}"|'[^'\n]{1,60}')"""
_COMMENT = r"#[^\n]*"
_FRONT_MATTER = re.compile(
    rf"---[ \t]*\n(?={_KEY}:)"
    rf"((?:(?:{_KEY}:(?:[ \t][^\n]*)?|[ \t]+\S[^\n]*|-[ \t][^\n]*|{_COMMENT}|[ \t]*)\n){{1,{MAX_ENVELOPE_LINES}}}?)"
    r"(?:---|\.\.\.)[ \t]*(?:\n|$)"
)
_KEY_LINE = re.compile(rf"^{_KEY}:", re.MULTILINE)
# (and an array's lines, indented, and its closing "]" at the margin, as Hugo writes them)
_TOML_FRONT_MATTER = re.compile(
    rf"\+\+\+[ \t]*\n(?={_TOML_KEY}[ \t]*=)"
    rf"((?:(?:{_TOML_KEY}[ \t]*=[^\n]*|\[[^\n]*|\][^\n]*|[ \t]+\S[^\n]*|{_COMMENT}|[ \t]*)\n){{1,{MAX_ENVELOPE_LINES}}}?)"
    r"\+\+\+[ \t]*(?:\n|$)"
)
_TOML_KEY_LINE = re.compile(rf"^{_TOML_KEY}[ \t]*=", re.MULTILINE)
# Jina Reader: "Title: ..." first, header lines, then "Markdown Content:" on a line of its own.
_JINA = re.compile(
    r"Title:[^\n]*\n((?:(?:[A-Z][A-Za-z ]{1,30}:[^\n]*|[ \t]*)\n){1,20}?)Markdown Content:[ \t]*(?:\n|$)"
)
_FRONT_MATTER_URL = re.compile(r"^['\"]?(?:url|source|link|canonical_url|permalink)['\"]?:[ \t]*['\"]?(\S+?)['\"]?[ \t]*$",
                               re.MULTILINE | re.IGNORECASE)
_TOML_URL = re.compile(r"^(?:url|source|link|canonical_url|permalink)[ \t]*=[ \t]*['\"]?(\S+?)['\"]?[ \t]*$",
                       re.MULTILINE | re.IGNORECASE)
_JINA_URL = re.compile(r"^URL Source:[ \t]*(\S+)[ \t]*$", re.MULTILINE)
# Jina Reader's trailer, with X-With-Images-Summary or X-With-Links-Summary: "Images:" and
# "Links/Buttons:", each a list of the page's images or links, after the page's own text.
_JINA_TRAILER_HEADINGS = ("\nImages:\n", "\nLinks/Buttons:\n")
_JINA_TRAILER = re.compile(r"(?:(?:Images|Links/Buttons):\n(?:- [^\n]*(?:\n|$))+\s*)+")
_WEB_ADDRESS = re.compile(r"https?://\S+", re.IGNORECASE)


def split_envelope(text: str) -> tuple[str, str | None]:
    """``text`` without the envelope at its top (if it has one) and the URL the envelope
    names (``None`` when it names none, or there is no envelope)."""
    head = text.lstrip("\ufeff \t\r\n")
    if not head.startswith(("---", "+++", "Title:")):  # most pages: no copy made
        return text, None
    head = head.replace("\r\n", "\n").replace("\r", "\n")
    for envelope, key_line, url_field in ((_FRONT_MATTER, _KEY_LINE, _FRONT_MATTER_URL),
                                          (_TOML_FRONT_MATTER, _TOML_KEY_LINE, _TOML_URL), (_JINA, None, _JINA_URL)):
        found = envelope.match(head)
        if found and (key_line is None or key_line.search(found.group(1))):
            named = url_field.search(found.group(1))
            url = named.group(1) if named and _WEB_ADDRESS.fullmatch(named.group(1)) else None
            page = head[found.end():]
            return (_without_jina_trailer(page) if envelope is _JINA else page), url
    return text, None


def _without_jina_trailer(page: str) -> str:
    """A Jina Reader page without its image and link summaries at the end (none of its blocks:
    the page's images and links listed again)."""
    starts = sorted(start for start in (page.rfind(heading) for heading in _JINA_TRAILER_HEADINGS) if start >= 0)
    for start in starts:  # the first summary, then the second alone
        if _JINA_TRAILER.fullmatch(page, start + 1):
            return page[:start + 1]
    return page
