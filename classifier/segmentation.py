"""Splitting a page's text into blocks, whatever the scraper's line conventions.

- ``blank``: blocks are separated by blank lines (the corpus's form; :func:`blocks.segment`).
- ``line``: every non-empty line is a block.
- ``auto``: blank-line blocks, with repairs. A hard-wrapped page (html2text wraps at 78
  columns) has its paragraphs re-joined into one block each; a page written one paragraph a
  line (few blank lines, many lines of prose that end their sentences), or a page of many
  lines and no blank line at all, is split per line. Pieces of one sentence that
  BeautifulSoup's ``get_text("\\n\\n")`` cut apart are re-joined (also where ``strip=True``
  took the space from the cut, on a page with no link markup), and a block is cut where
  its indentation changes (inscriptis's elements, one a line) and around fenced code. A page
  flattened to one line is cut at its sentences. A loose list (one-line bullet
  items with blank lines between them) is joined into one block. A page already in the
  corpus's form is left as ``blank`` would split it.

Every step is one pass over the lines.
"""

from __future__ import annotations

import bisect
import itertools
import re

from .blocks import CAPITAL_LETTERS, DIRECTION_MARKS, SMALL_LETTERS, is_cjk, normalise_newlines, segment
from .dialects import MAX_LINK_TARGET
from .errors import InputError

SPLIT_MODES = ("auto", "blank", "line")
DEFAULT_SPLIT = "auto"

# Hard wrapping: the lines of wrapped prose are at most this wide (html2text: 78) ...
MAX_WRAP_WIDTH = 100
# ... and in a wrapped page most prose lines sit just under the width. A line counts as
# prose when it is this long and starts with no list, heading, quote or table marker.
MIN_PROSE_CHARS = 40
MIN_PROSE_LINES = 3
_COLUMN_GAP = "   "
# The wrap width is this percentile of the prose lines' lengths: the longest lines of a
# wrapped page, less the few unbreakable ones (a long URL).
WRAP_PERCENTILE = 0.8
# Of the prose lines of a wrapped page, at least this many and this share go on on the
# next line (a wrapped paragraph's every line but its last).
MIN_WRAPPED_LINES = 3
WRAPPED_SHARE = 0.3
# At most this share of a wrapped page's breaks come before a word that would have fitted
# (an address's or a list's short lines among its prose).
MAX_FITTING_SHARE = 0.25
# A wrapped line reaches at least this share of the width (a wrapper breaks before the
# word that would not fit, and words are short).
WRAPPED_LINE_SHARE = 0.6
# A wrapper breaks lines wherever the width falls, so most lines it continues end inside a
# sentence (about one in fifteen ends one by chance); a page written one short paragraph a
# line (trafilatura's text of a brief: one run of lines, no blank line) has most of its
# lines end a sentence. At least this share of the continued lines of a page that is one
# run of lines must end inside one for it to be read as wrapped.
MID_SENTENCE_SHARE = 0.5
# Semantic line breaks put each sentence on a line of its own; a page written a paragraph a
# line holds paragraphs of two or more sentences on one line. When at least this share of
# the lines that go on in a block hold a sentence's end and another's start, the blocks are
# runs of paragraphs that a stray blank line cut, not paragraphs written a sentence a line.
MULTI_SENTENCE_LINE_SHARE = 0.25
# Letters of the scripts that have no capitals and space their words (Hebrew, Arabic, Korean),
# and of Chinese and Japanese, which write no spaces (those with capitals: CAPITAL_LETTERS and
# SMALL_LETTERS).
_UNCASED = "\u0590-\u05ff\u0600-\u06ff\uac00-\ud7a3"
_HAN_KANA = "\u3040-\u30ff\u3400-\u9fff"
# A sentence's end inside a line, before the next one's capital: after two lower-case
# letters ("Mr. Lee" and "U.S. Army" are no end; "the board. It" is); in a script without
# capitals, between two of its words; in Chinese and Japanese, at a full stop before more.
# (one or two spaces after the stop, as typists write, or a no-break space, as HTML's &nbsp; gives)
_SENTENCE_INSIDE = re.compile(
    rf"[{SMALL_LETTERS}]{{2}}[.!?…][\"'’”)»]*[ \u00a0]{{1,2}}[\"'‘“„«¿¡(]?[{CAPITAL_LETTERS}]"
    rf"|[{_UNCASED}]{{2}}[.!?…؟][\"'’”)»]*[ \u00a0]{{1,2}}[\"'‘“„«(]?[{_UNCASED}]"
    rf"|[。！？][」』）”]*(?![はがをにへでとも])[{_HAN_KANA}]")  # (not before a particle: "来る。」と述べた")
_SENTENCE_END = re.compile(r"[.!?…؟。！？][\"'’”)\]」』）]*$")  # (and Chinese and Japanese full stops)
# A page written one paragraph a line: at least this many prose lines, and at least this
# share of them sharing a blank-line block with another prose line.
MIN_LINE_PAGE_PROSE = 3
LINE_PAGE_SHARE = 0.5
# A page of this many lines and no blank line is split per line whatever its lines' length,
# unless it is a paragraph wrapped narrow: most lines of this many characters or more end
# inside a sentence and the next goes on in lower case.
MIN_LINE_PAGE_LINES = 10
MIN_WRAPPED_LINE_CHARS = 20

# inscriptis indents each level of nesting by two spaces; a one-space indent is a markdown
# converter's line after a hard break.
MIN_INDENT_STEP = 2

# A loose list (a blank line between its items, as html2text writes a list whose items hold
# block elements) is re-joined into one block when it runs to this many one-line items.
MIN_LOOSE_LIST_ITEMS = 3
_BULLET_ITEM = re.compile(r"[ ]*[-*+•][ ]")
# "* * *" or "- - -": a thematic break (html2text writes <hr> so), not a list item.
_THEMATIC_BREAK = re.compile(r"[ ]*([-*_])(?:[ ]*\1){2,}[ ]*$")
# A table that an element-a-block converter (BeautifulSoup's get_text) cut cell by cell: a
# run of this many pieces or more, each a few words on one line with no sentence end, at
# least this share of them numbers ("63", "85%", "$1.2", or a column's "%", an empty
# cell's "—"), is one block of cells joined as a row's are. Alone, a cell reads like a menu
# entry or a byline. (No share asked: a menu's run of short links would be joined too.)
MIN_TABLE_CELLS = 8
MAX_CELL_WORDS = 3
MAX_CELL_CHARS = 40
MIN_NUMBER_CELL_SHARE = 0.25
# A table may hold a column of text ("2 goals, 1 assist.", "Fast charging. 10 hours."): one
# line of up to this many words among short cells is a cell of the run too, when three or
# more such lines come a row apart (at least two short cells a row, and a header row's worth
# before the first) and the short cells are a table by themselves. Prose has no short
# cells between its sentences: it is never taken in.
MAX_TEXT_CELL_WORDS = 30
MAX_TEXT_CELL_CHARS = 200
MIN_SHORT_CELLS_PER_TEXT_CELL = 2
MIN_TEXT_COLUMN_CELLS = 3
TABLE_CELL_SEPARATOR = " | "
_NUMBER_CELL = re.compile(r"[^\w]*[$€£+-]?\d[\d.,:%]*[^\w]*|[%#+–—-]|n/a|N/A")  # (or a unit's or an empty cell's mark)
_CELL_END = re.compile(r"[.!?…:][\"'’”)\]]*$")
_BULLET_FIRST = frozenset(" -*+•")

