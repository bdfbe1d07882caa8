"""Scraper dialects: any common markdown-ish rendering of a block, in the project's one form.

Scrapers and HTML converters (html2text, markdownify, inscriptis, BeautifulSoup, ...) write
the same page in different dialects. The model is taught one form, the corpus's:

- links as ``[text](target)``, the target kept (its words are evidence: ``/subscribe``,
  ``/author/``), with no title and no angle brackets;
- list items as ``- item``, whatever the bullet (``*``, ``+``, ``•``, ``1.``);
- headings, emphasis and images as their plain text;
- one space between words: entities decoded, NBSP and zero-width characters as spaces.

:func:`canonical` maps one block to that form. Every pattern here either matches a single
character class or has a bounded repeat, so the work per position is bounded and a hostile
block (100 KB of ``[`` or ``*``) takes linear time: no nested or unbounded quantifiers that
could backtrack.
"""

from __future__ import annotations

import html
import re

from .blocks import DIRECTION_MARKS
from .errors import DataFormatError, short_repr

# Link text and targets longer than these are not markdown links but text that happens to
# hold brackets; the bounds are what keep the link patterns linear.
MAX_LINK_TEXT = 500
MAX_LINK_TARGET = 2000
MAX_LINK_TITLE = 300
MAX_EMPHASIS = 1000
MAX_REFERENCE_ID = 100
# A target standing for "no link target known": what the corpus writes for every link.
NO_TARGET = "#"

# Private-use code points stand for escaped characters while the markup is parsed, so an
# escaped ``\[`` or ``\*`` is never read as markup. Private-use characters in the input are
# icon-font glyphs with no meaning as text; they are dropped.
_PRIVATE_BASE = 0xE000
_ESCAPABLE = "\\`*_{}[]()#+-.!<>|~\"'=:&$%@^;,/?"
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# Two more private-use characters mark an image's alt text until links are read.
_IMAGE_OPEN, _IMAGE_CLOSE = "\uf8fe", "\uf8ff"
_IMAGE_SPAN = re.compile(f"{_IMAGE_OPEN}[^{_IMAGE_CLOSE}]*{_IMAGE_CLOSE}")
# Where an image meets a word with no space between (html2text writes a figure's image and
# its caption so): the place a space goes.
_GLUED_IMAGE = re.compile(rf"(?<=\w)(?={_IMAGE_OPEN})|(?<={_IMAGE_CLOSE})(?=\w)")
_ESCAPE = re.compile(r"\\([" + re.escape(_ESCAPABLE) + "])")
_UNPROTECT = {_PRIVATE_BASE + i: c for i, c in enumerate(_ESCAPABLE)}

# Zero-width characters, soft hyphens and every Unicode space (NBSP, thin, em, ideographic)
# become a plain space; runs of spaces within a line become one.
_ODD_SPACES = re.compile("[\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff\t\f\v]")
_SOFT_HYPHEN = "\u00ad"  # an invisible hyphenation point inside a word: removed, not a space
_DIRECTION_MARKS = re.compile(f"[{DIRECTION_MARKS}]")  # removed: they sit at a word's edge
_SPACE_RUN = re.compile(" {2,}")

# A target holds no brackets or spaces (they are %-escaped in real URLs), which stops every
# scan at the next bracket; parentheses only in balanced pairs, one deep, as CommonMark reads
# Wikipedia's "Io_(moon)"; a newline only after a hyphen (html2text's URL wrap).
_TARGET_CHAR = r"[^\s<>()\[\]]"
_TARGET = (rf"(?:<([^<>\n]{{0,{MAX_LINK_TARGET}}})>|((?:{_TARGET_CHAR}|(?<=-)\n"
           rf"|\({_TARGET_CHAR}{{0,{MAX_LINK_TARGET}}}\)){{0,{MAX_LINK_TARGET}}}))")
_TITLE = rf"(?:[ \n]+(?:\"[^\"\n]{{0,{MAX_LINK_TITLE}}}\"|'[^'\n]{{0,{MAX_LINK_TITLE}}}'|\([^()\n]{{0,{MAX_LINK_TITLE}}}\)))?"
_TEXT = rf"([^\[\]]{{0,{MAX_LINK_TEXT}}})"
# Jina Reader's number before an image's alt text ("Image 3: "), or alone where it has none
_JINA_IMAGE_NUMBER = re.compile(r"^Image \d{1,4}(?::[ \t]*|$)")
# ![alt](src "title") -> alt; [text](target "title") -> [text](target)
_IMAGE = re.compile(rf"!\[{_TEXT}\]\([ \n]*{_TARGET}{_TITLE}[ \n]*\)")
_LINK = re.compile(rf"\[{_TEXT}\]\([ \n]*{_TARGET}{_TITLE}[ \n]*\)")
# [text][id] and ![alt][id], resolved against the block's "[id]: url" definitions.
_REF_IMAGE = re.compile(rf"!\[{_TEXT}\]\[([^\[\]\n]{{0,{MAX_REFERENCE_ID}}})\]")
_REF_LINK = re.compile(rf"\[{_TEXT}\]\[([^\[\]\n]{{0,{MAX_REFERENCE_ID}}})\]")
_REF_DEFINITION = re.compile(
    rf"[ ]{{0,3}}\[([^\[\]\n]{{1,{MAX_REFERENCE_ID}}})\]:[ ]*<?([^\s<>]{{1,{MAX_LINK_TARGET}}})>?"
    rf"(?:[ ]+(?:\"[^\"\n]{{0,{MAX_LINK_TITLE}}}\"|'[^'\n]{{0,{MAX_LINK_TITLE}}}'|\([^()\n]{{0,{MAX_LINK_TITLE}}}\)))?[ ]*"
)
# <https://example.com/x> autolinks (html2text writes them when a link's text is its URL).
_AUTOLINK = re.compile(rf"<((?:https?|ftp)://[^\s<>]{{1,{MAX_LINK_TARGET}}}|mailto:[^\s<>]{{1,{MAX_LINK_TARGET}}})>")

# Emphasis: a run of 1-3 '*' or '_' opening before a non-space and the same run closing
# after one, on one line. '_' only at word edges, so snake_case stays; '*' also inside a
# word, as markdownify writes "Search*→*". The emphasised text
# holds no delimiter, which ends every scan at the next one; nested emphasis
# ("**a *b* c**") is unwrapped from the inside out, one pass a level.
_EMPHASIS = re.compile(
    rf"(?<!\*)(\*{{1,3}})([^\s*](?:[^*\n]{{0,{MAX_EMPHASIS}}}[^\s*])?) ?\1(?!\*)"
    rf"|(?<![\w_])(_{{1,3}})([^\s_](?:[^_\n]{{0,{MAX_EMPHASIS}}}[^\s_])?) ?\3(?![\w_])"
)
EMPHASIS_LEVELS = 3
# What is left of emphasis around nothing: html2text writes an empty <i> icon as "__", and
# an empty <b> inside a word as "D****ay". A run of '*' means nothing anywhere; a run of '_'
# only at a word's edge (snake__case stays).
_ORPHAN_EMPHASIS = re.compile(r"\*{2,}|(?<![\w_])_{2,}|(?<!_)_{2,}(?![\w_])")  # (a run tried from its start only)
# A link glued to the word before it ("published by[Futurism](...)"), as converters drop
# the space at an element's edge.
_GLUED_LINK = re.compile(rf"\[(?<=[^\W_]\[)(?=[^\[\]\n]{{0,{MAX_LINK_TEXT}}}\]\()")
_CODE_SPAN = re.compile(r"`{1,3}([^`\n]{1,%d})`{1,3}" % MAX_EMPHASIS)

# Line-level markup.
_ATX_HEADING = re.compile(r"(?:#{1,6}(?:[ ]+|$))+")  # "## ## x": every marker at once
_ATX_CLOSING = re.compile(r"[ ]+#+[ ]*$")
_SETEXT_UNDERLINE = re.compile(r"(?:={2,}|-{2,})[ ]*")
# markdownify writes a heading inside a link as "[Title\n-----](url)".
_SETEXT_IN_LINK = re.compile(r"(?:={2,}|-{2,})[ ]*(?=\]\()")
_RULE = re.compile(r"(?:(?:\*[ ]*){3,}|(?:-[ ]*){3,}|(?:_[ ]*){3,})")
_BULLET = re.compile(r"(?:[*+•‣◦▪-]|\d{1,9}[.)])(?:[ ]+|$)")
_QUOTE = re.compile(r">[ >]*")
# A list item with no text: "-", or "-" and links with no text ("- [](https://...)").
_EMPTY_ITEM = re.compile(rf"-(?:[ ]*\[\]\([^()\n]{{0,{MAX_LINK_TARGET}}}\))*")
_TABLE_RULE = re.compile(r"\|?[ ]*:?-{2,}:?[ ]*(?:\|[ ]*:?-{2,}:?[ ]*)*\|?[ ]*")