# A link split across a blank line is re-joined when both halves are this short together.
MAX_SPLIT_LINK_CHARS = 1000
_BRACKET = re.compile(r"\\.|[\[\]]")
# A block that closes a link opened before it: "#### Title](url)", no "[" before the "](".
_CLOSES_LINK = re.compile(r"[^\[\]]{0,%d}\]\(" % MAX_SPLIT_LINK_CHARS)
# A piece of a sentence that an inline element cut: ends, or starts, with exactly one space
# (or a no-break space, as get_text keeps an "&nbsp;" beside a link: at a piece's end, or at
# its start before a lower-case word).
# A word (or a comma, colon, quote or bracket after one) must meet the space: a trailing
# space after "»" in a breadcrumb is no seam. A piece also continues one that ends in an
# opening bracket or quote (after a space: "“" closes a German quote, ":(" is a face; a
# straight quote after a space opens one, as one before a space closes one), and
# one starting with closing punctuation continues the piece
# before it ("Browns" / "’ Week 11", "PFF" / ", who"): no sentence or paragraph starts so.
# Not "!" (a markdown image), "..." (an element of its own, a "more" link) nor "." or ":"
# before a letter (a CSS rule, ".article-body p {" or ":root {", after a script a scraper kept).
_CUT_END = r"[\w,;:)'\"’”،؛][ \xa0]"  # a word (or what may follow one: Arabic's comma too), then the space
_OPEN_END = r"[(“‘\"„‚«¿¡]"  # an opening bracket or quote (German, French, Spanish ones too)
# Chinese and Japanese open their quotes and brackets with no space before them.
_CJK_OPEN_END = r"[「『（【〈《]"
# French sets its guillemets apart with a (narrow) no-break space: "«\u202f" / "intenable".
_FRENCH_OPEN_END = "«[\u202f\xa0]"
_FRAGMENT_END = re.compile(_CUT_END + "$|(?:^| )(?:" + _OPEN_END + "|" + _FRENCH_OPEN_END + ")$|" + _CJK_OPEN_END + "$")
# A "." or ":" that goes on with a sentence: not "..." nor before a letter (code), nor ":-".
_GOING_ON_STOP = r"\.(?![.]|[^\W\d_])|:(?![^\W\d_]|-)"
# A straight quote that closes one: before a space or punctuation (one that opens a quote
# comes before its first word).
_CLOSING_QUOTE = r"\"(?=[ ,.;:!?)])"
# A piece opening with one space, or a no-break space before a lower-case word (a paragraph
# indented by one "&nbsp;" opens with a capital).
_SPACE_START = r" [\w('\"‘“]|\xa0[a-zß-öø-ÿ]"
# Closing quotes and brackets of other languages, Chinese and Japanese commas and stops, a
# German closing "“" before punctuation, and a Japanese particle before a word (no sentence
# opens with "は" or "と"): each goes on with the piece before.
_OTHER_CLOSING = r"[\u202f\xa0]?»|[」』）】〉》、。，]|“(?=[ ,.;:!?)])|[はがをにへでとも](?=[\u3400-\u9fff\u30a0-\u30ff])"
_FRAGMENT_START = re.compile(_SPACE_START + r"|[,;)\]’”،؛]|" + _CLOSING_QUOTE + "|" + _OTHER_CLOSING + r"|%(?!%)|" + _GOING_ON_STOP)  # ("%%NAME%%": a template's leftover)
_MARKER = re.compile(r"[ ]*(?:[-*+•>|#]|\d{1,9}[.)])(?:[ ]|$)")
# _MARKER reads at most this many characters of a stripped line (nine digits, ".", " ").
_MARKER_REACH = 16
_LIST_ITEM = re.compile(r"[ ]*(?:[-*+•]|\d{1,9}[.)])[ ]")
# The target of a markdown link still open at the end of a line: "[text](https://a/b-".
_OPEN_TARGET = re.compile(r"\]\([^\s()]*$")
# A setext heading's underline ("Title" over "=====" or "-----"): it belongs to the line
# above, is never prose, and no line is joined to it.
_UNDERLINE = re.compile(r"[ ]{0,3}(?:=+|-+)[ ]*$")
# A line that ends inside a hyphenated word ("pop-" / "up"): wrappers break after a hyphen.
_WORD_HYPHEN = re.compile(r"[^\W\d_]-$")
_HANGING_HYPHEN_NEXT = frozenset({"and", "or", "to", "nor"})


def check_split(mode: str) -> None:
    """Refuse a split mode that is not one of ``SPLIT_MODES``."""
    if mode not in SPLIT_MODES:
        raise InputError(f"unknown split mode {mode!r}; use one of {', '.join(SPLIT_MODES)}")


# A line that shows nothing but holds a zero-width space, a joiner, a soft hyphen or a
# direction mark (and maybe spaces): a blank line, as a browser shows it.
_INVISIBLE = f"\u00ad\u200b-\u200d\u2060\ufeff{DIRECTION_MARKS}"
# (each looked for with str's own search first: far quicker than a regex over every page)
_INVISIBLE_CHARS = re.findall(f"[{_INVISIBLE}]", "".join(map(chr, range(0x80, 0x2070))) + "\ufeff")  # (one pass)
_SHOWS_NOTHING = re.compile(rf"^(?=[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*?[{_INVISIBLE}])"
                            rf"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000{_INVISIBLE}]+$", re.MULTILINE)


def split_page(text: str, mode: str = DEFAULT_SPLIT) -> list[str]:
    """The blocks of one page's text, split by ``mode`` (``auto``, ``blank`` or ``line``)."""
    check_split(mode)
    if not text.isascii() and any(c in text for c in _INVISIBLE_CHARS) and _SHOWS_NOTHING.search(text):
        text = _SHOWS_NOTHING.sub("", text)  # a blank line, not a block of its own
    if mode == "blank":
        return segment(text)
    if mode == "line":
        return [line for line in normalise_newlines(text).split("\n") if line.strip()]
    blocks = _join_fenced(_segment_joining_fragments(text))
    if any("\n" in block for block in blocks):  # both repairs need blocks of several lines
        width = wrap_width(blocks)
        if width is not None:
            blocks = [_unwrap(block, width) for block in blocks]
        elif _one_paragraph_a_line(blocks) or _lines_without_blank(blocks):
            stripped = _may_be_stripped(text)
            blocks = [part for block in blocks for part in _per_line(block, stripped)]
        blocks = [part for block in blocks for part in _split_at_indentation(block)]
        blocks = [part for block in blocks for part in _split_at_fences(block)]
    elif len(blocks) == 1 and is_flattened(blocks[0]):
        return sentences(blocks[0])
    blocks = _join_loose_lists(_rejoin_split_links(_without_bare_markup(blocks)))
    if "\n    " in text:  # (a program in indented code shows one: a line indented four spaces)
        blocks = _join_split_programs(blocks)
    if "<table" in text or "<TABLE" in text:
        blocks = _join_html_tables(blocks)
    if _may_be_stripped(text) and len(blocks) >= MIN_TABLE_CELLS and _cut_at_elements(normalise_newlines(text)):
        blocks = _join_cut_tables(blocks)
    return blocks