# Text with none of these is already canonical (one line of plain prose): most story
# paragraphs. canonical() returns it as it is without running the patterns (a test checks
# that this agrees with the full path). Markup characters anywhere, two spaces, a space,
# marker or list number first, a space last.
_MARKUP_CHARS = "\n\r\\*_#><[`&\u00a0\u00ad\u1680\u2028\u2029\u202f\u205f\u2060\u3000\ufeff\t\f\v"
_MARKUP_RANGES = ((0x061C, 0x061C), (0x2000, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069), (0xE000, 0xF8FF))
_FIRST_MARKERS = "+•‣◦▪=|:-"
_MARKUP_CHAR = re.compile(
    "[" + re.escape(_MARKUP_CHARS) + "".join(f"{chr(low)}-{chr(high)}" for low, high in _MARKUP_RANGES) + "]"
)
_MARKUP_FIRST = re.compile(rf"[\s{re.escape(_FIRST_MARKERS)}]|\d{{1,9}}[.)]")


def _maybe_markup(text: str) -> bool:
    # Cheap checks: one regex with the alternatives scans several times slower. ("--": pandoc's dashes)
    return (bool(_MARKUP_CHAR.search(text)) or "  " in text or bool(_MARKUP_FIRST.match(text)) or text[-1:].isspace()
            or "--" in text)


# A link already in the canonical form: "[text](#)" or "[text](target)" with a plain target
# (no space, bracket, quote, escape, entity or emphasis character, which the full path may
# rewrite), its text trimmed, not glued to a word and not an image. A block whose only
# markup is such links is already canonical too: the HTML reader writes every link so.
# (The "[" comes first and the look-behinds after it, so the regex engine can skip to each "[".)
_PLAIN_TARGET = rf"[^\s()<>\[\]\"'\\*_&`~]{{1,{MAX_LINK_TARGET}}}"
_CANONICAL_LINK = re.compile(
    rf"\[(?<![^\W_]\[)(?<!!\[)(?! )([^\[\]\n]{{0,{MAX_LINK_TEXT}}})(?<! )\]\({_PLAIN_TARGET}\)")


def canonical(text: str) -> str:
    """One block's text, in any common scraper dialect, in the project's canonical form."""
    if not isinstance(text, str):
        raise DataFormatError(f"a block's text must be a string, got {short_repr(text)}")
    if _is_canonical_line(text):
        return text
    if ("\n" in text or text.startswith("- ")) and all(map(_is_canonical_item, text.split("\n"))):
        return text
    return _canonical(text)


def _is_canonical_line(line: str) -> bool:
    """A line with no markup but canonical links ("[text](#)", "[text](https://...)")."""
    if not _maybe_markup(line):
        return True
    # split() keeps each link's text where sub(r"\1") would expand a template per link.
    return "](" in line and not _maybe_markup("".join(_CANONICAL_LINK.split(line)))


def _is_canonical_item(line: str) -> bool:
    """A line of a canonical block: a canonical line, or "- " and one (a list item)."""
    if not line:
        return False  # an empty line would be dropped
    return _is_canonical_line(line) or (line.startswith("- ") and len(line) > 2 and _is_canonical_line(line[2:]))


def without_links(text: str) -> str:
    """A block as converters that drop links write it (inscriptis, BeautifulSoup's
    ``get_text``): canonical, each link as its text."""
    return links_as_text(canonical(text))


def links_as_text(canonical_text: str) -> str:
    """A canonical text with each link written as its text."""
    return _LINK.sub(lambda link: link.group(1), canonical_text) if "](" in canonical_text else canonical_text