# A block of a container's tags alone, closing ones then opening ones, no text and no element
# whole: the wrappers markdown converters keep on lines of their own (pandoc's gfm writes
# `<div class="byline">` and `</div>` apart). No block of the page, as the HTML reader makes
# none of them. (An element whole, an empty ad slot `<div class="ad"></div>`, a comment, an
# iframe or a tracking image is a block of its own: the corpus labels them.)
_WRAPPER_TAGS = "div|span|section|article|main|header|footer|aside|nav|figure|center|font"
_BARE_WRAPPERS = re.compile(r"(?:\s*</(?:{0})\s*>)*(?:\s*<(?:{0})(?:\s[^<>]{{0,2000}})?>)*\s*".format(_WRAPPER_TAGS),
                            re.IGNORECASE)


def _without_bare_markup(blocks: list[str]) -> list[str]:
    kept = [block for block in blocks if not (block.lstrip().startswith("<") and _BARE_WRAPPERS.fullmatch(block))]
    return kept or blocks  # a page of wrappers alone is refused or tagged as it is, not emptied


# A page flattened to one line (BeautifulSoup's get_text(" ", strip=True), Scrapy's text
# joined with spaces, trafilatura's html2txt): no line break says where its parts end, so
# it is split at its sentences, the only ends it still shows. A long paragraph alone is no
# such page: a flattened page shows its menu, a run of capitalised words. A brief's page
# (a short story, its menu and footer) runs to 1,000 characters or so.
MIN_FLATTENED_CHARS = 1000
MIN_FLATTENED_SENTENCES = 5
MIN_MENU_WORDS = 6
# How far into the line its menu and its sentences are looked for.
MENU_REACH = 4000
SENTENCE_REACH = 8000
_MENU_RUN = re.compile(rf"(?:(?:[{CAPITAL_LETTERS}][\w&'’.-]*|[|·•/»›]|[{_HAN_KANA}]{{1,4}}) ){{{MIN_MENU_WORDS}}}")
# A sentence ends at ".", "?" or "!" (and any closing quote or bracket, which stays with it)
# before a space and a capital, digit or opening quote (or a letter of a script without
# capitals); not after an initial or a date's day ("Ann E. Lee", "am 3. Oktober"), nor after
# a title or other abbreviation. Chinese and Japanese full stops end one (with the quote they
# close) before anything but a particle that goes on with the sentence ("来る。」と述べた").
_ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "St", "Sen", "Rep", "Gov", "Gen", "Lt", "Col", "Sgt", "Capt", "Prof",
                  "Rev", "Jr", "Sr", "Sra", "Srta", "Dra", "Inc", "Co", "Corp", "Ltd", "No", "Nr", "vs", "Jan", "Feb",
                  "Mar", "Apr", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec", "Mt", "Ft", "Ave", "approx", "aprox",
                  "ca", "etc", "Abs", "Mio", "Mrd", "Ing", "Dipl", "bzw", "usw", "vgl", "Hr", "Fr", "Mme", "Mlle")
_MONTHS = ("Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|Jänner|"
           "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre")
_SENTENCE_BREAK = re.compile(r"(?!(?<=\d\.)\s+(?:%s)\b)(?:(?<=[.!?…؟])(?<!\b[%s]\.)" % (_MONTHS, CAPITAL_LETTERS)
                             + "".join(rf"(?<!\b{word}\.)" for word in _ABBREVIATIONS)
                             + rf"([\"'’”)\]»]*)\s+(?=[\"'‘“„«¿¡(\[]?[{CAPITAL_LETTERS}{_UNCASED}{_HAN_KANA}0-9])"
                             + r"|(?<=[。！？])([」』）”]*)(?![」』）”]|\s*[はがをにへでとも])\s*(?=\S))")


def is_flattened(text: str) -> bool:
    """Whether ``text`` is a whole page flattened to one line (see MIN_FLATTENED_CHARS)."""
    return (len(text) >= MIN_FLATTENED_CHARS and "\n" not in text and "\r" not in text
            and bool(_MENU_RUN.search(text, 0, MENU_REACH))
            and len(_SENTENCE_BREAK.findall(text, 0, SENTENCE_REACH)) >= MIN_FLATTENED_SENTENCES)


def sentences(text: str) -> list[str]:
    """``text`` cut at its sentences' ends; a closing quote or bracket stays with its sentence."""
    text = text.strip()
    parts, start = [], 0
    for end in _SENTENCE_BREAK.finditer(text):
        parts.append(text[start:end.end(1) if end.group(1) is not None else end.end(2)])
        start = end.end()
    parts.append(text[start:])
    return [part for part in parts if part]


# Where a seam of _segment_joining_fragments could be: a piece ending "word " or starting
# " word" beside a single empty line. A page with none is split by one regex.
# (A piece's start as both look for it: _FRAGMENT_START's alternatives, any "%" among them.)
_CUT_START = _SPACE_START + r"|[,;)\]’”%،؛]|" + _CLOSING_QUOTE + "|" + _OTHER_CLOSING + "|" + _GOING_ON_STOP
_SEAM_CANDIDATE = re.compile(r"\n\n(?:(?<=" + _CUT_END + r"\n\n)|(?<=" + _OPEN_END + r"\n\n)|(?<="
                             + _CJK_OPEN_END + r"\n\n)|(?<=" + _FRENCH_OPEN_END + r"\n\n)|" + _CUT_START + ")")
# A piece that starts as only a cut sentence does (" spent Monday", ", who"): the evidence that
# a page was cut at its inline elements. Without one, a block that ends in a space is not cut
# there: markdown exports leave a stray trailing space after a byline or an image.
_STARTING_SEAM = re.compile(r"\n\n(?:" + _CUT_START + ")")
# A run of lines that are not blank (blank: whitespace only, as str.strip() sees it).
_NONBLANK_RUN = re.compile(r"^[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*", re.MULTILINE)


def _segment_joining_fragments(text: str) -> list[str]:
    """:func:`blocks.segment`, except that pieces of one sentence are kept together.
    BeautifulSoup's ``get_text("\\n\\n")`` puts a blank line around every inline element:
    "The " / "Steelers" / " spent Monday". A single empty line with a piece that ends or
    starts with one space beside it ("The ", " spent") is such a seam, unless a list,
    heading, quote or table line meets it; blocks of the corpus's form never end or start
    that way."""
    text = normalise_newlines(text)
    stripped = _may_be_stripped(text)
    if not (_SEAM_CANDIDATE.search(text) or (stripped and _STRIPPED_SEAM_CANDIDATE.search(text))):
        return _NONBLANK_RUN.findall(text)
    return _segment_joining_seams(text, stripped, _cut_at_elements(text))


def _cut_at_elements(text: str) -> bool:
    """Whether a page shows a piece that starts as only a cut sentence does, so that a piece
    ending in one space is a cut too (``_FRAGMENT_END``)."""
    return _STARTING_SEAM.search(text) is not None


def _may_be_stripped(text: str) -> bool:
    """Whether seams may have lost their space: only on a page with no link markup, as
    get_text and Scrapy's text nodes write pages (a markdown page's blocks may start in lower
    case: "by [Ana Ruiz](#)", an icon's name)."""
    return "](" not in text


def _segment_joining_fragments_slowly(text: str) -> list[str]:
    """:func:`_segment_joining_fragments` without its one-regex path (a test checks that
    they agree)."""
    text = normalise_newlines(text)
    return _segment_joining_seams(text, _may_be_stripped(text), _cut_at_elements(text))


def _segment_joining_seams(text: str, stripped: bool = False, cut: bool = True) -> list[str]:
    blocks: list[str] = []
    current: list[str] = []  # the block's lines but its last
    pieces: list[str] = []  # the last line, as the pieces joined at seams (joined once, at its end)
    head = ""  # the last line's start, as far as a marker reaches
    blanks: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            blanks.append(line)
            continue
        piece = _seam_piece(pieces[-1], head, line, blanks, stripped, cut) if pieces else None
        if piece is not None:
            pieces.append(piece)
            head = head if len(head) >= _MARKER_REACH else (head + line)[:_MARKER_REACH]
            blanks = []
            continue
        if pieces:
            current.append("".join(pieces))
        if current and blanks:
            blocks.append("\n".join(current))
            current = []
        pieces, head, blanks = [line], line.lstrip()[:_MARKER_REACH], []
    if pieces:
        current.append("".join(pieces))
    if current:
        blocks.append("\n".join(current))
    return blocks


def _seam_piece(last_piece: str, head: str, line: str, blanks: list[str], stripped: bool, cut: bool) -> str | None:
    """``line`` as the next piece of the line before it when a seam joins them (with the
    space that the seam lost, where it lost one), else None."""
    if blanks == [""] and _is_seam(last_piece, head, line, cut):
        return line
    if cut and blanks == _SPACE_BETWEEN and _is_spaced_seam(last_piece, head, line):
        return " " + line  # the space between two inline elements was a piece of its own
    if stripped and blanks == [""]:
        if _is_drop_cap(last_piece, line):
            return line
        if _is_stripped_seam(last_piece, head, line):
            return " " + line
    return None


# get_text("\n\n") writes the space between two inline elements ("<em>new</em> <b>vents</b>")
# as a piece of its own: a line of one space between two empty ones. On a page cut at its
# elements, a piece that goes on there in lower case after one that ends no sentence is the
# same sentence's.
_SPACE_BETWEEN = ["", " ", ""]


def _is_spaced_seam(last_piece: str, head: str, line: str) -> bool:
    return line[:1].islower() and not _ends_sentence(last_piece) and not (_MARKER.match(head) or head.startswith("#"))


# A seam that stripping took the space out of (BeautifulSoup's get_text(strip=True),
# Scrapy's stripped text nodes): "the waiting room of the" / "Eastbrook Night Clinic" /
# "holds a courier". A piece ending in a word no sentence or heading ends in ("the", "of")
# goes on. (A lower-case end before a lower-case start is no such evidence: comments,
# ingredients, lyrics and e-mails are written so.)
_NO_END_WORDS = ("the", "of", "and", "with", "its", "their", "his", "our", "your", "my", "these", "those")
# (not "an", "her", "a" or "or": German and French headings end in them, "kündigt Rücktritt
# an", "Une saison en or")
# ("by" is left out: element-a-block pages write "By" / "Ana Ruiz" as a byline's parts.)
_NO_END_WORD = re.compile(r"(?<![^\s(“‘])(?:%s)$" % "|".join(_NO_END_WORDS))
_NO_END_REACH = max(map(len, _NO_END_WORDS))
# A piece ending in a comma after a word ("His first book," / "Salt Roads"), or in a dash set
# apart (a press release's dateline, "BOSTON, April 7, 2026 /Newswire/ --"; not one that
# opens with a dash too, "— Advertisement —"), goes on too.
_GOES_ON = r"\w,|[ ](--|—|–)"
_GOES_ON_END = re.compile(f"(?:{_GOES_ON})$")
_GOES_ON_REACH = 4
# A drop cap: a paragraph's first letter in an element of its own ("T" / "he supply boat").
_DROP_CAP = re.compile(f"[{CAPITAL_LETTERS}]")
# Where such a seam could be (for the one-regex path): one of those ends before an empty
# line, or a capital alone before a lower-case line.
_STRIPPED_SEAM_CANDIDATE = re.compile(f"(?:{'|'.join(_NO_END_WORDS)}|{_GOES_ON})\n\n"
                                      f"|(?:^|\n){_DROP_CAP.pattern}\n\n[{SMALL_LETTERS}]")


def _is_stripped_seam(last_piece: str, head: str, line: str) -> bool:
    return (_goes_on(last_piece)
            and not (line[:1].isspace() or _MARKER.match(line) or head.startswith("#") or line.startswith("#")))


def _goes_on(piece: str) -> bool:
    if _NO_END_WORD.search(piece, max(0, len(piece) - _NO_END_REACH)):
        return True
    end = _GOES_ON_END.search(piece, max(0, len(piece) - _GOES_ON_REACH))
    return end is not None and not (end.group(1) and piece.lstrip()[:1] in "-—–")


def _is_drop_cap(last_piece: str, line: str) -> bool:
    return len(last_piece) == 1 and _DROP_CAP.match(last_piece) is not None and line[:2].isalpha() and line[:1].islower()


# A line a stripped cut starts: punctuation that no line of its own opens with (not a
# quote: Swedish quotes open with ”), nor a space (Scrapy's text nodes keep their own).
_CLOSING_START = re.compile(r"[,;)\]%،؛]|" + _GOING_ON_STOP)


def _is_seam(last_piece: str, head: str, line: str, cut: bool = True) -> bool:
    # Only the last piece's end and the line's start are read, so a page of a thousand
    # seams is read once, not once per seam.
    seam = (cut and _FRAGMENT_END.search(last_piece, max(0, len(last_piece) - 3))) or _FRAGMENT_START.match(line)
    if seam and _NEW_STATEMENT.match(line) and _ends_sentence(last_piece):
        return False  # a sentence ended, and one starts indented (lxml's text_content keeps the source's indent)
    return bool(seam) and not (_MARKER.match(line.lstrip()) or _MARKER.match(head))


# A line that starts a sentence after one space, and a piece that ended one (a cut piece,
# "The ", ends in a space instead).
def _ends_sentence(piece: str) -> bool:
    found = _ENDS_STATEMENT.search(piece, max(0, len(piece) - 40))
    return bool(found) and found.group(1) not in _ABBREVIATIONS


_NEW_STATEMENT = re.compile(f" [{CAPITAL_LETTERS}]")
# A sentence's end: a word of three or more letters, not all capitals ("Sen.", "U.S.",
# "Mr." and initials end no sentence), before its stop; a colon ends none ("By:", "Photo:").
_ENDS_STATEMENT = re.compile(rf"(?<![^\W\d_])([^\W\d_]*[{SMALL_LETTERS}][^\W\d_]{{2,}})[.!?…][\"'’”)\]]*$")