# Raw HTML in a markdown page (a CMS export's <figure>, an inline <a href>, a <br>): read as
# the HTML reader reads a page, so tags and attributes are no words of the block.
# Markup, not prose that names a tag ("use the <b> tag"): a closing tag, or a tag with an
# attribute.
_HTML_ELEMENTS = (r"(?:p|div|span|figure|figcaption|img|a|br|strong|em|b|i|u|h[1-6]|ul|ol|li|table|tr|td|th|"
                  r"blockquote|section|article|aside|header|footer|small|sup|sub|cite|time)")
_HTML_TAG = re.compile(rf"</{_HTML_ELEMENTS}\s*>|<{_HTML_ELEMENTS}\s+[\w-]+\s*=[^<>]{{0,500}}>", re.IGNORECASE)
_ALT = re.compile(r"""\balt\s*=\s*["']([^"'<>]{1,300})["']""", re.IGNORECASE)
# A backslash at a line's end: CommonMark's hard line break, a line break and no more.
_BACKSLASH_BREAK = "\\\n"


def _read_html_in(text: str) -> str:
    """A block holding raw HTML, its tags read as the HTML reader reads them. A list's or a
    quote's lines are read one by one, keeping their markers, so its items stay apart (read
    whole, "- one <em>x</em>" and "- two" run into one line)."""
    from .readers.html import html_to_text  # (lxml, loaded only for such a block)

    lines = text.split("\n")
    if len(lines) > 1 and all(_LINE_MARKER.match(line) for line in lines if line.strip()):
        read = []
        for line in lines:
            marker = _LINE_MARKER.match(line)
            rest = line[marker.end():] if marker else line
            read.append(line if not _HTML_TAG.search(rest) else
                        marker.group(0) + (html_to_text(rest).replace("\n\n", " ").replace("\n", " ")
                                           or " ".join(_ALT.findall(rest))))
        return "\n".join(read)
    # (an image alone keeps its alt text, as a markdown image does)
    return html_to_text(text).replace("\n\n", "\n") or " ".join(_ALT.findall(text))


_LINE_MARKER = re.compile(r"[ ]*(?:[-*+•]|\d{1,9}[.)]|>[ >]*)(?:[ ]+|$)")


def _canonical(text: str) -> str:
    """:func:`canonical` without its shortcuts for text that is already canonical (a test
    checks the shortcuts agree with it)."""
    if "<" in text and _HTML_TAG.search(text):
        text = _read_html_in(text)
    if _BACKSLASH_BREAK in text:
        text = text.replace(_BACKSLASH_BREAK, "\n")
    # Placeholders come from escapes, or from entities naming private-use characters.
    placeholders = "&" in text
    text = _normalise_characters(text)
    if "\\" in text:
        placeholders = True
        text = _ESCAPE.sub(lambda m: chr(_PRIVATE_BASE + _ESCAPABLE.index(m.group(1))), text)
    lines, definitions = _block_lines(text)
    # Markup that only shows once emphasis is gone ("**1. Step**") is read in a second line
    # pass, so canonical text is a fixed point of canonical(). Escaped characters are still
    # placeholders then: "1984\\. A year" stays a sentence, not a list item.
    lines, _ = _block_lines(_inline("\n".join(lines), definitions))
    text = "\n".join(_without_empty_items(lines))
    return (text.translate(_UNPROTECT) if placeholders else text).strip()


def _without_empty_items(lines: list[str]) -> list[str]:
    """The lines less list items with no text (an icon-only share or menu entry, which
    converters write as a lone bullet or a bullet and an empty link), unless nothing else
    is left: a block of nothing but empty items stays a row of them."""
    kept = [line for line in lines if not _EMPTY_ITEM.fullmatch(line)]
    return kept if kept else lines


# pandoc's markdown writes dashes as its smart punctuation reads them back: "---" an em dash
# ("--- Jordan Lee", a sign-off), "--" between numbers an en dash ("15--18 min"). Not a rule
# ("---" alone) nor a table's ("|---|").
_EM_DASH = re.compile(r"(?<=\w)---(?=\w)|(?<=\w )---(?= \w)|(?:^|(?<=\n))---(?= \w)")
_EN_DASH = re.compile(r"(?<=\d)--(?=\d)")