def _join_loose_lists(blocks: list[str]) -> list[str]:
    """Runs of :data:`MIN_LOOSE_LIST_ITEMS` or more blocks that are each one bulleted line,
    as one block: the list a tight list would have been ("- [Business](/tags/business)" ...,
    a tag list). Alone, each item reads like a teaser or a menu entry."""
    # Most blocks start with a letter: the regex runs only on the few that may be items.
    items = [block[:1] in _BULLET_FIRST and "\n" not in block and _BULLET_ITEM.match(block) is not None
             and not _THEMATIC_BREAK.match(block) for block in blocks]
    if sum(items) < MIN_LOOSE_LIST_ITEMS:
        return blocks
    out: list[str] = []
    run: list[str] = []
    for block, item in zip(blocks + [""], items + [False]):  # the empty block ends the last run
        if item:
            run.append(block)
            continue
        out += ["\n".join(run)] if len(run) >= MIN_LOOSE_LIST_ITEMS else run
        run = []
        if block:
            out.append(block)
    return out


def _join_cut_tables(blocks: list[str]) -> list[str]:
    """Runs of a table's cells, cut one a block, as one block (:data:`MIN_TABLE_CELLS`;
    text cells between short ones as :data:`MAX_TEXT_CELL_WORDS` says)."""
    out: list[str] = []
    run: list[str] = []  # short cells, and text cells each followed by a short cell
    pending: str | None = None  # a text cell, kept once a short cell follows it
    for block in blocks + [None]:  # None ends the last run
        if block is not None and _is_cell(block):
            if pending is not None:
                run.append(pending)
                pending = None
            run.append(block)  # (as it came: a run that is no table is given back untouched)
            continue
        if block is not None and run and pending is None and _is_text_cell(block):
            pending = block
            continue
        out += _table_or_cells(run, pending)
        run, pending = [], None
        if block is not None:
            out.append(block)
    return out


def _table_or_cells(run: list[str], last: str | None = None) -> list[str]:
    """A run of cells (and ``last``, a text cell after it) as table blocks where they are
    tables, else as they were: each stretch of short cells a table if it is one alone. Text
    cells are a column when they come a row apart (the same number of cells from each to
    the next), from the first two on; such a table ends within a row of the column's last."""
    cells = run + ([last] if last is not None else [])
    at = [i for i, cell in enumerate(cells) if not _is_cell(cell)]
    out: list[str] = []
    start = first = 0  # the cells not yet out; the first of ``at`` among them
    # A column is looked for from the run's start and after each table found, not past a text
    # cell that starts none: what follows it in the same run is as often a widget's list
    # ("Similar topics": a title, replies, activity) with chrome before it as a second table.
    while (end := _column_table_end(cells, start, at, first)) is not None:
        out.append(TABLE_CELL_SEPARATOR.join(cell.strip() for cell in cells[start:end]))
        start = end
        first = bisect.bisect_left(at, start)
    return out + _stretches(cells[start:])


def _stretches(cells: list[str]) -> list[str]:
    """Cells as they were, but each stretch of short ones between text cells a table block
    if it is one alone."""
    out: list[str] = []
    stretch: list[str] = []
    for cell in cells + [None]:
        if cell is not None and _is_cell(cell):
            stretch.append(cell)
            continue
        out += [TABLE_CELL_SEPARATOR.join(cell.strip() for cell in stretch)] if _is_table(stretch) else stretch
        stretch = []
        if cell is not None:
            out.append(cell)
    return out


def _column_table_end(cells: list[str], start: int, at: list[int], first: int) -> int | None:
    """Where a table from ``cells[start]`` with a column of text cells (``at[first:]``, the
    text cells' places) ends, or None if they are no column, or the short cells no table."""
    if len(at) - first < MIN_TEXT_COLUMN_CELLS:
        return None
    row = at[first + 1] - at[first]
    # Each row two short cells or more, and a header row's worth of them before the first
    # row's: a live blog's time, heading and post come a "row" apart too, but headless.
    if row <= MIN_SHORT_CELLS_PER_TEXT_CELL or at[first] - start < 2 * (row - 1):
        return None
    k = first + 2  # past the text cells of the column
    while k < len(at) and at[k] - at[k - 1] == row:
        k += 1
    end = min(at[k], at[k - 1] + row) if k < len(at) else len(cells)
    if k - first < MIN_TEXT_COLUMN_CELLS or not _is_table([cell for cell in cells[start:end] if _is_cell(cell)]):
        return None
    return end


def _is_table(cells: list[str]) -> bool:
    numbers = sum(_NUMBER_CELL.fullmatch(cell.strip()) is not None for cell in cells)
    return len(cells) >= MIN_TABLE_CELLS and numbers >= MIN_NUMBER_CELL_SHARE * len(cells)


def _is_cell(block: str) -> bool:
    cell = block.strip()
    return (len(cell) <= MAX_CELL_CHARS and "\n" not in cell and len(cell.split()) <= MAX_CELL_WORDS
            and not cell.startswith("#") and _CELL_END.search(cell) is None)


def _is_text_cell(block: str) -> bool:
    cell = block.strip()
    return (0 < len(cell) <= MAX_TEXT_CELL_CHARS and "\n" not in cell and len(cell.split()) <= MAX_TEXT_CELL_WORDS
            and not cell.startswith("#"))


def _rejoin_split_links(blocks: list[str]) -> list[str]:
    """Re-join a link whose text spans a blank line, as markdownify writes a linked image
    and heading: "[![alt](src)" + blank line + "#### Title](url)" is one block."""
    out: list[str] = []
    joined = False  # a block that took the next one in is not re-opened
    for block in blocks:
        if (out and not joined and "](" in block and len(out[-1]) + len(block) <= MAX_SPLIT_LINK_CHARS
                and _CLOSES_LINK.match(block) and _open_brackets(out[-1]) > 0):
            out[-1] += "\n" + block
            joined = True
            continue
        out.append(block)
        joined = False
    return out


def _open_brackets(text: str, depth: int = 0) -> int:
    """How many '[' are still open at the end of the text (escaped ones aside), ``depth``
    being open before it."""
    for match in _BRACKET.finditer(text):
        bracket = match.group()
        if bracket == "[":
            depth += 1
        elif bracket == "]" and depth:
            depth -= 1
    return depth


def wrap_width(blocks: list[str]) -> int | None:
    """The column a hard-wrapped page was wrapped at, or None for a page that is not."""
    # Wrapped prose goes on on the next line of the same block, again and again; an
    # unwrapped page whose prose lines happen to be short has them one a block.
    continued = mid_sentence = runs = several = 0  # runs: blocks with a prose line going on
    breaks: list[tuple[int, int]] = []  # each going-on line's length, and the next line's first word's
    for block in blocks:
        if "\n" in block:
            lines = block.split("\n")
            before = continued
            for a, b in zip(lines, lines[1:]):
                if _is_prose(a) and not _MARKER.match(b):
                    continued += 1
                    mid_sentence += not _SENTENCE_END.search(a.rstrip())
                    several += bool(_SENTENCE_INSIDE.search(a))
                    first = b.split(None, 1)[0] if b.strip() else ""
                    breaks.append((len(a.rstrip()), len(first)))
            runs += continued > before
    if continued < MIN_WRAPPED_LINES:
        return None
    # Lines that end their sentences in the page's one run of lines are paragraphs a line;
    # in several blank-line paragraphs, they are sentences a line (semantic line breaks),
    # unless many of them hold more than one sentence (a paragraph-a-line page cut by a
    # stray blank line).
    if mid_sentence < MID_SENTENCE_SHARE * continued and (
            runs <= 1 or several >= MULTI_SENTENCE_LINE_SHARE * continued):
        return None
    lengths = sorted(len(line.rstrip()) for block in blocks for line in block.split("\n") if _is_prose(line))
    if len(lengths) < MIN_PROSE_LINES:
        return None
    width = lengths[int(WRAP_PERCENTILE * (len(lengths) - 1))]
    wrapped = continued >= max(MIN_WRAPPED_LINES, WRAPPED_SHARE * len(lengths))
    # A wrapper breaks a line only where the next word would not fit on it; a page of one run
    # of lines that often end before a word that would have (trafilatura's text, a paragraph
    # a line, its title and a line ending in ":" among them) is not wrapped. (Paragraphs
    # between blank lines written a sentence a line are joined as wrapped ones are.)
    if runs <= 1 and sum(line + 1 + word <= width for line, word in breaks) > MAX_FITTING_SHARE * continued:
        return None
    return width if width <= MAX_WRAP_WIDTH and wrapped else None


def _unwrap(block: str, width: int) -> str:
    """Re-join the lines a wrapper broke: a line continues the one before when that one
    reaches near the wrap width (or the line's first token would not have fitted on it) and
    ends in no hard break (html2text writes ``<br>`` as two
    trailing spaces), and the line starts with no list, heading or quote marker (an
    indented line continues a list item)."""
    lines = block.split("\n")
    if _is_indented_code(lines):
        return block
    # Each output line as its pieces and its length, joined once at the end: a paragraph of
    # thousands of wrapped lines is read once, not once per line.
    out = [[lines[0]]]
    lengths = [len(lines[0])]
    in_code = _is_fence(lines[0])
    for previous, line in zip(lines, lines[1:]):
        fence = _is_fence(line)
        if in_code or fence:  # code's lines are its own, never a wrapper's
            out.append([line])
            lengths.append(len(line))
            in_code = in_code != fence
            continue
        pieces = out[-1]
        last = pieces[-1]  # the output line ends with it (a joined piece has no trailing space)
        length = lengths[-1] - (len(last) - len(last.rstrip()))  # the output line's, right-stripped
        # Broken near the width, or before a token too long to fit (a link with its URL).
        first = line.split(None, 1)[0] if line.strip() else ""
        wrapped = length >= WRAPPED_LINE_SHARE * width or length + 1 + len(first) > width
        # A wrapper never lets a line run past the width where it could have broken it: a
        # space past the width says this one was not wrapped (html2text's definitions).
        wrapped = wrapped and previous.rstrip().rfind(" ") <= width
        hard_break = last.endswith(("  ", "\\"))  # html2text's <br>; CommonMark's backslash break
        if (wrapped and not hard_break and line.strip() and not _MARKER.match(line.lstrip(" "))
                and not _UNDERLINE.match(line) and not (len(pieces) == 1 and _UNDERLINE.match(last))
                and not _is_table_rule(line)):
            pieces[-1] = last = last.rstrip()
            joiner = " "
            if last.endswith("-"):  # a word or a link's target broken at its hyphen, or a hanging hyphen
                tail = _last_word(pieces)  # what the hyphen and link-target tests read
                # "pre-" / "and post-war" keeps its hanging hyphen
                in_word = (_WORD_HYPHEN.search(tail) and line.lstrip()[:1].isalpha()
                           and first.lower() not in _HANGING_HYPHEN_NEXT)
                joiner = "" if in_word or _OPEN_TARGET.search(tail) else " "
            if joiner and is_cjk(last[-1:]) and is_cjk(line.lstrip()[:1]):
                joiner = ""  # Chinese and Japanese put no space between words
            piece = line.lstrip()  # its trailing spaces kept: a hard break before the next line
            pieces += (joiner, piece)
            lengths[-1] = length + len(joiner) + len(piece)
        else:
            out.append([line])
            lengths.append(len(line))
    return "\n".join("".join(pieces).rstrip() for pieces in out)


def _is_table_rule(line: str) -> bool:
    """A markdown table's rule under its header row ("|------|:----:|")."""
    return "|" in line and "-" in line and not line.strip(" |-:")


def _is_indented_code(lines: list[str]) -> bool:
    """Markdown's indented code (html2text writes a ``<pre>`` so): every line indented four
    spaces or more, the first with no list marker (a list item's lines are indented under it),
    and no line going on into the next as wrapped prose does (a loose list item's second
    paragraph, indented under it by pandoc)."""
    stripped = [line.strip() for line in lines]
    return (all(line.startswith("    ") or not line.strip() for line in lines)
            and not _MARKER.match(lines[0].lstrip(" "))
            and not any(map(_goes_on_wrapped, stripped, stripped[1:])))


def _last_word(pieces: list[str]) -> str:
    """The end of a line being joined from its pieces, back to its last white space but no
    further than a link's longest target: the hyphen test reads two characters and an open
    link target has no space in it. (Bounded: a page of lines with no space, Chinese or a
    wrapped URL, would otherwise be read back to its start at every line.)"""
    tail: list[str] = []
    size = 0
    for piece in reversed(pieces):
        tail.append(piece)
        size += len(piece)
        if size > _MAX_TAIL or any(c.isspace() for c in piece):
            break
    return "".join(reversed(tail))[-_MAX_TAIL:]


_MAX_TAIL = MAX_LINK_TARGET + 2  # "](" and the longest target a link may have


def _join_fenced(blocks: list[str]) -> list[str]:
    """A fenced code block with blank lines in it (a function's body apart from its imports)
    as one block, its blank lines dropped as the HTML reader drops them (a blank line would
    end the block). html2text's ``--mark-code`` markers, ``[code]`` and ``[/code]`` on lines
    of their own, are fences too. A fence closed by no later block within
    :data:`MAX_FENCED_BLOCKS` (a divider of tildes, a stray marker) joins nothing."""
    if not any("```" in block or "~~~" in block or "[code]" in block for block in blocks):
        return blocks
    blocks = ["\n".join("```" if line.strip() in _MARKED_CODE else line for line in block.split("\n"))
              for block in blocks]
    joined: list[str] = []
    k = 0
    while k < len(blocks):
        end = k
        if _opens_code(blocks[k]):
            end = next((j for j in range(k + 1, min(len(blocks), k + 1 + MAX_FENCED_BLOCKS)) if _opens_code(blocks[j])), k)
        joined.append("\n".join(blocks[k:end + 1]))
        k = end + 1
    return joined


MAX_FENCED_BLOCKS = 200


def _opens_code(block: str) -> bool:
    """Whether a block holds an odd number of fence lines (one left open, or one closing
    another block's); a line that opens and closes its fence ("```npm i x```") is none."""
    return sum(_is_fence(line) and not _closes_itself(line) for line in block.split("\n")) % 2 == 1


def _closes_itself(line: str) -> bool:
    text = line.strip()
    mark = text[:3]
    return len(text) > 6 and text.endswith(mark) and text.strip(mark[0]) != ""


_MARKED_CODE = frozenset({"[code]", "[/code]"})


def _split_at_fences(block: str) -> list[str]:
    """A fenced code block apart from text on the lines before and after it (trafilatura's
    markdown puts no blank line after a closing fence)."""
    if "```" not in block and "~~~" not in block:
        return [block]
    parts: list[list[str]] = [[]]
    in_code = False
    for line in block.split("\n"):
        fence = _is_fence(line)
        after_code = not in_code and parts[-1] and _is_fence(parts[-1][-1]) and " " in line.strip()
        if (fence and not in_code and parts[-1]) or after_code:
            parts.append([])  # before an opening fence, or after a closing one (a copy button's icon stays)
        parts[-1].append(line)
        in_code = in_code != fence
    return ["\n".join(part) for part in parts]