def _normalise_characters(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "--" in text:
        text = _EN_DASH.sub("–", _EM_DASH.sub("—", text))
    text = _PRIVATE_USE.sub("", text).replace(_SOFT_HYPHEN, "")
    if not text.isascii():
        text = _DIRECTION_MARKS.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return _ODD_SPACES.sub(" ", text)


# A line that may be a reference definition: the page-level pass runs only on pages with one.
_MAYBE_DEFINITION = re.compile(r"^[ ]{0,3}\[[^\[\]\n]+\]:", re.MULTILINE)


_URL_GOES_ON = re.compile(rf"[^\s<>\[\]\"']{{1,{MAX_LINK_TARGET}}}")


def resolve_reference_links(page: str) -> str:
    """A page's reference-style links (``[text][id]``, html2text's ``--reference-links``)
    written inline (``[text](url)``) with the ``[id]: url`` definitions found anywhere on the
    page, and the definition lines dropped: they usually sit together at the page's end,
    where each block alone could not resolve its links and the definitions would be blocks
    of their own."""
    if "]:" not in page or not _MAYBE_DEFINITION.search(page):
        return page
    definitions: dict[str, str] = {}
    kept = []
    lines = page.split("\n")
    at = 0
    while at < len(lines):
        line = lines[at]
        at += 1
        definition = _REF_DEFINITION.fullmatch(line.strip())
        if not definition:
            kept.append(line)
            continue
        target = definition.group(2)
        # html2text wraps a long URL after a hyphen, its definition's too: "...the-" / "city-..."
        while (target.endswith("-") and line.rstrip().endswith("-") and at < len(lines)
               and _URL_GOES_ON.fullmatch(lines[at])):
            target += lines[at]
            line = lines[at]
            at += 1
        definitions[definition.group(1).strip().lower()] = target
    if not definitions:
        return page

    def inline(ref: re.Match) -> str:
        target = definitions.get((ref.group(2) or ref.group(1)).strip().lower())
        return ref.group(0) if target is None else f"[{ref.group(1)}]({target})"

    return _REF_LINK.sub(inline, "\n".join(kept))


# crawl4ai's markdown_with_citations: each link written as its text and a number, "Sign up⟨14⟩"
# (an image "![alt⟨3⟩]"); its references_markdown lists the targets, a line each, under
# "## References": "⟨14⟩ https://a.example/signup: Sign up" (": " and the link's title and
# text joined by " - ", when it had any).
_REFERENCES_HEADING = "## References\n"
_CITATION_LINE = re.compile(rf"⟨(\d{{1,6}})⟩ ([^\s<>]{{1,{MAX_LINK_TARGET}}}?)(?:: ([^\n]{{0,{MAX_LINK_TEXT}}}))?")
_CITATION = re.compile(r"(!\[[^\[\]\n]{0,%d})?⟨(\d{1,6})⟩(\])?" % MAX_LINK_TEXT)
# With no reference naming it, a cited text is the run before the number (since the line's
# start, a list marker or the last citation) when the number ends the line and the run is
# this short (a menu entry, a headline in a list); else the word before it.
MAX_CITED_WORDS = 12
_ITEM_START = re.compile(r"[ ]*(?:[-*+•]|\d{1,9}[.)])[ ]+")
_LAST_WORD = re.compile(r"[^\s\[\]()⟩]{1,200}$")
_LINE_END = re.compile(r"[ \t]*(?:\n|$)")


# pandoc's own markdown (`pandoc -t markdown`) keeps a page's <div>s as fenced divs ("::: byline"
# ... ":::") and ids, classes and attributes in braces: after a heading, a link, an image, or a
# span ("[Updated 1:05 p.m.]{.updated}"). Neither is a word of the page.
_DIV_FENCE = re.compile(r"^[ ]{0,3}:{3,}(?!:)(?:[ \t]*(?:\{[^}\n]{0,500}\}|[\w-]+))?[ \t]*:*[ \t]*$", re.MULTILINE)
_SPAN = re.compile(r"(?<![!\]])\[([^\[\]\n]{0,1000})\]\{[#.][^{}\n]{0,500}\}")
_ATTRIBUTES_AFTER = re.compile(r"(\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"\n]*\")?\))\{[^{}\n]{0,500}\}")
_HEADING_ATTRIBUTES = re.compile(r"^(#{1,6}[ \t](?:[^\n]*\S)?)[ \t]+\{[#.][^{}\n]{0,500}\}[ \t]*$", re.MULTILINE)