def _is_fence(line: str) -> bool:
    return line.lstrip().startswith(("```", "~~~"))


def _split_at_indentation(block: str) -> list[str]:
    """A block cut where a line of text is indented :data:`MIN_INDENT_STEP` or more spaces
    more or less than the text line before it. inscriptis indents each element by its
    nesting depth and puts no blank line between ``<div>`` elements, so a change of depth is
    a change of element ("By Jo Park" over an indented share menu). Lines with a list,
    heading or quote marker, and lines after a hard break (a trailing space), are left
    alone: a markdown list item's continuation is indented under its marker. But a list
    item at the list's margin ends the indented text of an item begun in an earlier block:
    markdownify writes no blank line after the last paragraph of an item that holds several."""
    if "\n" not in block or "```" in block or "~~~" in block or _is_code(block):  # code keeps its indentation
        return [block]
    if _is_indented_program(block):
        return [block]
    parts = [[]]
    previous = item_indent = None
    for line in block.split("\n"):
        if previous is None:
            item_indent = _item_text_indent(line)
        elif _changes_depth(previous, line) or _next_item(previous, line, item_indent):
            parts.append([])
            item_indent = _item_text_indent(line)
        parts[-1].append(line)
        previous = line
    return ["\n".join(part) for part in parts]


def _item_text_indent(line: str) -> int | None:
    """The indentation of a part's first line when it may be a list item's text whose marker
    is in a block before (indented, no marker of its own); else None."""
    indent = _indent(line)
    return indent if indent >= MIN_INDENT_STEP and not _LIST_ITEM.match(line) else None


# Code a scraper kept (a script, a style, JSON-LD): a line opens a bracket at its end and
# another closes one at its start. inscriptis's elements never do.
_OPENS_AT_END = re.compile(r"[{\[(][ ]*$", re.MULTILINE)
_CLOSES_AT_START = re.compile(r"^[ ]*[}\])]", re.MULTILINE)


# A line of a program (an assignment, a call, a keyword's block opening with a colon): what
# markdown's indented code holds and inscriptis's indented elements do not.
PROGRAM_LINE_SHARE = 0.5
_CODE_STATEMENT = re.compile(r"^[ ]{4,}(?! )(?:\w[\w.]*\s*[-+*/]?=[^=]|(?:def|class|for|while|if|return|import|from|try|except|"
                             r"function|var|let|const|public|private)\b|\w[\w.]*\(.*\)[;:]?$|.*[:{;]$)", re.MULTILINE)


def _is_indented_program(block: str) -> bool:
    """A block of markdown's indented code that is a program (html2text writes a ``<pre>``
    so): every line indented four spaces or more, the first no list item, and most lines
    statements. Kept whole, as a fenced one is, not cut at its indentation or its lines."""
    lines = [line for line in block.split("\n") if line.strip()]
    if len(lines) < 2 or not all(line.startswith("    ") for line in lines) or _MARKER.match(lines[0].lstrip(" ")):
        return False
    return sum(_CODE_STATEMENT.match(line) is not None for line in lines) >= PROGRAM_LINE_SHARE * len(lines)


# A raw HTML table in a markdown page, its rows and cells apart (html2text --bypass-tables
# writes each cell's text between blank lines): its blocks up to the closing tag are one
# block, which the dialect reader reads as the HTML reader reads a table. At most this many.
MAX_TABLE_BLOCKS = 2000
_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)
_TABLE_PART = re.compile(r"<(?:tr|td|th)\b", re.IGNORECASE)


def _join_html_tables(blocks: list[str]) -> list[str]:
    """A raw HTML table's blocks, from the one that opens it to the one that closes it (at
    most :data:`MAX_TABLE_BLOCKS` more), as one block when it is a table: a row or cell tag
    among them. A block that only mentions one ("the <table> element", as a converter writes
    an escaped tag) and no closing tag follows, joins nothing."""
    # Nesting level before each block; a table opened at i closes at the first block after
    # which the level is back to what it was before i (the next level at or below it).
    levels = list(itertools.accumulate((_table_depth(block) for block in blocks), initial=0))
    parts = list(itertools.accumulate((_TABLE_PART.search(block) is not None for block in blocks), initial=0))
    back = [None] * len(levels)  # back[k]: the first m > k with levels[m] <= levels[k]
    waiting: list[int] = []
    for m, level in enumerate(levels):
        while waiting and levels[waiting[-1]] >= level:
            back[waiting.pop()] = m
        waiting.append(m)
    out: list[str] = []
    i = 0
    while i < len(blocks):
        end = back[i] if levels[i + 1] > levels[i] else None  # (the block leaves a table open)
        if end is None and levels[i + 1] > levels[i] and parts[-1] > parts[i]:
            end = len(blocks)  # never closed: a page cut short inside its table
        if end is not None:
            end = min(end, i + 1 + MAX_TABLE_BLOCKS)
        if end is None or parts[end] == parts[i]:  # no row or cell: a mention, not a table
            out.append(blocks[i])
            i += 1
        else:
            out.append("\n".join(blocks[i:end]))
            i = end
    return out


def _table_depth(block: str) -> int:
    return len(_TABLE_OPEN.findall(block)) - len(_TABLE_CLOSE.findall(block))


def _join_split_programs(blocks: list[str]) -> list[str]:
    """A program in markdown's indented code that holds a blank line (html2text and pandoc
    write a ``<pre>`` so) as one block: the part after the blank line goes on with the
    program before it, as a fenced block's does, instead of standing alone as a line of
    code (which reads as a script a scraper kept)."""
    out: list[list[str]] = []  # each block out as its parts (joined once: a long program is not copied a part at a time)
    program = False  # the last block out is an indented program
    for k, block in enumerate(blocks):
        if program and _is_indented_code_part(block):
            out[-1].append(block)
            continue
        out.append([block])
        # A program's first part may be one line ("import pandas as pd", a blank line, then
        # more) when a program of several lines follows it; get_text's lines of code cut one a
        # block stay as they came.
        program = _is_indented_program(block) or (
            "\n" not in block and k + 1 < len(blocks) and _is_indented_code_part(block) and _is_indented_program(blocks[k + 1]))
    return ["\n\n".join(parts) for parts in out]


def _is_indented_code_part(block: str) -> bool:
    """A block every line of which is indented four spaces or more, most of them statements."""
    lines = [line for line in block.split("\n") if line.strip()]
    return (bool(lines) and all(line.startswith("    ") for line in lines)
            and sum(_CODE_STATEMENT.match(line) is not None for line in lines) >= PROGRAM_LINE_SHARE * len(lines))


def _is_code(block: str) -> bool:
    return bool(_OPENS_AT_END.search(block)) and bool(_CLOSES_AT_START.search(block))


def _changes_depth(previous: str, line: str) -> bool:
    if not line.strip() or previous.endswith(" ") or _MARKER.match(line):
        return False
    depth_change = _indent(line) - _indent(previous)
    if _MARKER.match(previous):  # text indented less than a list item ends the list
        return _LIST_ITEM.match(previous) is not None and depth_change <= -MIN_INDENT_STEP
    return abs(depth_change) >= MIN_INDENT_STEP


def _next_item(previous: str, line: str, item_indent: int | None) -> bool:
    """Whether ``line`` is the next item of a list whose item's indented text (``item_indent``:
    that text's indentation) opened the block: its text starts where that text does, as
    markdown indents an item's paragraphs under its text (inscriptis's nested lists do not)."""
    if item_indent is None or previous.endswith(" "):
        return False
    item = _LIST_ITEM.match(line)
    return item is not None and item.end() + _indent(line[item.end():]) == item_indent


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _one_paragraph_a_line(blocks: list[str]) -> bool:
    """Whether most prose lines share a block with another, and those lines end their
    sentences (trafilatura's text); a block whose lines mostly go on mid-sentence in lower
    case is one paragraph wrapped (too few lines for :func:`wrap_width` to measure)."""
    shared = pairs = wrapped = 0
    for block in blocks:
        if "\n" in block:
            lines = [line.strip() for line in block.split("\n") if _is_prose(line)]
            shared += len(lines) if len(lines) > 1 else 0
            pairs += max(len(lines) - 1, 0)
            wrapped += sum(map(_goes_on_wrapped, lines, lines[1:]))
    if not shared or wrapped >= MID_SENTENCE_SHARE * pairs:  # no block of prose lines, or one wrapped
        return False
    prose = sum(_is_prose(line) for block in blocks for line in block.split("\n"))
    return prose >= MIN_LINE_PAGE_PROSE and shared >= LINE_PAGE_SHARE * prose


def _goes_on_wrapped(line: str, next_line: str) -> bool:
    """Whether ``next_line`` goes on with the sentence a wrapper broke ``line`` in: a line of
    some length ending inside a sentence, then one starting in lower case (stripped lines)."""
    return len(line) >= MIN_WRAPPED_LINE_CHARS and not _SENTENCE_END.search(line) and next_line[:1].islower()


def _lines_without_blank(blocks: list[str]) -> bool:
    """A whole page of lines with no blank line between any (a browser's innerText of a page
    of short elements: a recipe, a product page) is no one block; a short piece of text may
    be one block of a few lines (an address, a list), and a paragraph wrapped narrow (most
    lines going on in lower case) is one."""
    if len(blocks) != 1 or blocks[0].count("\n") < MIN_LINE_PAGE_LINES - 1:
        return False
    lines, in_code = [], False
    for line in blocks[0].split("\n"):
        fence = _is_fence(line)
        if not (in_code or fence):
            lines.append(line.strip())
        in_code = in_code != fence
    pairs = len(lines) - 1
    if pairs < MIN_LINE_PAGE_LINES - 1:  # mostly code: too few lines of text to be one wrapped paragraph
        return True
    wrapped = sum(map(_goes_on_wrapped, lines, lines[1:]))
    return wrapped < MID_SENTENCE_SHARE * pairs


def _per_line(block: str, stripped: bool = False) -> list[str]:
    """One block a line, except that consecutive list items stay one list, consecutive table
    rows one table, a link whose text runs over several lines (a card: image, title,
    summary) stays whole, and a setext underline stays under its heading. With ``stripped``
    (a page with no link markup), the pieces of a sentence that get_text("\n", strip=True)
    put on lines of their own are one line again."""
    if _is_indented_program(block):
        return [block]
    parts: list[list[str]] = []  # each part's pieces, joined once at the end
    in_list = in_code = False
    table = None  # the table being read: "|" (a markdown table, from its delimiter row or edge pipes) or "\t"
    previous = ""
    depth = 0  # the '[' open at the end of the last part (counted as it grows: a long part is read once)
    for line in block.split("\n"):
        is_item = bool(_LIST_ITEM.match(line))
        fence = _is_fence(line)
        row = _table_row(line, previous, table)
        joins_table = row == "\t" or (row == "|" and (table == "|" or _TABLE_DELIMITER.match(line)))
        if parts and (in_code or (is_item and in_list) or joins_table or _UNDERLINE.match(line) or depth > 0):
            parts[-1] += ("\n", line)
        elif stripped and parts and not (in_code or fence) and _CLOSING_START.match(line) and previous.strip():
            parts[-1].append(line)  # ", and a forklift driver": the sentence goes on
        elif stripped and parts and not (in_code or fence) and _is_drop_cap(previous, line):
            parts[-1].append(line)
        elif stripped and parts and not (in_code or fence) and _is_stripped_seam(previous, parts[-1][0][:_MARKER_REACH], line):
            parts[-1] += (" ", line)
        else:
            parts.append([line])
            depth = 0
        depth = _open_brackets(line, depth)
        in_list, in_code, previous = is_item, in_code != fence, line
        table = row
    return ["".join(part) for part in parts]


# A markdown table's delimiter row ("---|---", "| :-- | --: |"): the row above it is the header.
# (each run of spaces read one way only: "[ ]*\|?[ ]*" would split a long run every way there is)
_TABLE_DELIMITER = re.compile(r"[ ]*(?:\|[ ]*)?:?-{3,}:?[ ]*(?:\|[ ]*:?-{3,}:?[ ]*)*(?:\|[ ]*)?$")


def _table_row(line: str, previous: str, table: str | None) -> str | None:
    """Which table ``line`` is a row of ("|" or a tab), or None: a line that starts with a
    pipe, a delimiter row under a line with pipes, a line with pipes in a table begun so, or
    a line with as many tabs as the line above, one of them between cells (innerText's rows;
    a row a rowspan shortened starts a block of its own). Two lines that merely hold a pipe
    ("Photo: Ann Lee | Agency" over "By Ann Lee | 3 June") are none."""
    stripped = line.strip()
    if stripped.startswith("|") or (table == "|" and "|" in stripped):
        return "|"
    if "|" in previous and "|" in stripped and _TABLE_DELIMITER.match(line):
        return "|"
    # A row has a tab between two cells (an indent is no cell), and as many tabs as the row
    # above: an empty first or last cell counts, as a tab of its own.
    tabs = line.strip(" \r").count("\t")
    if line.strip(" \r\t").count("\t") and tabs == previous.strip(" \r").count("\t"):
        return "\t"
    return None


def _is_prose(line: str) -> bool:
    text = line.strip()
    # Three spaces within a line are a column layout (inscriptis lays out a table's cells
    # so), not prose: a wrapper breaks at spaces and HTML collapses them. A Chinese,
    # Japanese or Korean character counts twice, as wide as it is shown and as much as it says.
    long_enough = len(text) >= MIN_PROSE_CHARS or (
        not text.isascii() and len(text) + len(_WIDE.findall(text)) >= MIN_PROSE_CHARS)
    return (long_enough and not _MARKER.match(line) and _COLUMN_GAP not in text
            and not _UNDERLINE.match(line) and not _CODE_LINE.search(text))


_WIDE = re.compile(f"[{_HAN_KANA}\uac00-\ud7a3\u3000-\u303f\uff01-\uff60]")

# A line of code a scraper kept (a style rule, a statement, a JSON key): it ends in a brace
# or ";", or starts with a closing bracket or a quoted key.
_CODE_LINE = re.compile(r'[{};]$|^(?:[}\])]|"[^"\n]*"[ ]*:)')