def without_pandoc_attributes(page: str) -> str:
    """A page in pandoc's markdown less its div fences (each a blank line, so a div's
    paragraphs stay apart and its fence never joins the text around it) and attribute braces;
    any other page as it is."""
    if ":::" not in page and "]{" not in page and "{#" not in page and "){" not in page:
        return page
    page = _DIV_FENCE.sub("", page)
    page = _SPAN.sub(r"\1", page)
    page = _ATTRIBUTES_AFTER.sub(r"\1", page)
    return _HEADING_ATTRIBUTES.sub(r"\1", page)

def resolve_citations(page: str) -> str:
    """A page in crawl4ai's citation form with its links written inline (``[text](url)``,
    ``#`` for a number no reference names) and its references list dropped: the list is the
    page's links again, and a link that is only its text and a number gives the model no
    link to read."""
    if "⟩" not in page or _CITATION.search(page) is None:
        return page
    body, targets = _citation_targets(page)
    out: list[str] = []
    done = 0
    for match in _CITATION.finditer(body):
        url, named = targets.get(match.group(2), (NO_TARGET, ""))
        before = body[done:match.start()]
        if match.group(1):  # an image: "![alt⟨3⟩]"
            out += [before, f"{match.group(1)}]({url})"]
        else:
            text = _cited_text(before, named, _LINE_END.match(body, match.end()) is not None)
            out += [before[: len(before) - len(text)], f"[{text}]({url})" if text else "", match.group(3) or ""]
        done = match.end()
    return "".join(out) + body[done:]


def _citation_targets(page: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """The page before its references list, and the list as number -> (target, text); the
    page whole and no targets when it ends in no such list."""
    start = page.rfind(_REFERENCES_HEADING)
    if start < 0 or not (start == 0 or page[start - 1] == "\n"):
        return page, {}
    targets: dict[str, tuple[str, str]] = {}
    for line in page[start + len(_REFERENCES_HEADING):].split("\n"):
        cited = _CITATION_LINE.fullmatch(line.strip())
        if cited:
            targets[cited.group(1)] = (cited.group(2), (cited.group(3) or "").strip())
        elif line.strip():
            return page, {}  # not crawl4ai's list: the page's own section of that name
    return page[:start], targets


def _cited_text(before: str, named: str, ends_line: bool) -> str:
    """The end of ``before`` (the text since the last citation) that a citation links."""
    for text in (named, named.rpartition(" - ")[2]):  # "title - text", or the text alone
        if text and before.endswith(text):
            return text
    run = before[before.rfind("\n") + 1:]
    item = _ITEM_START.match(run)
    run = (run[item.end():] if item else run).lstrip()
    if ends_line and run and len(run.split()) <= MAX_CITED_WORDS:
        return run
    word = _LAST_WORD.search(before, max(0, len(before) - 200))
    return word.group() if word else ""


def _block_lines(text: str) -> tuple[list[str], dict[str, str]]:
    """The block's lines with line-level markup rewritten (headings, bullets, rules, setext
    underlines and reference definitions dropped), and the definitions found."""
    out: list[str] = []
    definitions: dict[str, str] = {}
    for raw in text.split("\n"):
        line = raw.strip()
        if "  " in line:
            line = _SPACE_RUN.sub(" ", line)
        if not line:
            continue
        definition = _REF_DEFINITION.fullmatch(line)
        if definition:
            definitions[definition.group(1).strip().lower()] = definition.group(2)
            continue
        if out and _SETEXT_UNDERLINE.fullmatch(line) and not _BULLET.match(out[-1]):
            continue  # "Title\n=====": the title line stays
        underline = _SETEXT_IN_LINK.match(line) if out else None
        if underline:
            line = line[underline.end():]  # "[Title\n-----](url)": the link stays
        if _RULE.fullmatch(line) or _TABLE_RULE.fullmatch(line):
            continue
        out.append(_line_markup(line))
    return [line for line in out if line], definitions


def _line_markup(line: str) -> str:
    heading = _ATX_HEADING.match(line)
    if heading:
        # The heading's text is then read as a line of its own: "### 12. Tip" is "- Tip".
        line = _ATX_CLOSING.sub("", line[heading.end():]).strip()
    quote = _QUOTE.match(line)
    prefix = ""
    if quote:
        prefix, line = "> ", line[quote.end():]
        if not line:
            return ">"
    bullet = _BULLET.match(line)
    if bullet:
        rest = line[bullet.end():]
        heading = _ATX_HEADING.match(rest)
        if heading:
            rest = rest[heading.end():]
        return f"{prefix}- {rest}".rstrip()
    return prefix + line


def _inline(text: str, definitions: dict[str, str]) -> str:
    def target_of(match: re.Match) -> str:
        target = match.group(2) if match.group(2) is not None else match.group(3)
        return _clean_target(target or "")

    def reference(ref: re.Match) -> str:
        key = (ref.group(2) or ref.group(1)).strip().lower()
        return _clean_target(definitions.get(key, ""))

    if "`" in text:
        text = _CODE_SPAN.sub(r"\1", text)
    if "[" in text:
        # Images first, marked, so a linked image "[![alt](src)](href)" becomes the link
        # "[alt](href)", while in "[![alt](src) Title](href)" the title alone names the link.
        # Each pattern runs only on text holding the two characters it starts or turns on.
        if "![" in text:
            text = _IMAGE.sub(lambda m: f"{_IMAGE_OPEN}{_alt_text(m.group(1))}{_IMAGE_CLOSE}", text)
            text = _REF_IMAGE.sub(lambda m: f"{_IMAGE_OPEN}{_alt_text(m.group(1))}{_IMAGE_CLOSE}", text)
        if "](" in text:
            text = _LINK.sub(lambda m: f"[{_link_text(m.group(1))}]({target_of(m)})", text)
        if "][" in text:
            text = _REF_LINK.sub(lambda m: f"[{_link_text(m.group(1))}]({reference(m)})", text)
        if "](" in text:
            text = _GLUED_LINK.sub(" [", text)
        if _IMAGE_OPEN in text:  # an image's alt text is no part of the word it touches ("…Ulmenfeld)Die")
            text = _GLUED_IMAGE.sub(" ", text)
        text = text.replace(_IMAGE_OPEN, "").replace(_IMAGE_CLOSE, "")
    if "<" in text:
        text = _AUTOLINK.sub(lambda m: f"[{m.group(1).removeprefix('mailto:')}]({m.group(1)})", text)
    if "*" in text or "_" in text:
        text = _strip_emphasis(text)
    return text


def _strip_emphasis(text: str) -> str:
    for _ in range(EMPHASIS_LEVELS):
        unwrapped = _EMPHASIS.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(4), text)
        if unwrapped == text:  # no level left
            break
        text = unwrapped
    return _ORPHAN_EMPHASIS.sub("", text)


def _alt_text(text: str) -> str:
    # Jina Reader numbers every image's alt text ("Image 3: The ferry docked"): the number is
    # no part of it, and read as words it looks like a caption's credit.
    return _link_text(_JINA_IMAGE_NUMBER.sub("", text, count=1) if text.startswith("Image ") else text)


def _link_text(text: str) -> str:
    if _IMAGE_OPEN in text:
        words = _IMAGE_SPAN.sub("", text)
        text = words if words.strip() else text.replace(_IMAGE_OPEN, "").replace(_IMAGE_CLOSE, "")
    text = text.replace("\n", " ")
    return (_SPACE_RUN.sub(" ", text) if "  " in text else text).strip()


def _clean_target(target: str) -> str:
    # html2text wraps long URLs at hyphens: "a-\nb" is the one URL "a-b".
    target = target.replace("\n", "").strip()
    if target[:11].lower() == "javascript:":  # a script, no address: the HTML reader writes it so too
        return NO_TARGET
    if "(" in target or ")" in target:  # as the HTML reader writes them, so no parenthesis ends a link early
        target = target.replace("(", "%28").replace(")", "%29")
    return target or NO_TARGET
