"""HTML pages and WARC archives as input: the reader, file kinds, tagging and `blocktag convert`."""

import bz2
import gzip
import lzma
import io
import json
import re
import warnings

import lxml.etree
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from classifier.cli import app
from classifier.errors import InputError
from classifier.readers import input_kind, looks_like_html, page_stem
from classifier.readers.html import (MAX_ITEM_WALK, _SPACES, _holds_posts, _holds_posts_by_filters, _one_line,
                                     decode_html, html_page, html_to_text)
from classifier.readers.pages import iter_pages, string_pages

from conftest import tagged_records, write_jsonl

PAGE = """<!DOCTYPE html>
<html><head><title>Harbour news</title><style>p { color: red }</style>
<script>document.write("tracking pixel")</script></head>
<body>
<nav><ul><li><a href="/news">News</a></li><li><a href="https://harbour.example/sport">Sport</a></li></ul></nav>
<h1>Bridge <em>reopens</em> after repairs</h1>
<p class="byline">By <a href="/author/ana" rel="author">Ana Ruiz</a></p>
<div hidden>Hidden teaser</div>
<p aria-hidden="true">Screen readers skip this</p>
<p style="font-weight: bold; display : none">Invisible offer</p>
<template><p>Template text</p></template>
<noscript>Please enable JavaScript</noscript>
<svg><text>Logo text</text></svg>
<p>The bridge carried its first cars on <b>Tuesday</b>,
   eleven months after a barge struck it.<br>Engineers replaced two spans.</p>
<figure><img src="/img/bridge.jpg" alt="The bridge at dawn"><figcaption>The bridge at dawn. Photo: Jo Park</figcaption></figure>
<blockquote><p>It feels like a new town.</p><p>We waited so long.</p></blockquote>
<table><tr><th>Day</th><th>Cars</th></tr><tr><td>Tuesday</td><td>1,200</td></tr></table>
<div>Share this story <a href="javascript:void(0)">Email</a> <a href="#comments"><img alt="Comments"></a>
<a href="https://x.example/share"><img src="x.png"></a></div>
</body></html>
"""

PAGE_TEXT = """- [News](https://harbour.example/news)
- [Sport](https://harbour.example/sport)

Bridge reopens after repairs

By [Ana Ruiz](https://harbour.example/author/ana)

The bridge carried its first cars on Tuesday, eleven months after a barge struck it.
Engineers replaced two spans.

The bridge at dawn. Photo: Jo Park

> It feels like a new town.
>
> We waited so long.

Day | Cars
Tuesday | 1,200

Share this story [Email](#) [Comments](#comments)"""


def test_html_to_text_keeps_what_a_reader_sees_in_the_corpus_form():
    assert html_to_text(PAGE, url="https://harbour.example/2026/bridge") == PAGE_TEXT


@pytest.mark.parametrize("html, text", [
    # a live blog's posts, a comment thread, a gallery: a list item holding a post is its blocks
    ("<ol><li><time>16:40</time><h3>Warning extended</h3><p>It runs until midnight.</p><p>Gusts of 80mph.</p></li>"
     "<li><p>Waves break.</p><figure><img src=w.jpg><figcaption>The wall. Photo: Sam Ward</figcaption></figure></li></ol>",
     "16:40\n\nWarning extended\n\nIt runs until midnight.\n\nGusts of 80mph.\n\nWaves break.\n\nThe wall. Photo: Sam Ward"),
    # a quote or code in an item no longer cuts the list in two, gluing an item to the next
    ("<ol><li><p>One.</p></li><li><p>Two opens.</p><blockquote><p>A quote.</p></blockquote></li><li><p>Three.</p></li></ol>",
     "1. One.\n\nTwo opens.\n\n> A quote.\n\n3. Three."),
    ("<ul><li><h3><a href=/a>Bridge vote delayed</a></h3><p>A short dek.</p></li><li>Plain item</li></ul>",  # a teaser list
     "- [Bridge vote delayed](/a) A short dek.\n- Plain item"),
    ("<table><tr><td><p>2025</p></td><td><p>£18</p></td></tr><tr><td><p>2026</p></td><td><p>£24</p></td></tr></table>",
     "2025 | £18\n2026 | £24"),  # cells wrapped in <p>, as editors paste them: still rows
    # aria-hidden hides from screen readers, not the screen: an app a dialog hid keeps its article
    ('<div aria-hidden="true"><article><p>The sea wall was approved.</p></article></div>'
     '<p>Story <span aria-hidden="true">·</span> text</p>', "The sea wall was approved.\n\nStory text"),
    ('<p>Loading…</p><div hidden id="S:0"><p>The tide rose.</p></div><div hidden id="x"><p>Not shown.</p></div>',
     "Loading…\n\nThe tide rose."),  # React's streamed content, which a script shows
    ('<story-body><template shadowrootmode="open"><p>In the shadow root.</p></template><p>Light.</p></story-body>'
     "<template><p>A template.</p></template>", "In the shadow root.\n\nLight."),
    # found by any of its attributes, once: a styled template is still a template, a shadow
    # root shown; an element with two hiding attributes, or hidden inside a hidden one, goes
    ('<template style="color:red"><p>A template.</p></template><template shadowroot=open style="x:y"><p>Shown.</p>'
     '</template><div hidden style="display:none"><p hidden>Gone.</p></div><p style="color:red">Kept.</p>',
     "Shown.\n\nKept."),
    ('<amp-ad><div placeholder>Loading ad</div><div fallback>Ad could not be loaded</div></amp-ad>'
     '<amp-sidebar layout="nodisplay"><p>Menu</p></amp-sidebar><p>Story.</p><dialog><p>Sign up</p></dialog>'
     "<dialog open><p>Shown</p></dialog>", "Story.\n\nShown"),
    ('<div><a rel=author href=/ruth>Ruth Lane</a><time>Apr 20, 2024</time><span>3 min read</span></div>',
     "[Ruth Lane](/ruth) Apr 20, 2024 3 min read"),  # no "20243": a date apart from its neighbours
    ('<div>Read next: <a href="/vote"><div>Bridge vote delayed</div></a></div>', "Read next:\n\n[Bridge vote delayed](/vote)"),
    ("<p>An extra&shy;ordinary water&#8203;works meeting.</p>", "An extraordinary waterworks meeting."),
])
def test_html_is_read_as_a_browser_shows_it(html, text):
    assert html_to_text(html) == text


# White space of each kind str.isspace() knows, and characters that look like it but are not.
_SPACE_LIKE = st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f"
                              "\u205f\u3000\u200b\u2060\ufeff\u180e")


@given(st.lists(st.one_of(st.text(max_size=5), _SPACE_LIKE), max_size=12).map("".join))
def test_a_line_of_html_text_folds_white_space_as_the_regex_reads_it(text):
    assert _one_line(text) == _SPACES.sub(" ", text).strip()


_LONG_PARAGRAPH = "<p>" + "word " * 80 + "</p>"


@pytest.mark.parametrize("inside", [
    "<a href=/a>One</a>", "<p>One</p>", "<p>One</p><p>Two</p>", _LONG_PARAGRAPH, "<figure><img src=a.jpg></figure>",
])
@pytest.mark.parametrize("padding", [0, MAX_ITEM_WALK - 1, MAX_ITEM_WALK, 3 * MAX_ITEM_WALK])
def test_a_list_item_is_a_post_alike_walked_in_python_or_searched_by_lxml(inside, padding):
    # (small items are walked in Python, big ones left to lxml's filters: the same answer)
    html = "<ul><li>" + "<span>x</span>" * padding + inside + "</li></ul>"
    item = lxml.etree.fromstring(html, parser=lxml.etree.HTMLParser()).find(".//li")
    assert _holds_posts(item) == _holds_posts_by_filters(item) == (inside != "<a href=/a>One</a>" and inside != "<p>One</p>")


def test_relative_links_stay_relative_without_a_url():
    assert html_to_text('<p><a href="/news">News</a> and <a href="a b(1)">x</a></p>') == "[News](/news) and [x](a%20b%281%29)"


@pytest.mark.parametrize("head, url", [
    ('<link rel="canonical" href="https://a.example/story"><meta property="og:url" content="https://a.example/og">',
     "https://a.example/story"),
    ('<link rel="alternate canonical" href="/relative"><meta property="og:url" content="https://a.example/og">',
     "https://a.example/og"),  # (a relative canonical link names no address alone)
    ("", "https://a.example/saved"),  # only the comment Chrome saves a page with
    ('<base href="https://a.example/news/">', "https://a.example/saved"),  # <base> names a folder, not the page
])
def test_a_page_saved_as_html_is_given_the_address_it_states(head, url):
    page = (f"<!-- saved from url=(0023)https://a.example/saved -->\n<html><head>{head}</head>"
            '<body><p>Story <a href="/x">x</a>.</p></body></html>')
    text, found = html_page(page)
    assert found == url
    assert text == ("Story [x](https://a.example/x)." if "base" in head else "Story [x](/x).")  # links resolved as before
    assert html_page(page, url="https://given.example/")[1] == "https://given.example/"  # the caller's address first
    assert html_page("<p>No address.</p>")[1] is None


def test_base_href_resolves_links():
    html = '<html><head><base href="https://site.example/blog/"></head><body><p><a href="post">Post</a></p></body></html>'
    assert html_to_text(html) == "[Post](https://site.example/blog/post)"


def test_a_link_wrapping_blocks_leaves_the_blocks_apart_each_linked():
    html = '<a href="/story"><h3>Headline</h3><p>Teaser text with a <a href="/tag">tag</a></p></a><p>After</p>'
    assert html_to_text(html, url="https://a.example/") == (
        "[Headline](https://a.example/story)\n\nTeaser text with a [tag](https://a.example/tag)\n\nAfter")


def test_two_line_breaks_in_a_row_end_a_paragraph_as_a_browser_shows_them():
    html = ("<div><b>Canners recall widens</b><br> <br>By Dana Whitfield<br><br>A maker recalled jars.<br>"
            "It said more would follow.</div><ul><li>One<br><br>Two</li></ul>")
    assert html_to_text(html) == ("Canners recall widens\n\nBy Dana Whitfield\n\nA maker recalled jars.\n"
                                  "It said more would follow.\n\n- One\nTwo")


def test_links_in_table_cells_are_kept():
    html = '<table><tr><th>Year</th><th>Filing</th></tr><tr><td>2022</td><td><a href="/f/7">$7m <b>report</b></a></td></tr></table>'
    assert html_to_text(html) == "Year | Filing\n2022 | [$7m report](/f/7)"


def test_a_page_laid_out_in_table_cells_is_read_as_the_same_page_in_divs():
    # old sites and forums: the whole page in <td>s, <br><br> between paragraphs
    inner = ('<CELL><a href="/">Home</a><br><a href="/diary">Diary</a></CELL>'
             "<CELL><b>Spring onions</b><br><i>Posted by Gus Harrow</i><br><br>"
             "The soil warmed up this week.<br><br>Copyright 2026 Gus Harrow</CELL>")
    as_table = "<table><tr>" + inner.replace("CELL>", "td>") + "</tr></table>"
    as_divs = "<div>" + inner.replace("CELL>", "div>") + "</div>"
    assert html_to_text(as_table) == html_to_text(as_divs) == (
        "[Home](/)\n[Diary](/diary)\n\nSpring onions\nPosted by Gus Harrow\n\nThe soil warmed up this week.\n\n"
        "Copyright 2026 Gus Harrow")
    prose = "A long description of the item. " * 12  # a cell of prose is no data either
    assert html_to_text(f"<table><tr><td>Item</td><td>{prose}</td></tr></table>") == f"Item\n\n{prose.strip()}"
    address = "<table><tr><td>Office</td><td>12 Quay St<br>Marrowby</td></tr></table>"  # one <br>: still data
    assert html_to_text(address) == "Office | 12 Quay St Marrowby"
    rows = [("C-101", prose.strip()), ("C-102", "Paint."), ("C-103", "Mend.<br><br>Then paint."), ("C-104", "Sweep.")]
    data = "<table>" + "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows) + "</table>"
    assert html_to_text(data) == "\n".join(f"{a} | {b}" for a, b in rows).replace("<br><br>", " ")  # rows of data
    # decided for the whole table: a banner, a menu, the story and a footer, rows of unlike cells
    page = ("<table><tr><td colspan=2>The Gazette</td></tr><tr><td><a href='/'>Home</a></td><td>Archive</td></tr>"
            "<tr><td colspan=2><b>Seawall plan approved</b><br><br>By Ann Lee<br><br>The council voted.</td></tr>"
            "<tr><td colspan=2>Copyright 1999</td></tr></table>")
    assert html_to_text(page) == ("The Gazette\n\n[Home](/)\n\nArchive\n\nSeawall plan approved\n\nBy Ann Lee\n\n"
                                  "The council voted.\n\nCopyright 1999")
    headed = "<table><tr><th>Office</th><th>Address</th></tr><tr><td>Harbour</td><td>12 Quay St<br><br>Marrowby</td></tr></table>"
    assert html_to_text(headed) == "Office | Address\nHarbour | 12 Quay St Marrowby"  # a header row: data
    story = "<b>Seawall plan approved</b><br><br>By Ann Lee<br><br>The council voted."
    laid = "Seawall plan approved\n\nBy Ann Lee\n\nThe council voted."
    two_columns = (f"<table><tr><td><img src=l.png></td><td><a href=/>Home</a></td></tr>"  # every row two cells
                   f"<tr><td><a href=/a>Archive</a></td><td>{story}</td></tr><tr><td></td><td>Copyright 1999</td></tr></table>")
    assert html_to_text(two_columns) == f"[Home](/)\n\n[Archive](/a)\n\n{laid}\n\nCopyright 1999"
    menu_row = ("<table><tr><td><img src=l.png></td><td>Gazette</td></tr><tr><td><a href=/>Home</a></td><td><a href=/n>News</a>"
                f"</td><td><a href=/s>Sport</a></td></tr><tr><td>Menu</td><td>{story}</td></tr>"
                "<tr><td>Copyright 1999</td><td><a href=/p>Privacy</a></td></tr></table>")  # a row of links is a menu
    assert laid in html_to_text(menu_row)
    banner = f"<table><tr><th colspan=2>Gazette</th></tr><tr><td><a href=/a>Archive</a></td><td>{story}</td></tr></table>"
    assert html_to_text(banner) == f"Gazette\n\n[Archive](/a)\n\n{laid}"  # one <th>: a banner, not a header row
    titled = ("<table><tr><td colspan=3>Fault reports</td></tr><tr><td>Year</td><td>Fault</td><td>Reports</td></tr>"
              + "".join(f"<tr><td>199{i}</td><td>{prose if i == 1 else 'Leaks'}</td><td>{i}</td></tr>" for i in range(4))
              + "</table>")  # a title row over rows of data, one of them long
    assert html_to_text(titled).split("\n")[:3] == ["Fault reports", "Year | Fault | Reports", "1990 | Leaks | 0"]
    masthead = (f"<table><tr><th>Gazette</th><th>3 June 1999</th></tr><tr><td><a href=/a>Archive</a></td><td>{story}</td>"
                "</tr><tr><td colspan=2>Copyright 1999</td></tr></table>")
    assert html_to_text(masthead) == (f"Gazette\n\n3 June 1999\n\n[Archive](/a)\n\n{laid}\n\n"  # <th>s need not head data
                                      "Copyright 1999")
    reports = ("<table><tr><td><a href=/r1>Report 2022</a></td><td><a href=/r1.pdf>PDF</a></td></tr>"
               "<tr><td><a href=/r2>Report 2023</a></td><td><a href=/r2.pdf>PDF</a></td></tr>"
               "<tr><td>Survey</td><td>In print.<br><br>Ask at the desk.</td></tr></table>")
    assert html_to_text(reports).count("\n\n") == 0  # two links a row are data, not a menu


def test_nested_lists_are_one_block_and_block_children_of_items_stay_on_the_line():
    html = "<ul><li><h4>One</h4><p>first</p><ul><li>One a</li></ul></li><li>Two</li></ul><p>After</p>"
    assert html_to_text(html) == "- One first\n- One a\n- Two\n\nAfter"


def test_ordered_lists_keep_their_numbers():
    assert html_to_text('<ol start="3"><li>Fill the canner</li><li>Core the pears</li></ol>') == "3. Fill the canner\n4. Core the pears"


def test_div_text_runs_around_child_blocks_are_blocks():
    assert html_to_text("<div>Before<p>Inside</p>After</div>") == "Before\n\nInside\n\nAfter"


def test_pre_keeps_its_lines():
    # fenced, as markdown writes code, its indentation kept (Python's and YAML's syntax)
    assert html_to_text("<pre>\n    def f(a,  b):\n\n        return a\n</pre>") == "```\ndef f(a,  b):\n    return a\n```"
    assert html_to_text("<p>Run:</p><pre><code>pip install x</code></pre>") == "Run:\n\n```\npip install x\n```"


def test_deep_nesting_is_read_or_refused_never_lost():
    assert html_to_text("<div>" * 1000 + "deep <b>text</b>" + "</div>" * 1000) == "deep text"
    with pytest.raises(InputError, match="page.html: is not a readable HTML page"):
        html_to_text("<div>" * 5000 + "deep" + "</div>" * 5000, source="page.html")


def test_empty_document_is_empty_text():
    assert html_to_text("") == ""
    assert html_to_text(b"   ") == ""


@pytest.mark.parametrize("void", ['<embed src="/r.pdf" width="100%">', '<source src="ep.ogg">', '<track src="s.vtt">'])
def test_a_void_element_left_open_keeps_the_text_after_it(void):
    # libxml2 reads these as containers: what follows was taken as their content and dropped
    page = f"<div><p>The report is below.</p>{void}<p>It found ferry use doubled.</p><p>More in June.</p></div>"
    assert html_to_text(page) == "The report is below.\n\nIt found ferry use doubled.\n\nMore in June."


def test_a_carousels_cloned_slides_are_read_once_and_an_amp_embeds_text_kept():
    carousel = ('<div class="slick-track"><div class="slick-slide slick-cloned" aria-hidden="true"><figure><figcaption>'
                'Otters at dawn</figcaption></figure></div><div class="slick-slide" aria-hidden="true"><figure><figcaption>'
                'Otters at dawn</figcaption></figure></div><div class="swiper-slide swiper-slide-duplicate"><p>Copy</p></div></div>')
    assert html_to_text(carousel) == "Otters at dawn"
    amp = ('<p>Story.</p><amp-twitter data-tweetid="1" layout="responsive"><blockquote placeholder><p>Spotted an otter '
           'today!</p></blockquote></amp-twitter><amp-img src="a.jpg"><div placeholder>Loading</div></amp-img>')
    assert html_to_text(amp) == "Story.\n\n> Spotted an otter today!"


def test_an_ordered_lists_numbers_as_the_browser_shows_them():
    countdown = "<ol reversed><li>Five</li><li>Four</li><li>Three</li></ol>"
    assert html_to_text(countdown) == "3. Five\n2. Four\n1. Three"
    assert html_to_text("<ol reversed start=10><li>Ten</li><li>Nine</li></ol>") == "10. Ten\n9. Nine"
    assert html_to_text("<ol start=3><li>c</li><li value=7>g</li><li>h</li></ol>") == "3. c\n7. g\n8. h"


def test_a_headings_permalink_mark_is_no_word_of_it():
    page = ('<h2 id=x><a href="#x" class=anchor>#</a>Section two</h2><h3>Install<a class=headerlink href="#install">¶</a>'
            '</h3><p>See <a href="#notes">notes</a> and <a href="/tags/x">#</a></p>')
    assert html_to_text(page) == "Section two\n\nInstall\n\nSee [notes](#notes) and [#](/tags/x)"


def test_characters_that_show_nothing_are_dropped():
    page = "<p>a\u200bb\u00adc\u2060d\ufeffe \u200eשלום\u200f \u202bx\u202c \u2067y\u2069 👩\u200d💻</p>"
    assert html_to_text(page) == "abcde שלום x y 👩\u200d💻"  # (a joiner joins an emoji: kept)


def test_a_time_is_set_apart_from_words_not_from_punctuation():
    page = "<p>By <span>Ann</span><time>Apr 20, 2024</time><span>3 min read</span>. Opens at <time>9am</time>. (<time>May</time>)</p>"
    assert html_to_text(page) == "By Ann Apr 20, 2024 3 min read. Opens at 9am. (May)"


def test_a_time_is_set_apart_inside_a_link_and_its_own_parts_too():
    # WordPress themes write a post's date and its update as two <time>s in one link
    page = ('<p><a href="/p/"><time>March 12, 2024</time><time class="updated">March 13, 2024</time></a></p>'
            '<p>Live: <time><span>1h ago</span><span>01.58 BST</span></time>, then <time>March <b>3</b>, 2024</time>.</p>'
            '<p><a href="#post-3"><time>1h ago</time><span>First result</span></a></p>')
    assert html_to_text(page) == ("[March 12, 2024 March 13, 2024](/p/)\n\nLive: 1h ago 01.58 BST, then March 3, 2024."
                                  "\n\n[1h ago First result](#post-3)")


def test_links_side_by_side_are_set_apart_unless_they_cut_one_word_and_keep_their_spaces():
    page = ('<nav class="flex gap-4"><a href="/a">World</a><a href="/b">Politics</a></nav>'
            '<p>Leaders such as <a href="/m">President Ana</a><a href="/m"> Ruiz</a> back the <a href="/t">Arte</a>'
            '<a href="/t">mis program</a>. <a href="/r">Read more </a>and vote by<a href="/v"> mail</a>.</p>')
    assert html_to_text(page) == ("[World](/a) [Politics](/b)\n\nLeaders such as [President Ana](/m) [Ruiz](/m) back the "
                                  "[Arte](/t)[mis program](/t). [Read more](/r) and vote by [mail](/v).")


def test_an_inline_element_styled_as_a_block_is_a_block():
    # a recipe plugin's notes, each a <span style="display: block">
    page = ('<div><span style="display: block;">Freezes well.</span><span style="display:block">Use stock.</span></div>'
            '<p>A <span style="display:inline-block">word</span> and <a href="/x" style="display:block">a link</a>.</p>')
    assert html_to_text(page) == "Freezes well.\n\nUse stock.\n\nA word and [a link](/x)."


def test_layout_tables_of_short_paragraphs_or_rows_in_a_form_are_read_as_layout():
    short = ('<table><tr><td width="150"><a href="/">Home</a><br><a href="/news">News</a></td><td><p>The bakery won the '
             'prize.</p><p>Judges praised its rye.</p></td></tr></table>')
    assert html_to_text(short) == "[Home](/)\n[News](/news)\n\nThe bakery won the prize.\n\nJudges praised its rye."
    in_form = ('<table><form action="/x"><tr><td><a href="/">Home</a></td><td>Market on Sunday.<br><br>Parking at the '
               'school.<br><br>Dogs welcome.</td></tr></form></table>')
    assert html_to_text(in_form) == "[Home](/)\n\nMarket on Sunday.\n\nParking at the school.\n\nDogs welcome."
    data = "<table><tr><td><p>2024</p></td><td><p>8,000</p></td></tr><tr><td>2025</td><td>9,000</td></tr></table>"
    assert html_to_text(data) == "2024 | 8,000\n2025 | 9,000"  # a <p> a cell is still data


def test_a_page_nested_hundreds_deep_keeps_its_paragraphs_and_links():
    deep = "<div>" * 600 + '<p>One.</p><p>Two, <a href="/x">linked</a>.</p>' + "</div>" * 600
    assert html_to_text(deep) == "One.\n\nTwo, [linked](/x)."  # (as tag soup's unclosed tags nest)


def test_a_line_break_between_chinese_or_japanese_characters_is_no_space():
    # (CSS Text's segment-break rule: Chinese and Japanese write no space between words)
    assert html_to_text("<p lang=ja>市長は\n「本は町の宝だ」と\n  述べた。 The mayor\nspoke.</p>") == (
        "市長は「本は町の宝だ」と述べた。 The mayor spoke.")


@pytest.mark.parametrize("html, text", [
    # a formula reads as its text, or the TeX its alttext gives
    ('<p>The energy is <math><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup></math>, where '
     '<math alttext="m"><mi>m</mi></math> is the mass.</p>', "The energy is E=mc2, where m is the mass."),
    # ruby's readings are left out: the text is the base they annotate
    ("<p><ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>の先生。<ruby>東京<rp>(</rp><rt>とうきょう</rt><rp>)</rp></ruby></p>",
     "漢字の先生。東京"),
    # <q> shows its quotation marks
    ("<p>He said <q>it is about time</q>.</p>", "He said “it is about time”."),
    # hidden until found (an accordion's section) is shown; a popover (a menu) is not, until opened
    ('<div popover><a href="/">Home</a></div><section hidden="until-found"><p>Cut in 1995.</p></section>'
     "<section hidden><p>Gone</p></section>", "Cut in 1995."),
    # Owl, Glide and Splide carousels' copies of their slides are read once
    ('<div class="owl-item cloned"><p>A prize ram.</p></div><div class="owl-item active"><p>The tug of war.</p></div>'
     '<div class="owl-item"><p>A prize ram.</p></div><div class="cloned"><p>Not a carousel.</p></div>'
     '<li class="glide__slide glide__slide--clone">Copy</li><li class="splide__slide--clone">Copy</li>',
     "The tug of war.\n\nA prize ram.\n\nNot a carousel."),
    # a custom element is a block unless it sits in running text; an AMP story's pages too
    ("<main><h1>Bridge closes</h1><byline-block>By Tom Reyes</byline-block><time-stamp>Updated 9:14am</time-stamp>"
     "<story-paragraph>The bridge shuts on Monday, <relative-time>2 hours</relative-time> from now.</story-paragraph>"
     '<share-bar><a href="#">Share</a></share-bar></main>',
     "Bridge closes\n\nBy Tom Reyes\n\nUpdated 9:14am\n\nThe bridge shuts on Monday, 2 hours from now.\n\n[Share](#)"),
    ("<amp-story><amp-story-page><amp-story-grid-layer><h2>1. The cliff path</h2><p>Six miles.</p></amp-story-grid-layer>"
     "</amp-story-page><amp-story-page><amp-story-grid-layer><h2>2. The estuary</h2></amp-story-grid-layer></amp-story-page>"
     "</amp-story>", "1. The cliff path\n\nSix miles.\n\n2. The estuary"),
])
def test_elements_are_read_as_browsers_show_them(html, text):
    assert html_to_text(html) == text


def test_a_page_whose_article_a_script_writes_in_is_said():
    story = " ".join(["Ferry fares will rise by a fifth from March, the board said."] * 40)
    nav = '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
    next_page = (f'<div id="__next">{nav}<main><p>Loading…</p></main></div><script id="__NEXT_DATA__" '
                 f'type="application/json">{{"props":{{"article":{{"body":"{story}"}}}}}}</script>')
    with pytest.warns(UserWarning, match=r"^next\.html: shows less text than its Next\.js data holds: its article is "
                                         r"probably written in by JavaScript"):
        assert html_to_text(next_page, source="next.html") == "[Home](/) [News](/news)\n\nLoading…"
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "%s"}</script>' % story)
    with pytest.warns(UserWarning, match=r"JSON-LD articleBody"):
        html_to_text(f"{ld}{nav}<p>Subscribe to read on.</p>", source="ld.html")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the article shown as well: nothing to say
        html_to_text(f"{ld}{nav}<p>{story}</p>", source="shown.html")
        html_to_text(next_page.replace("<p>Loading…</p>", f"<p>{story}</p>"), source="shown.html")


def test_a_page_whose_article_is_hidden_until_a_script_shows_it_is_said():
    story = "<p>" + " ".join(["Ferry fares will rise by a fifth from March, the board said."] * 10) + "</p>"
    nav = '<nav><a href="/">Home</a></nav>'
    for page in (f'{nav}<div id="article" style="display:none"><h1>Fares rise</h1>{story}</div>',
                 f'{nav}<div hidden>{story}<div hidden>{story}</div></div>',  # (counted once)
                 f'{nav}<template id="story"><article>{story}</article></template>'):
        with pytest.warns(UserWarning) as said:
            assert html_to_text(page, source="app.html") == "[Home](/)"
        hidden = 619 if "Fares rise" in page else (1218 if "<div hidden>" in page else 609)
        assert [str(w.message) for w in said] == [
            f"app.html: hides most of its paragraphs' text ({hidden:,} characters in hidden elements or <template>s, 9 "
            "shown): blocktag reads what a browser shows before scripts run; if the article is among it, save the page "
            "as a browser shows it (e.g. with a headless browser's page.content())"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a hidden menu or dialog, or the article shown as well: nothing to say
        html_to_text(f'<nav hidden><a href="/">Home</a> <a href="/news">News</a></nav>{story}', source="shown.html")
        html_to_text(f'{nav}{story}<div style="display:none">{story}</div>{story}', source="shown.html")


def test_paragraphs_past_the_readers_depth_limit_stay_apart():
    # past MAX_DEPTH an element is read as its flat text; a paragraph is still a block of its own
    from classifier.readers.html import MAX_DEPTH

    deep = "<div>" * (MAX_DEPTH + 5) + "<p>One <b>bold</b>.</p><p>Two.</p>" + "</div>" * (MAX_DEPTH + 5)
    assert html_to_text(deep) == "One bold.\n\nTwo."


def test_a_tables_head_body_and_foot_rows_are_one_block():
    table = ("<table><thead><tr><th>Year</th><th>Visitors</th></tr></thead><tbody><tr><td>2022</td><td>8,000</td></tr>"
             "</tbody><tfoot><tr><td>Total</td><td>8,000</td></tr></tfoot></table>")
    assert html_to_text(table) == "Year | Visitors\n2022 | 8,000\nTotal | 8,000"


def test_text_after_the_closing_html_tag_is_read():
    assert html_to_text("<html><body><p>Story.</p></body></html>\n<p>A correction.</p>") == "Story.\n\nA correction."


def test_a_frameset_pages_noframes_text_is_read_as_markup():
    page = ('<html><frameset cols="20%,80%"><frame src="nav.html"><noframes><p>This site uses frames. Read '
            '<a href="story.html">the story</a>.</p></noframes></frameset></html>')
    assert html_to_text(page) == "This site uses frames. Read [the story](story.html)."
    assert html_to_text("<frameset><noframes><p>One.</p></div><p>Two.</p></noframes></frameset>") == "One.\n\nTwo."


def test_line_breaks_in_code_and_in_a_link_target():
    assert html_to_text('<pre>def greet(name):<br>    return name<br>greet("x")</pre>') == (
        '```\ndef greet(name):\n    return name\ngreet("x")\n```')
    assert html_to_text('<p><a href="https://example.org/long\n/wrapped">Report</a></p>') == (
        "[Report](https://example.org/long/wrapped)")  # (browsers drop a URL's tabs and line breaks)


def test_decode_html_by_bom_meta_charset_and_fallback():
    assert decode_html("\ufeffcafé".encode("utf-8")) == "café"
    assert decode_html('<meta charset="iso-8859-1"><p>caf\xe9 \x93q\x94'.encode("latin-1")) == '<meta charset="iso-8859-1"><p>café “q”'
    assert decode_html("<p>café</p>".encode("cp1252")) == "<p>café</p>"  # not UTF-8: the fallback
    assert decode_html("<p>café</p>".encode("utf-16")) == "<p>café</p>"
    assert decode_html('<meta charset="utf-16"><p>café'.encode("utf-8")) == '<meta charset="utf-16"><p>café'
    assert decode_html('<meta charset="base64"><p>café'.encode("utf-8")) == '<meta charset="base64"><p>café'


@pytest.mark.parametrize("charset", ["idna", "punycode", "utf-32", "cp037", "utf-7", "unicode_escape"])
def test_a_charset_no_browser_reads_is_ignored_as_browsers_ignore_it(charset, tmp_path):
    # not in the WHATWG Encoding Standard: the page is read as one naming no charset (here
    # windows-1252, its bytes not being UTF-8), not decoded into nonsense or a crash
    page = f'<html><head><meta charset="{charset}"></head><body><p>Caf\xe9 story \\N{{BULLET}} text.</p></body></html>'
    assert html_to_text(page.encode("latin-1")) == "Café story \\N{BULLET} text."
    other = tmp_path / "a.txt"
    other.write_text("A good page.", encoding="utf-8")
    (tmp_path / "b.html").write_bytes(page.encode("latin-1"))
    assert [[b.text for b in p] for p in iter_pages([other, tmp_path / "b.html"])] == [
        ["A good page."], ["Café story \\N{BULLET} text."]]


@pytest.mark.parametrize("head", [
    '<meta charset="koi8-r">',
    '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">',
    f'<script>{"var x = 1;" * 700}</script><meta charset="koi8-r">',  # past 4 KiB, after a long inline script
    '<!-- <meta charset="utf-8"> --><meta charset="koi8-r">',  # a commented-out one is not the page's
    '<meta name="description" content="in charset=utf-8"><meta charset="koi8-r">',  # nor another meta's words
    '<script>var t = \'<meta charset="utf-8">\';</script><meta charset="koi8-r">',  # nor a script's string
])
def test_the_charset_a_page_declares_is_found_as_browsers_find_it(head):
    page = f"<html><head>{head}</head><body><p>Привет, мир.</p></body></html>"
    assert html_to_text(page.encode("koi8-r")) == "Привет, мир."


def test_a_charset_named_in_the_body_in_a_content_type_or_an_xml_declaration():
    from classifier.readers.html import declared_charset

    # browsers honour a <meta> met in the body too (text quoting one is escaped: &lt;meta)
    assert declared_charset(b'<html><body><meta charset="koi8-r"><p>Story.</p></body></html>') == "koi8-r"
    assert declared_charset(b'<meta content="text/html; charset=windows-1251">') == "windows-1251"  # no http-equiv
    assert declared_charset(b'<meta name="keywords" content="charset=koi8-r"><p>x') is None  # a name's words
    # an unclosed comment or script runs to the end: what it quotes is not the page's
    assert declared_charset(b'<script>var s = 1; <meta charset="koi8-r">') is None
    assert declared_charset(b'<!-- <meta charset="koi8-r">') is None
    xhtml = '<?xml version="1.0" encoding="Shift_JIS"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>新しい図書館</p></body></html>'
    assert html_to_text(xhtml.encode("shift_jis")) == "新しい図書館"


def test_heads_of_unclosed_comments_scripts_and_metas_declare_nothing():
    # (a backtracking search took seconds on each; this one passes over them once)
    from classifier.readers.html import declared_charset

    for head in (b"<!--" * 16384, b"<script" * 9362, b"<style " * 9362, b"<meta " + b"a" * 65000):
        assert declared_charset(head) is None


@pytest.mark.parametrize("lang, encoding, text", [
    ("ru", "windows-1251", "Городской совет утвердил бюджет."), ("ja", "shift_jis", "東京都は予算案を承認しました。"),
    ("en", "cp1252", "Café — naïve"),
    ("", "cp1252", "The council\xa0—\xa0at last\xa0— backs “two” ferries"),  # no language; punctuation in runs
])
def test_a_legacy_page_labelled_utf8_is_read_as_one_that_names_no_charset(lang, encoding, text):
    # a template's <meta charset="utf-8"> over old text: not U+FFFD for every letter
    page = f'<html lang="{lang}"><head><meta charset="utf-8"></head><body><p>{text}</p></body></html>'
    assert html_to_text(page.encode(encoding)) == text.replace("\xa0", " ")
    # a UTF-8 page with a stray bad byte is still read as UTF-8
    assert html_to_text(page.encode("utf-8").replace(b"</p>", b"\xff</p>")) == text.replace("\xa0", " ") + "\ufffd"


def test_a_utf8_page_labelled_latin1_is_read_as_utf8():
    # a site moved to UTF-8 and kept its old <meta>: Western text is never also valid UTF-8
    assert html_to_text('<meta charset="iso-8859-1"><p>Café — naïve</p>'.encode("utf-8")) == "Café — naïve"
    assert html_to_text('<meta charset="iso-8859-1"><p>Café — naïve</p>'.encode("cp1252")) == "Café — naïve"


def test_a_utf8_page_string_read_as_latin1_is_read_again_as_utf8():
    """requests' .text of a page whose server names no charset is its bytes read as
    ISO-8859-1; a page that declares UTF-8 is read again, and any other string is as given."""
    from classifier.readers.pages import string_pages

    def texts(page: str) -> list[str]:
        return [block.text for blocks in string_pages(page) for block in blocks]

    page = '<html><head><meta charset="utf-8"></head><body><p>Café Ørla reopens — 東京</p></body></html>'
    assert texts(page.encode("utf-8").decode("latin-1")) == ["Café Ørla reopens — 東京"]
    assert texts(page) == ["Café Ørla reopens — 東京"]
    as_given = ['<html><head><meta charset="utf-8"></head><body><p>Caf\xc3\xa9 \xa9 2026</p></body></html>',  # no é left
                '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xc3\xa9</p></body></html>',  # not UTF-8
                '<html><body><p>Caf\xc3\xa9</p></body></html>']  # declares nothing
    assert [texts(page) for page in as_given] == [["Caf\xc3\xa9 \xa9 2026"], ["Caf\xc3\xa9"], ["Caf\xc3\xa9"]]


@pytest.mark.parametrize("charset, text", [
    ("shift_jis", "東京都は火曜日、新しい予算案を承認しました。"), ("windows-1251", "Городской совет утвердил бюджет."),
    ("euc-kr", "서울시는 화요일 새 예산안을 승인했다."), ("gb2312", "市议会周二批准了新的预算。"),
    ("iso-8859-7", "Το δημοτικό συμβούλιο ενέκρινε τον προϋπολογισμό."), ("iso-2022-jp", "東京都は予算案を承認した。"),
])
def test_a_utf8_page_under_any_legacy_label_is_read_as_utf8_and_a_page_in_it_as_that(charset, text):
    # no legacy encoding's text keeps up UTF-8's order of lead and continuation bytes
    page = f'<meta charset="{charset}"><p>{text}</p>'
    assert html_to_text(page.encode("utf-8")) == text
    assert html_to_text(page.encode(charset)) == text


TOKYO = "<html><body><p>東京都は火曜日、新しい予算案を承認しました。</p></body></html>"
MOSCOW = "<html><body><p>Городской совет утвердил новый бюджет во вторник вечером.</p></body></html>"
PARIS = "<html><body><p>Le café de la gare a fermé ses portes après quarante années. « Größe » — “oui”.</p></body></html>"
NO_CHARSET_READ = ("names no charset and is neither UTF-8 nor cp1252 text (its non-ASCII bytes come in runs, as "
                   "another encoding's letters do)")
NO_CHARSET = NO_CHARSET_READ + "; name its encoding, e.g. --encoding cp932 (Japanese)"
NO_CHARSET_TO_PYTHON = NO_CHARSET_READ + "; name its encoding, e.g. encoding='{}'"


def test_a_page_that_names_no_charset_is_read_in_the_encoding_given_else_refused_if_it_reads_as_nonsense(tmp_path):
    (tmp_path / "tokyo.html").write_bytes(TOKYO.encode("shift_jis"))
    (tmp_path / "moscow.txt").write_bytes(MOSCOW.encode("koi8_r"))  # HTML named as text: sniffed
    (tmp_path / "paris.html").write_bytes(PARIS.encode("cp1252"))
    for name, encoding, words in (("tokyo.html", "shift_jis", "東京都は火曜日"), ("moscow.txt", "koi8_r", "Городской совет")):
        with pytest.raises(InputError) as caught:
            list(iter_pages([tmp_path / name]))
        advised = NO_CHARSET_TO_PYTHON.format({"shift_jis": "cp932", "koi8_r": "koi8_r"}[encoding])
        assert str(caught.value).startswith(f"{tmp_path / name}: {advised}")  # (the keyword, to a caller)
        assert words in next(iter_pages([tmp_path / name], encoding))[0].text
    # what browsers do with an undeclared page that is not UTF-8: windows-1252, which this one is
    assert next(iter_pages([tmp_path / "paris.html"]))[0].text == PARIS[15:-18]
    # cp1252 with a rule of em dashes and curly quotes; UTF-8 cut short mid-character: read, not refused
    (tmp_path / "rule.html").write_bytes("<p>It’s the council’s “plan”.</p><p>——————————————————</p>".encode("cp1252"))
    assert [b.text for b in next(iter_pages([tmp_path / "rule.html"]))] == ["It’s the council’s “plan”.", "——————————————————"]
    (tmp_path / "cut.html").write_bytes("<p>The council’s plan — “approved”. Café €</p>".encode("utf-8")[:-5])
    assert next(iter_pages([tmp_path / "cut.html"]))[0].text == "The council’s plan — “approved”. Café \ufffd"
    for text in ("“CAFÉ” reopens, and „Viel Spaß“.", "A informação sobre as eleições.", "Il a dit\xa0: «\xa0oui\xa0»."):
        (tmp_path / "western.html").write_bytes(f"<p>{text}</p>".encode("cp1252"))  # (É” is a UTF-8 pair too)
        assert next(iter_pages([tmp_path / "western.html"]))[0].text == text.replace("\xa0", " ")
    with pytest.raises(InputError, match=r"paris\.html: is not valid shift_jis text \(byte \d+\)"):
        list(iter_pages([tmp_path / "paris.html"], "shift_jis"))  # the encoding given is held to
    result = runner.invoke(app, ["convert", str(tmp_path / "tokyo.html")])
    assert (result.exit_code, result.output[:-1].rsplit(" or ", 1)[0]) == (1, f"Error: {tmp_path / 'tokyo.html'}: {NO_CHARSET}")


@pytest.mark.parametrize("encoding, words", [("cp1251", "Городской совет утвердил новый бюджет"),
                                             ("shift_jis", "東京都は火曜日、新しい予算案を承認しました")])
def test_a_page_of_another_encoding_among_much_markup_is_refused_too(tmp_path, encoding, words):
    head = ('<html><head><title>News</title><link rel="stylesheet" href="/css/main.css"><script>window.dataLayer='
            'window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag("js",new Date());</script></head>')
    page = f'{head}<body><nav><a href="/news/">News</a> <a href="/sport/">Sport</a></nav><p>{words}.</p></body></html>'
    (tmp_path / "page.html").write_bytes(page.encode(encoding))
    with pytest.raises(InputError, match="names no charset and is neither UTF-8 nor cp1252 text"):
        list(iter_pages([tmp_path / "page.html"]))
    assert words in [b.text for b in next(iter_pages([tmp_path / "page.html"], encoding))][-1]


@pytest.mark.parametrize("lang, encoding, words", [
    ("pl", "iso8859_2", "Zażółć gęślą jaźń: radni przyjęli budżet"),
    ("pl-PL", "cp1250", "Zażółć gęślą jaźń: radni przyjęli budżet"),  # "ś" and "ź" are bytes ISO-8859-2 holds none of
    ("cs", "cp1250", "Městská rada schválila nový rozpočet"),
    ("ru", "cp1251", "Городской совет утвердил новый бюджет"),
    ("el", "cp1253", "Το δημοτικό συμβούλιο ενέκρινε τον νέο προϋπολογισμό"),
    ("ja", "shift_jis", "東京都は火曜日、新しい予算案を承認しました"),
    ("zh-Hant-TW", "big5", "臺北市議會通過新預算"),
    ("zh-CN", "gb18030", "北京市议会通过新预算"),
])
def test_a_page_that_names_no_charset_is_read_in_its_languages_legacy_encoding(tmp_path, lang, encoding, words):
    page = f'<!DOCTYPE html>\n<html class="no-js" lang="{lang}"><body><p>{words}.</p></body></html>'
    (tmp_path / "page.html").write_bytes(page.encode(encoding))
    assert [b.text for b in next(iter_pages([tmp_path / "page.html"]))] == [f"{words}."]


def test_a_page_that_does_not_read_in_its_languages_encoding_is_read_or_refused_as_before(tmp_path):
    # KOI8-R read as windows-1251 is all capitals: not taken, and refused as any undeclared page of runs is
    (tmp_path / "moscow.html").write_bytes(MOSCOW.replace("<html>", '<html lang="ru">').encode("koi8_r"))
    with pytest.raises(InputError, match="names no charset and is neither UTF-8 nor cp1252 text"):
        list(iter_pages([tmp_path / "moscow.html"]))
    # a language whose browsers' default is windows-1252 anyway, and a page in UTF-8, read as ever
    (tmp_path / "paris.html").write_bytes(PARIS.replace("<html>", '<html lang="fr">').encode("cp1252"))
    assert next(iter_pages([tmp_path / "paris.html"]))[0].text == PARIS[15:-18]
    (tmp_path / "tokyo.html").write_bytes(TOKYO.replace("<html>", '<html lang="ja">').encode("utf-8"))
    assert next(iter_pages([tmp_path / "tokyo.html"]))[0].text == "東京都は火曜日、新しい予算案を承認しました。"

def test_a_warc_response_that_names_no_charset_and_reads_as_nonsense_is_skipped_with_its_reason(tmp_path):
    path = _warc(tmp_path / "crawl.warc.gz", [("https://a.example/tokyo", "text/html", TOKYO.encode("shift_jis")),
                                              ("https://a.example/paris", "text/html", PARIS.encode("cp1252"))])
    with pytest.warns(UserWarning) as said:
        pages = list(iter_pages([path]))
    assert [p[0].url for p in pages] == ["https://a.example/paris"]
    advised = NO_CHARSET_TO_PYTHON.format("cp932")  # (encoding= reads it: below)
    assert [str(w.message) for w in said] == [
        f"{path}: record 0 (https://a.example/tokyo): {advised} (Japanese) or gb18030 (Chinese) (skipped)"]
    with pytest.warns(UserWarning) as said:  # the encoding given, strictly: the page in cp1252 is not in it
        assert [p[0].text for p in iter_pages([path], encoding="cp932")] == [TOKYO[15:-18]]
    assert [str(w.message) for w in said] == [
        f"{path}: record 1 (https://a.example/paris): is not valid cp932 text (byte 21); name its encoding, e.g. "
        "encoding='cp1252' (skipped)"]


def test_input_kinds_by_name_and_by_sniffing(tmp_path):
    names = {"a.html": "", "b.HTM.gz": "", "c.warc.gz": "", "d.jsonl": "", "e.txt": "plain text",
             "f.txt": "\ufeff  <!-- saved -->\n<!DOCTYPE html><p>x", "g": "<HTML lang=en>", "h.txt": "<p>fragment",
             "i.txt": '\n<div class="story"><p>A fragment</p></div>', "j.txt": "<Article>\n<H2>Hi</H2>",
             "k.txt": "<<< Back to news\n\nStory <b>text</b>", "l.txt": "Story with <p>markup</p> inside"}
    for name, text in names.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    kinds = {name: input_kind(tmp_path / name) for name in names}
    assert kinds == {"a.html": "html", "b.HTM.gz": "html", "c.warc.gz": "warc", "d.jsonl": "labelled",
                     "e.txt": "text", "f.txt": "html", "g": "html", "h.txt": "text",
                     "i.txt": "html", "j.txt": "html", "k.txt": "text", "l.txt": "text"}
    assert not looks_like_html(b"<htmlx>")
    assert [page_stem(n) for n in ("a.html", "b.HTM.gz", "c.warc.gz", "e.txt", "x.md")] == ["a", "b", "c", "e", "x"]


def _texts(pages):
    return [[(b.page, b.text) for b in page] for page in pages]


def test_a_page_html_gz_already_unpacked_is_read_as_the_html_it_is(tmp_path):
    # browsers and `curl --compressed` undo a server's gzip and keep the file's name
    (tmp_path / "story.html.gz").write_text("<!DOCTYPE html><p>Harbour reopens.</p>", encoding="utf-8")
    (page,) = iter_pages([tmp_path / "story.html.gz"])
    assert [b.text for b in page] == ["Harbour reopens."]


def test_html_and_gzipped_html_files_are_read_as_html(tmp_path):
    (tmp_path / "one.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "two.htm.gz").write_bytes(gzip.compress(PAGE.encode("utf-8")))
    pages = list(iter_pages([tmp_path / "one.html", tmp_path / "two.htm.gz"]))
    assert [p[0].page for p in pages] == ["one", "two"]
    assert [b.text for b in pages[0]] == [b.text for b in pages[1]]
    assert pages[0][2].text == "By [Ana Ruiz](/author/ana)"
    assert not any("tracking" in b.text or "<" in b.text for page in pages for b in page)


def test_a_txt_file_holding_html_is_never_tagged_as_plain_text(tmp_path):
    path = tmp_path / "saved.txt"
    path.write_text(PAGE, encoding="utf-8")
    (page,) = iter_pages([path])
    assert page[0].page == "saved"
    assert page[0].text == "- [News](/news)\n- [Sport](https://harbour.example/sport)"
    assert not any("script" in b.text or "tracking" in b.text for b in page)


def test_a_txt_file_holding_html_with_a_stray_nul_is_read_as_html_not_refused(tmp_path):
    path = tmp_path / "saved.txt"
    path.write_bytes(PAGE.replace("</head>", "<!-- \x00 --></head>").encode("utf-8"))
    (page,) = iter_pages([path])
    assert page[0].text == "- [News](/news)\n- [Sport](https://harbour.example/sport)"


def test_a_folder_of_mixed_pages(tmp_path):
    (tmp_path / "a.txt").write_text("Plain page\n\nSecond block", encoding="utf-8")
    (tmp_path / "b.html").write_text("<p>Web page</p>", encoding="utf-8")
    (tmp_path / "c.html.gz").write_bytes(gzip.compress(b"<h2>Zipped</h2><p>page</p>"))
    (tmp_path / "notes.css").write_text("p { color: red }", encoding="utf-8")  # not a page, and nothing to say of it
    # hidden files, as a shell's * leaves them: macOS's AppleDouble copy, an editor's lock, a dotfile
    (tmp_path / "._b.html").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    (tmp_path / ".#a.txt").symlink_to("user@host.local.12345:1700000000")
    (tmp_path / ".notes.txt").write_text("Notes to self", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pages = _texts(iter_pages([tmp_path]))
    assert pages == [
        [("a", "Plain page"), ("a", "Second block")],
        [("b", "Web page")],
        [("c", "Zipped"), ("c", "page")],
    ]


def _warc(path, records):
    """A WARC file of responses (url, content type, body[, HTTP status]) and a request."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=str(path).endswith(".gz"))
        for url, content_type, body, *status in records:
            headers = StatusAndHeaders(status[0] if status else "200 OK", [("Content-Type", content_type)],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
        request = writer.create_warc_record("https://a.example/", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
        writer.write_record(request)
    return path


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_html_responses_are_pages_with_their_urls(tmp_path, name):
    path = _warc(tmp_path / name, [
        ("https://a.example/story", "text/html; charset=utf-8", b"<h1>Story</h1><p><a href='/more'>More</a></p>"),
        ("https://a.example/logo.png", "image/png", b"\x89PNG\r\n"),
        ("https://b.example/news", "text/html; charset=iso-8859-1", "<p>Caf\xe9 news</p>".encode("latin-1")),
    ])
    pages = list(iter_pages([path]))
    assert [[(b.page, b.url, b.text) for b in page] for page in pages] == [  # FILE:N, N the record's place in the file
        [("crawl:0", "https://a.example/story", "Story"), ("crawl:0", "https://a.example/story", "[More](https://a.example/more)")],
        [("crawl:2", "https://b.example/news", "Café news")],
    ]


def _wet(path, records):
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=str(path).endswith(".gz"))
        writer.write_record(writer.create_warc_record("", "warcinfo", payload=io.BytesIO(b"software: test\r\n"),
                                                      warc_content_type="application/warc-fields"))
        for url, text in records:
            writer.write_record(writer.create_warc_record(url, "conversion", payload=io.BytesIO(text.encode("utf-8")),
                                                          warc_content_type="text/plain"))
    return path


@pytest.mark.parametrize("name", ["CC-MAIN-1.warc.wet.gz", "crawl.wet"])
def test_a_wet_files_text_conversions_are_pages_a_block_a_line(tmp_path, name):
    path = _wet(tmp_path / name, [
        ("https://a.example/story", "Bridge reopens\nBy Ana Ruiz\nThe bridge carried its first cars.\n"),
        ("https://a.example/empty", ""),  # an empty page's record: nothing to tag, nothing to say
        ("https://b.example/caf\u00e9", "Caf\u00e9 news"),
    ])
    stem = name.split(".")[0]
    assert [[(b.page, b.url, b.text) for b in page] for page in iter_pages([path])] == [  # (record 0: warcinfo)
        [(f"{stem}:1", "https://a.example/story", "Bridge reopens"), (f"{stem}:1", "https://a.example/story", "By Ana Ruiz"),
         (f"{stem}:1", "https://a.example/story", "The bridge carried its first cars.")],
        [(f"{stem}:3", "https://b.example/caf\u00e9", "Caf\u00e9 news")],
    ]


def test_a_warc_archive_named_as_a_page_is_refused_with_the_fix(tmp_path):
    path = _warc(tmp_path / "crawl.gz", [("https://a.example/", "text/html", b"<p>Story</p>")])
    with pytest.raises(InputError, match=r"crawl.gz: is a WARC archive, not a page; give it as a file named .warc, "
                                         r".warc.gz, .wet or .wet.gz to tag its pages"):
        list(iter_pages([path]))


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_redirects_and_error_responses_in_a_warc_are_no_pages_and_are_counted(tmp_path, name):
    path = _warc(tmp_path / name, [
        ("https://a.example/old", "text/html", b"<h1>Moved Permanently</h1><p>It has moved.</p>", "301 Moved Permanently"),
        ("https://a.example/story", "text/html", b"<p>The story</p>"),
        ("https://a.example/gone", "text/html", b"<h1>404 Not Found</h1>", "404 Not Found"),
    ])
    with pytest.warns(UserWarning) as caught:
        pages = list(iter_pages([path]))
    assert [[(b.page, b.url, b.text) for b in page] for page in pages] == [[("crawl:1", "https://a.example/story", "The story")]]
    assert [str(w.message) for w in caught] == [
        f"{path}: 2 HTML response(s) with an HTTP status other than 2xx (redirects, errors) are no pages (skipped)"]


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_a_warc_cut_short_is_refused_before_any_page_is_read(tmp_path, name):
    def page(k):
        return f"https://a.example/{k}", "text/html", ("<p>Paragraph %d of a story. </p>" % k * 50).encode()

    head = _warc(tmp_path / ("head-" + name), [page(0), page(1)]).read_bytes()  # 3 records, with a request
    tail = _warc(tmp_path / ("tail-" + name), [page(2)]).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(head + tail[:len(tail) // 2])
    with pytest.raises(InputError, match=rf"^{cut}: is cut short after 3 whole record\(s\) \(an interrupted download "
                                         r"or crawl\?\); fetch it again$"):
        next(iter_pages([cut]))
    cut.write_bytes(head + tail)
    assert len(list(iter_pages([cut]))) == 3


def test_a_warc_charset_is_read_as_browsers_read_it(tmp_path):
    path = _warc(tmp_path / "crawl.warc", [
        # Apache's default label over the curly quotes of windows-1252
        ("https://a.example/1", "text/html; charset=ISO-8859-1", "<p>\u201cYes\u201d \u2014 she said</p>".encode("cp1252")),
        ("https://a.example/2", "text/html", '<meta charset="gb2312"><p>朱镕基</p>'.encode("gbk")),
        ("https://a.example/3", "text/html; charset=shift_jis", "<p>①番</p>".encode("cp932")),
    ])
    assert [page[0].text for page in iter_pages([path])] == ["\u201cYes\u201d \u2014 she said", "朱镕基", "①番"]


@pytest.mark.parametrize("name, content, message", [
    ("bad.html.gz", b"not gzip at all", "bad.html.gz: is not a valid gzip file"),
    ("bad.warc.gz", b"\x1f\x8b\x08\x00garbage" * 10, "bad.warc.gz: is not a readable WARC file"),
    ("bad.warc", b"this is not a WARC record\r\n\r\n", "bad.warc: is not a readable WARC file"),
    # a WARC line at the top, then no header a record is read by (a page of text named .warc)
    ("line.warc", b"WARC/1.0\r\n", r"line.warc: is cut short after 0 whole record\(s\)"),  # (its header never ends)
    ("text.warc", b"\n\nWritten by Ana on May 2\n\nThe story.\n",
     r"text.warc: is not a readable WARC file \(a record with no Content-Length\)"),
    ("text.warc.gz", gzip.compress(b"\n\nWritten by Ana on May 2\n\nThe story.\n", mtime=0),
     r"text.warc.gz: is not a readable WARC file \(a record with no Content-Length\)"),
])
def test_a_malformed_file_is_an_input_error_naming_it(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=message):
        list(iter_pages([tmp_path / name]))


# ---------------------------------------------------------------------- the CLI

runner = CliRunner()


def test_convert_prints_the_text_that_is_tagged(tmp_path):
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    result = runner.invoke(app, ["convert", str(tmp_path / "page.html")])
    assert result.exit_code == 0, result.output
    assert result.output == PAGE_TEXT.replace("https://harbour.example/news", "/news").replace(
        "https://harbour.example/author/ana", "/author/ana") + "\n"


def test_convert_several_pages_under_headers_to_a_file(tmp_path):
    (tmp_path / "a.txt").write_text("Plain\n\n\n\npage", encoding="utf-8")
    (tmp_path / "b.html").write_text("<p>One</p><p>Two</p>", encoding="utf-8")
    out = tmp_path / "out.txt"
    result = runner.invoke(app, ["convert", str(tmp_path / "a.txt"), str(tmp_path / "b.html"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert out.read_text(encoding="utf-8") == "==> a <==\nPlain\n\npage\n\n==> b <==\nOne\n\nTwo\n"


def test_convert_names_a_crawls_pages_with_their_urls_as_tag_does(tmp_path):
    crawl = _warc(tmp_path / "crawl.warc", [("https://a.example/1", "text/html", b"<p>One</p>"),
                                           ("https://a.example/2", "text/html", b"<p>Two</p>")])
    result = runner.invoke(app, ["convert", str(crawl)])
    assert (result.exit_code, result.stdout) == (
        0, "==> crawl:0 (https://a.example/1) <==\nOne\n\n==> crawl:1 (https://a.example/2) <==\nTwo\n")


@pytest.mark.parametrize("split", ["blank", "auto"])
def test_convert_shows_a_very_long_page_as_one_page(tmp_path, monkeypatch, split):
    """Tagging reads a page over MAX_PAGE_BLOCKS blocks in chunks, with a warning; convert
    shows the page itself: one header, every block, no warning about tagging."""
    import classifier.blocks

    monkeypatch.setattr(classifier.blocks, "MAX_PAGE_BLOCKS", 3)
    (tmp_path / "long.txt").write_text("\n\n".join(f"Block {i} of a long page." for i in range(8)), encoding="utf-8")
    (tmp_path / "short.txt").write_text("One block.", encoding="utf-8")
    result = runner.invoke(app, ["convert", str(tmp_path / "long.txt"), str(tmp_path / "short.txt"), "--split", split])
    assert result.exit_code == 0, result.output
    assert result.stdout == ("==> long <==\n" + "\n\n".join(f"Block {i} of a long page." for i in range(8))
                             + "\n\n==> short <==\nOne block.\n")
    assert result.stderr == ""


@pytest.mark.parametrize("command", ["tag", "convert", "explain", "suggest"])
def test_split_with_only_html_or_warc_inputs_is_refused_not_ignored(tmp_path, small_model_path, command):
    (tmp_path / "crawl").mkdir()
    (tmp_path / "crawl" / "a.html").write_text("<p>One</p><p>Two</p>", encoding="utf-8")
    warc = _warc(tmp_path / "crawl" / "b.warc.gz", [("https://a.example/x", "text/html", b"<p>Story</p>")])
    extra = ([] if command == "convert" else ["--model", str(small_model_path)]) + (["-n", "1"] if command == "suggest" else [])
    for inputs in ([str(tmp_path / "crawl" / "a.html")], [str(warc)], [str(tmp_path / "crawl")]):
        result = runner.invoke(app, [command, *inputs, "--split", "line", *extra])
        assert result.exit_code == 1
        assert result.output == ("Error: --split line splits pages of text, and these inputs are all HTML or WARC, "
                                 "whose blocks are their elements: drop --split\n")
    (tmp_path / "crawl" / "c.txt").write_text("Headline\nBy Ana", encoding="utf-8")  # now a page it splits
    result = runner.invoke(app, [command, str(tmp_path / "crawl"), "--split", "line", *extra])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", ["tag", "convert", "explain", "suggest"])
def test_split_with_only_files_of_blocks_is_refused_and_with_a_file_of_pages_taken(tmp_path, small_model_path, command):
    blocks = tmp_path / "blocks.jsonl"
    blocks.write_text(json.dumps({"page": "p", "index": 0, "text": "Headline\nBy Ana"}) + "\n", encoding="utf-8")
    html = tmp_path / "a.html"
    html.write_text("<p>One</p><p>Two</p>", encoding="utf-8")
    extra = ([] if command == "convert" else ["--model", str(small_model_path)]) + (["-n", "1"] if command == "suggest" else [])
    for inputs in ([blocks], [blocks, html]):
        result = runner.invoke(app, [command, *map(str, inputs), "--split", "line", *extra])
        assert (result.exit_code, result.output) == (1, "Error: --split line splits pages of text, and these inputs "
                                                        "are all files of blocks (split already), HTML or WARC: drop --split\n")
    pages = tmp_path / "pages.jsonl"  # a file of whole pages: their text is split as --split says
    pages.write_text(json.dumps({"url": "https://a.example/x", "text": "Headline\nBy Ana"}) + "\n", encoding="utf-8")
    result = runner.invoke(app, [command, str(blocks), str(pages), "--split", "line", *extra])
    assert result.exit_code == 0, result.output
    # ... a line a block, where the default split keeps the two lines one block
    split = [[b.text for b in page] for page in iter_pages([pages], split="line")]
    assert (split, [[b.text for b in page] for page in iter_pages([pages])]) == ([["Headline", "By Ana"]], [["Headline\nBy Ana"]])
    if command == "convert":
        assert result.stdout.endswith("Headline\n\nBy Ana\n")


def test_convert_a_malformed_file_is_one_error_line(tmp_path):
    (tmp_path / "bad.html.gz").write_bytes(b"not gzip")
    result = runner.invoke(app, ["convert", str(tmp_path / "bad.html.gz")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {tmp_path / 'bad.html.gz'}: is not a valid gzip file")
    assert result.output.count("\n") == 1


def test_tag_a_warc_file_writes_each_records_url(tmp_path, small_model_path):
    path = _warc(tmp_path / "crawl.warc.gz", [
        ("https://a.example/story", "text/html", b"<h1>Story</h1><p>Body text here.</p>"),
        ("https://b.example/news", "text/html", b"<p>News</p>"),
    ])
    records = tagged_records(path, small_model_path)
    assert [(r["page"], r["url"], r["index"], r["text"]) for r in records] == [
        ("crawl:0", "https://a.example/story", 0, "Story"),
        ("crawl:0", "https://a.example/story", 1, "Body text here."),
        ("crawl:1", "https://b.example/news", 0, "News"),
    ]
    assert list(records[0])[:3] == ["page", "url", "index"]


def test_tag_records_of_text_pages_have_no_url(tmp_path, small_model_path):
    (tmp_path / "p.html").write_text("<p>Only block</p>", encoding="utf-8")
    result = runner.invoke(app, ["tag", str(tmp_path / "p.html"), "--format", "jsonl", "--model", str(small_model_path)])
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in result.output.splitlines()]
    assert "url" not in record and record["page"] == "p" and record["text"] == "Only block"


WRAPPED = (
    "The bridge carried its first cars on Tuesday morning, eleven months after a\n"
    "barge struck one of its piers in a spring storm. Engineers replaced two spans\n"
    "and the deck, the harbour authority said on Tuesday in a statement to press.\n\n"
    "Ferry operators, who ran extra crossings all year, said they would return to\n"
    "the summer timetable next week, and that fares would not change this year.\n"
)


@pytest.mark.parametrize("split, expected", [
    ("blank", WRAPPED.rstrip("\n") + "\n"),
    ("auto", "The bridge carried its first cars on Tuesday morning, eleven months after a barge struck one of its "
             "piers in a spring storm. Engineers replaced two spans and the deck, the harbour authority said on "
             "Tuesday in a statement to press.\n\nFerry operators, who ran extra crossings all year, said they would "
             "return to the summer timetable next week, and that fares would not change this year.\n"),
    ("line", WRAPPED.replace("\n\n", "\n").replace("\n", "\n\n").rstrip("\n") + "\n"),
])
def test_convert_split_modes(tmp_path, split, expected):
    (tmp_path / "wrapped.txt").write_text(WRAPPED, encoding="utf-8")
    result = runner.invoke(app, ["convert", str(tmp_path / "wrapped.txt"), "--split", split])
    assert result.exit_code == 0, result.output
    assert result.output == expected


def test_tag_a_folder_of_html_skips_a_bad_page_and_goes_on(tmp_path, small_model_path):
    (tmp_path / "a.html").write_text("<p>Good page</p>", encoding="utf-8")
    (tmp_path / "b.html.gz").write_bytes(b"not gzip")
    result = runner.invoke(app, ["tag", str(tmp_path), "--format", "csv", "--model", str(small_model_path)])
    assert result.exit_code == 1
    assert f"Warning: {tmp_path / 'b.html.gz'}: is not a valid gzip file" in result.output
    assert "a,0,Good page," in result.output
    assert result.output.endswith("Error: 1 input file(s) could not be tagged\n")


def test_an_unreadable_page_in_a_warc_is_skipped_with_a_warning(tmp_path):
    path = _warc(tmp_path / "crawl.warc", [
        ("https://a.example/deep", "text/html", b"<div>" * 5000 + b"x"),
        ("https://a.example/ok", "text/html", b"<p>Fine</p>"),
    ])
    with pytest.warns(UserWarning, match=r"crawl.warc: record 0 \(https://a.example/deep\): is not a readable HTML page .*\(skipped\)"):
        pages = list(iter_pages([path]))
    assert [[(b.page, b.url, b.text) for b in page] for page in pages] == [[("crawl:1", "https://a.example/ok", "Fine")]]


def _response(writer, url, body, headers, warc_headers=None):
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                                  warc_headers_dict=warc_headers or {}))


def test_a_warc_gzipped_whole_is_read_as_one_gzipped_a_record_is(tmp_path):
    plain = _warc(tmp_path / "crawl.warc", [("https://a.example/1", "text/html", b"<p>One</p>"),
                                           ("https://a.example/2", "text/html", b"<p>Two</p>")])
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))  # `gzip crawl.warc`: one member, not one a record
    assert [[b.text for b in page] for page in iter_pages([whole])] == [["One"], ["Two"]]


def test_warc_responses_are_read_as_a_browser_would_or_skipped_and_said(tmp_path, monkeypatch):
    import classifier.readers as readers

    monkeypatch.setattr(readers, "_brotli_module", lambda: None)  # (as where the optional package is not installed)
    path = tmp_path / "crawl.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        _response(writer, "https://a.example/br", b"\x1b\x0f\x00\xf8\xa5\x12",
                  [("Content-Type", "text/html"), ("Content-Encoding", "br")])
        _response(writer, "https://a.example/zipped", gzip.compress(b"<p>Sent gzipped, unsaid</p>"),
                  [("Content-Type", "text/html")])
        story = gzip.compress(b"<p>" + b"A story sent gzipped. " * 40 + b"</p>")
        _response(writer, "https://a.example/broken", story[:20] + bytes(b ^ 0x55 for b in story[20:40]) + story[40:],
                  [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])  # damaged in transit
        _response(writer, "https://a.example/untyped", b"<!doctype html><p>No Content-Type</p>", [])
        _response(writer, "https://a.example/logo", b"\x89PNG\r\n\x1a\n\x00\x00", [])  # untyped, and no page
        _response(writer, "https://a.example/cut", b"<p>Cut short by the crawl</p>", [("Content-Type", "text/html")],
                  {"WARC-Truncated": "length"})
    with pytest.warns(UserWarning) as caught:
        pages = [[(b.page, b.text) for b in page] for page in iter_pages([path])]
    assert pages == [[("crawl:1", "Sent gzipped, unsaid")], [("crawl:3", "No Content-Type")],
                     [("crawl:5", "Cut short by the crawl")]]
    said = [str(w.message) for w in caught]
    assert said[0] == (f"{path}: record 0 (https://a.example/br): is compressed with Brotli (Content-Encoding: br), "
                       "which needs the brotli package: pip install brotli (skipped)")
    assert said[1].startswith(f"{path}: record 2 (https://a.example/broken): is not a valid gzip file (")
    assert said[2:] == [f"{path}: 1 record(s) the crawler cut short (WARC-Truncated: over its size or time limit; "
                        "the first: https://a.example/cut) are tagged as far as they go"]


def _arc(path, pages):
    """An ARC file (the Internet Archive's format before WARC) of HTTP responses (url, body),
    a gzip member a record when named .gz, as the Archive wrote them."""
    version = b"1 0 InternetArchive\nURL IP-address Archive-date Content-type Archive-length\n"
    records = [b"filedesc://%s 0.0.0.0 20240101000000 text/plain %d\n" % (path.name.encode(), len(version)) + version + b"\n"]
    for url, body in pages:
        response = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
        records.append(b"%s 192.0.2.1 20240101000000 text/html %d\n" % (url.encode(), len(response)) + response + b"\n")
    gz = path.name.endswith(".gz")
    path.write_bytes(b"".join(gzip.compress(r, mtime=0) if gz else r for r in records))
    return path


@pytest.mark.parametrize("name", ["crawl.arc", "crawl.arc.gz"])
def test_an_arc_files_responses_are_pages_with_their_urls(tmp_path, name):
    path = _arc(tmp_path / name, [("https://a.example/story", b"<h1>Story</h1><p>The bridge reopened.</p>"),
                                  ("https://a.example/next", b"<p>Another story.</p>")])
    assert [[(b.page, b.url, b.text) for b in page] for page in iter_pages([path])] == [  # (record 0: the file's header)
        [("crawl:1", "https://a.example/story", "Story"), ("crawl:1", "https://a.example/story", "The bridge reopened.")],
        [("crawl:2", "https://a.example/next", "Another story.")],
    ]
    assert [[b.text for b in page] for page in iter_pages([tmp_path])] == [["Story", "The bridge reopened."],
                                                                         ["Another story."]]  # in a folder too


def test_an_arc_file_cut_anywhere_in_its_last_record_is_refused_as_cut_short(tmp_path):
    whole = _arc(tmp_path / "whole.arc", [("https://a.example/story", b"<p>The bridge reopened.</p>"),
                                          ("https://a.example/next", b"<p>Another story.</p>")]).read_bytes()
    last = whole.rindex(b"https://a.example/next")
    for cut in range(last + 1, len(whole) - 1):  # in its header line (its URL, its length) or its body
        path = tmp_path / "cut.arc"
        path.write_bytes(whole[:cut])
        # (cut inside "https://", what is left may as well be damage)
        with pytest.raises(InputError, match=r"cut\.arc: (is cut short after 2 whole record\(s\)|is not a readable ARC "
                                             r"file \(after 2 whole record\(s\): .*damaged, or cut short\))"):
            list(iter_pages([path]))


def test_an_arc_file_not_so_named_is_refused_and_a_file_so_named_that_is_none_is_too(tmp_path):
    arc = _arc(tmp_path / "crawl.arc", [("https://a.example/story", b"<p>The bridge reopened.</p>")])
    text = tmp_path / "crawl.txt"
    text.write_bytes(arc.read_bytes())
    with pytest.raises(InputError, match=r"^.*crawl.txt: is an ARC archive, not a page; give it as a file named "
                                         r"\.arc or \.arc\.gz to tag its pages$"):
        list(iter_pages([text]))
    not_arc = tmp_path / "notes.arc"
    not_arc.write_text("Rain fell.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^.*notes.arc: is not a readable ARC file \(it does not start with an ARC "
                                         r"file header \(filedesc://\.\.\.\)\)$"):
        list(iter_pages([not_arc]))


def test_a_resource_record_holding_a_page_is_a_page(tmp_path):
    path = tmp_path / "capture.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url, kind, body in [("https://a.example/story", "text/html", "<p>Caf\xe9 reopens.</p>".encode("cp1252")),
                                ("https://a.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n")]:
            writer.write_record(writer.create_warc_record(url, "resource", payload=io.BytesIO(body),
                                                          warc_content_type=kind))
    assert [[(b.page, b.url, b.text) for b in page] for page in iter_pages([path])] == [
        [("capture:0", "https://a.example/story", "Café reopens.")]]


def test_a_saved_page_gzipped_in_a_folder_is_read_and_named_by_its_stem(tmp_path):
    saved = (b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"B\"\r\n\r\n"
             b"--B\r\nContent-Type: text/html\r\nContent-Location: https://a.example/1\r\n\r\n"
             b"<p>Harbour reopens.</p>\r\n--B--\r\n")
    (tmp_path / "page.mhtml.gz").write_bytes(gzip.compress(saved, mtime=0))
    (tmp_path / "other.MHT.GZ").write_bytes(gzip.compress(saved.replace(b"Harbour", b"Bridge"), mtime=0))
    assert [[(b.page, b.url, b.text) for b in page] for page in iter_pages([tmp_path])] == [
        [("other", "https://a.example/1", "Bridge reopens.")], [("page", "https://a.example/1", "Harbour reopens.")]]


def test_a_charset_the_body_is_not_in_gives_way_to_the_pages_own(tmp_path):
    page = '<meta charset="windows-1252"><p>Caf\xe9 cr\xe8me returns to Z\xfcrich</p>'.encode("cp1252")
    path = _warc(tmp_path / "crawl.warc", [("https://a.example/1", "text/html; charset=utf-8", page)])
    assert [[b.text for b in page] for page in iter_pages([path])] == [["Café crème returns to Zürich"]]
    mhtml = tmp_path / "saved.mhtml"
    mhtml.write_bytes(b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n"
                      b"\tboundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/html; charset=utf-8\r\n"
                      b"Content-Transfer-Encoding: 8bit\r\nContent-Location: https://a.example/1\r\n\r\n"
                      + page + b"\r\n--B--\r\n")
    assert [[b.text for b in page] for page in iter_pages([mhtml])] == [["Café crème returns to Zürich"]]
    # a page that names no charset of its own is read in the header's, a bad byte as U+FFFD
    # (a crawler's size limit cuts a record mid-character): never lost for one byte
    russian = "<p>Мэрия сообщила о новой библиотеке.</p>".encode("cp1251")
    cut = _warc(tmp_path / "cut.warc", [("https://a.example/2", "text/html; charset=windows-1251",
                                         russian[:10] + b"\x98" + russian[10:])])
    assert [[b.text for b in page] for page in iter_pages([cut])] == [["Мэрия с\ufffdообщила о новой библиотеке."]]


def test_a_partial_response_and_an_encoding_that_cannot_be_undone_are_said(tmp_path, capfd):
    path = tmp_path / "crawl.warc"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        writer.write_record(writer.create_warc_record(
            "https://a.example/a b", "response", payload=io.BytesIO(b"<p>The first half of a story</p>"),
            http_headers=StatusAndHeaders("206 Partial Content", [("Content-Type", "text/html")], protocol="HTTP/1.1")))
        _response(writer, "https://a.example/z", bytes(range(256)) * 4,
                  [("Content-Type", "text/html"), ("Content-Encoding", "zstd")])
    with pytest.warns(UserWarning) as caught:
        pages = [[(b.url, b.text) for b in page] for page in iter_pages([path])]
    assert pages == [[("https://a.example/a%20b", "The first half of a story")]]
    assert [str(w.message) for w in caught] == [
        f"{path}: record 1 (https://a.example/z): is compressed with zstd (Content-Encoding: zstd), which blocktag cannot "
        "undo; crawl with Accept-Encoding: gzip, deflate, br (skipped)",
        f"{path}: 1 response(s) hold part of a page only (206 Partial Content; the first: https://a.example/a%20b) "
        "and are tagged as far as they go"]
    assert capfd.readouterr().err == ""  # (warcio's own note of the address's space, on its logger, is not shown)


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_a_warc_file_piped_in_is_read_as_one(tmp_path, name):
    path = _warc(tmp_path / name, [("https://a.example/story", "text/html", b"<h1>Story</h1><p>The bridge reopened.</p>")])
    result = CliRunner().invoke(app, ["convert", "-"], input=path.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout == "Story\n\nThe bridge reopened.\n"
    data = path.read_bytes() if name.endswith(".warc") else gzip.decompress(path.read_bytes())
    last = data.rindex(b"WARC/1.0")  # the request record's
    for cut in (len(data) - 40, last + 40, last + 4):  # in its body, its header, its first line
        piped = data[:cut] if name.endswith(".warc") else gzip.compress(data[:cut], mtime=0)
        result = CliRunner().invoke(app, ["convert", "-"], input=piped)
        assert result.exit_code == 1
        assert result.output == ("Error: <stdin>: is cut short after 1 whole record(s) (an interrupted download or "
                                 "crawl?); fetch it again\n")


def test_a_warc_malformed_midway_names_the_whole_records_before_it(tmp_path):
    path = _warc(tmp_path / "crawl.warc", [("https://a.example/1", "text/html", b"<p>One</p>"),
                                           ("https://a.example/2", "text/html", b"<p>Two</p>")])
    data = path.read_bytes()
    second = data.index(b"WARC/1.0", 1)
    path.write_bytes(data[:second] + b"WARC/1.0\r\nnot a header\r\n\r\n" + data[second:])
    with pytest.raises(InputError, match=r"crawl.warc: is not a readable WARC file \(after 1 whole record\(s\): "):
        list(iter_pages([path]))


@pytest.mark.parametrize("data", [b"", b"\x1f", b"\x1f\x8b\x08\x00\x00"])
def test_a_warc_gz_of_a_few_bytes_is_a_failed_download(tmp_path, data):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"crawl.warc.gz: is cut short after 0 whole record\(s\)"):
        list(iter_pages([path]))


# ------------------------------------------------------------- other files users pass


def test_gzipped_text_pages_are_unpacked_by_name_or_by_their_bytes(tmp_path):
    text = "Ferry resumes\n\nThe ferry sailed again on Monday."
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    (tmp_path / "b.txt").write_bytes(gzip.compress(text.encode("utf-8")))  # gzip named as text
    pages = list(iter_pages([tmp_path]))  # a folder lists .txt.gz pages too
    assert [[(b.page, b.text) for b in page] for page in pages] == [
        [("a", "Ferry resumes"), ("a", "The ferry sailed again on Monday.")],
        [("b", "Ferry resumes"), ("b", "The ferry sailed again on Monday.")],
    ]


def test_a_fragment_of_html_named_as_text_is_read_as_html(tmp_path):
    # what readability or an element's innerHTML gives: no <html>, no doctype
    path = tmp_path / "fragment.txt"
    path.write_text('<div class="story"><h1>Ferry resumes</h1><p>The ferry sailed <a href="/x">again</a>.</p>'
                    "<figure><img src=a.jpg><figcaption>The ferry. (Photo: AP)</figcaption></figure></div>",
                    encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Ferry resumes", "The ferry sailed [again](/x).", "The ferry. (Photo: AP)"]


@pytest.mark.parametrize("top", ['<div class="story">', '<p align="center"><img src="logo.png"></p>', "<figure>"])
def test_markdown_that_opens_with_html_is_read_as_text(tmp_path, top):
    # pandoc's gfm keeps a page's <div> wrappers; a README opens with a centred logo. Its
    # paragraphs, at blank lines, are what no HTML fragment holds: it stays text, block by block.
    path = tmp_path / "story.md"
    path.write_text(f"{top}\n\n# Pond to become a park\n\nThe quarry pond will become a park.\n\n"
                    "*Ada Moss contributed to this report.*\n\n</div>\n", encoding="utf-8")
    assert input_kind(path) == "text"
    (page,) = iter_pages([path])
    assert [b.text for b in page][-3:] == ["# Pond to become a park", "The quarry pond will become a park.",
                                            "*Ada Moss contributed to this report.*"]
    assert looks_like_html(b'<div class="story">\n  <p>A fragment</p>\n\n  <p>Another</p>\n</div>')  # tags after blanks


def test_xhtml_with_an_xml_declaration_and_doctype_is_read_as_html(tmp_path):
    path = tmp_path / "strict.txt"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
                    "<body><p>The ferry sailed again.</p></body></html>", encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["The ferry sailed again."]


def test_text_saved_under_an_html_name_keeps_its_blocks(tmp_path):
    path = tmp_path / "saved.html"
    path.write_text("Ferry resumes\r\n\r\nBy Ana Ruiz\n\nThe ferry sailed again &amp; again.\n", encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Ferry resumes", "By Ana Ruiz", "The ferry sailed again &amp; again."]
    assert html_to_text("<p>One</p>\n\nTwo") == "One\n\nTwo"  # a single tag makes it markup


def test_a_folder_of_markdown_pages_is_read_as_text_pages(tmp_path):
    (tmp_path / "a.md").write_text("# Ferry resumes\n\nBy Ana Ruiz", encoding="utf-8")
    (tmp_path / "b.markdown").write_text("The ferry sailed again.", encoding="utf-8")
    (tmp_path / "c.md.gz").write_bytes(gzip.compress(b"Rain fell."))
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")  # not a page: left out of the folder, and said
    with pytest.warns(UserWarning, match=r"its files of records \(\.json\) are not read from a folder"):
        pages = [[(b.page, b.text) for b in page] for page in iter_pages([tmp_path])]
    assert pages == [[("a", "# Ferry resumes"), ("a", "By Ana Ruiz")], [("b", "The ferry sailed again.")],
                     [("c", "Rain fell.")]]


def test_gzipped_html_named_as_text_is_read_as_html(tmp_path):
    path = tmp_path / "saved.txt.gz"
    path.write_bytes(gzip.compress(PAGE.encode("utf-8")))
    (page,) = iter_pages([path])
    assert page[2].text == "By [Ana Ruiz](/author/ana)"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_text_with_a_utf16_or_utf32_byte_order_mark_is_read_in_it(tmp_path, encoding):
    path = tmp_path / "windows.txt"
    bom = {"utf-16": b"", "utf-16-be": b"\xfe\xff", "utf-32": b""}[encoding]
    path.write_bytes(bom + "Café opens\n\nBy Ana".encode(encoding))  # utf-16/32 write their own BOM
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Café opens", "By Ana"]


@pytest.mark.parametrize("written, named", [("utf-16-le", "utf-16"), ("utf-16-be", "utf-16"), ("utf-32-le", "utf-32"),
                                           ("utf-32-be", "utf-32"), ("utf-16-le", "utf-16-le")])
def test_text_with_no_byte_order_mark_is_read_in_the_utf16_or_utf32_named(tmp_path, written, named):
    # Python's decoders refuse to guess UTF-16's byte order in a chunk: the NULs say it.
    path = tmp_path / "windows.txt"
    path.write_bytes("Café opens\n\nBy Ana".encode(written))
    (page,) = iter_pages([path], encoding=named)
    assert [b.text for b in page] == ["Café opens", "By Ana"]


@pytest.mark.parametrize("written, named", [("utf-16-le", "utf-16"), ("utf-16-be", "utf-16"), ("utf-32-le", "utf-32")])
def test_utf16_with_no_byte_order_mark_is_named_with_the_option_that_reads_it(tmp_path, small_model_path,
                                                                             written, named):
    path = tmp_path / "windows.txt"
    path.write_bytes("Café opens\n\nBy Ana".encode(written))
    result = CliRunner().invoke(app, ["tag", str(path), "-m", str(small_model_path)])
    assert (result.exit_code, result.output) == (1, f"Error: {path}: looks like {named.upper()} text with no byte-order "
                                                    f"mark; give its encoding, e.g. --encoding {named}\n")
    # a binary file with NULs in every other byte and more is no text of either kind
    image = tmp_path / "image.txt"
    image.write_bytes(b"\x00\x00\x41\x00" * 2000)  # zeros in both halves of each pair
    result = CliRunner().invoke(app, ["tag", str(image), "-m", str(small_model_path)])
    assert result.output == f"Error: {image}: is a binary file, not text; give a page of scraped text\n"


def test_a_page_flattened_to_one_line_is_split_at_its_sentences_with_a_warning(tmp_path, small_model_path):
    from test_dialects import FLAT_STORY

    path = tmp_path / "flat.txt"
    path.write_text(FLAT_STORY * 7, encoding="utf-8")
    result = CliRunner().invoke(app, ["tag", str(path), "-f", "jsonl", "-m", str(small_model_path)])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 35
    assert result.stderr == (f"Warning: {path}: is one line of {len((FLAT_STORY * 7).strip()):,} characters, so it was "
                             "split at its sentences; its scraper joined the page's text with spaces: its HTML, or text "
                             "with line breaks, tags better\n")


TRAFILATURA_XML = ("is trafilatura's XML output, not a page; give the page's HTML, or trafilatura's text, --markdown "
                   "or --json output")


@pytest.mark.parametrize("name, content, message", [
    ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\nstream\x00\x01\x02", "is a PDF document, not a page of text; convert it to text first (e.g. with pdftotext)"),
    ("story.txt", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n", "is a PDF document, not a page of text; convert it to text first (e.g. with pdftotext)"),
    ("story.docx", b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "is a zip archive (a .docx, .epub or .zip file?), not a page of text; unpack or convert it first"),
    ("feed.xml", b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>News</title></channel></rss>', "is an RSS or Atom feed, not a page; tag the pages its items link to"),
    ("atom.txt", b'\xef\xbb\xbf<!-- generated -->\n<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title></feed>', "is an RSS or Atom feed, not a page; tag the pages its items link to"),
    ("feed.txt.gz", gzip.compress(b"<rss><channel/></rss>"), "is an RSS or Atom feed, not a page; tag the pages its items link to"),
    ("sitemap.xml", b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/x</loc></url></urlset>', "is a sitemap, not a page; tag the pages it lists"),
    ("note.txt", b"\n<?xml version='1.0'?><!-- exported -->\n<note><to>Ana</to></note>", "is an XML document (<note>), not a page; give pages as text, HTML or WARC files"),
    ("extract.xml", b'<doc sitename="A" title="Jam" url="https://a.example/jam">\n  <main>\n    <p>Jars recalled.</p>\n  </main>\n</doc>', TRAFILATURA_XML),
    ("extract.txt", b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/><text><body><p>Jars.</p></body></text></TEI>', TRAFILATURA_XML),
    ("extract2.txt", b'https://a.example/jam\tnull\t72fd2195b0a391be\ta.example\tJam recall\tnull\t2026-01-02\t"Jars recalled."\tnull\tnull\tarticle\n',
     "is trafilatura's --csv output (tab-separated metadata and text), not a page; give trafilatura's text, --markdown "
     "or --json output"),
    ("story.txt.bz2", bz2.compress(b"The council met."), "is compressed with bzip2; unpack it first (bunzip2), or gzip it"),
    ("story.html", bz2.compress(b"<p>The council met.</p>", 1), "is compressed with bzip2; unpack it first (bunzip2), or gzip it"),
    ("story.txt.xz", lzma.compress(b"The council met."), "is compressed with xz; unpack it first (unxz), or gzip it"),
    ("story.txt.zst", b"\x28\xb5\x2f\xfd\x20\x10\x81\x00", "is compressed with zstd; unpack it first (unzstd), or gzip it"),
    # most SVG files and many sitemaps have no XML declaration
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10"><text x="0" y="5">Hi</text></svg>', "is an SVG image, not a page"),
    ("logo.html", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>Hi</text></svg>', "is an SVG image, not a page"),
    ("map.xml", b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/x</loc></url></urlset>', "is a sitemap, not a page; tag the pages it lists"),
    ("answer.html", b'{"id": 7, "items": [1, 2, 3]}\n', "is JSON, not an HTML page; name it .json or .jsonl to read the pages it holds"),
    ("page.webarchive", b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
     b'"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0"><dict/></plist>',
     "is a property list in XML (a .webarchive converted to XML?); convert it back with plutil -convert binary1, "
     "or give the page's HTML"),
])
def test_documents_that_are_not_pages_are_refused_with_what_to_do(tmp_path, small_model_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["tag", str(path), "--model", str(small_model_path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {path}: {message}\n"


@pytest.mark.parametrize("opening", [
    "<!-- " + "licence text " * 60 + "-->\n",  # a comment of 780 characters before the doctype
    " " * 1500,  # blanks past the first KiB
    "<?xml version='1.0'?>\n<!-- built 2026-12-06 -->\n" * 30,
])
def test_a_page_named_as_text_is_html_whatever_comes_before_its_doctype(tmp_path, opening):
    path = tmp_path / "page.txt"
    path.write_text(opening + "<!DOCTYPE html><html><body><p>Harbour reopens.</p></body></html>", encoding="utf-8")
    assert input_kind(path) == "html"
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Harbour reopens."]


def test_an_inline_svg_atop_a_page_is_part_of_the_page_not_an_svg_file(tmp_path):
    icon = '<svg xmlns="http://www.w3.org/2000/svg" style="display:none"><symbol id="i"><path d="M0 0h9"/></symbol></svg>'
    (tmp_path / "sprite.html").write_text(f"<!DOCTYPE html>{icon}<p>Harbour reopens.</p>", encoding="utf-8")
    (tmp_path / "icon.txt").write_text(f"{icon}<p>Harbour reopens.</p>", encoding="utf-8")
    records = write_jsonl(tmp_path / "pages.jsonl", [{"url": "https://a.example/x", "html": f"{icon}<p>Harbour reopens.</p>"}])
    warc = _warc(tmp_path / "crawl.warc.gz", [("https://a.example/x", "text/html", f"{icon}<p>Harbour reopens.</p>".encode())])
    for path in (tmp_path / "sprite.html", tmp_path / "icon.txt", records, warc):
        (page,) = iter_pages([path])
        assert [b.text for b in page] == ["Harbour reopens."]


def test_a_long_icon_sprite_atop_a_fragment_of_text_is_part_of_it_and_an_svg_file_of_two_is_an_svg(tmp_path):
    sprite = "<svg style='display:none'>" + "".join(f"<symbol id='i{k}'><path d='M0 0h{k}v{k}'/></symbol>" for k in range(40)) + "</svg>"
    assert len(sprite) > 1500
    (tmp_path / "icon.txt").write_text(f"{sprite}<p>Harbour reopens.</p>", encoding="utf-8")
    (page,) = iter_pages([tmp_path / "icon.txt"])
    assert [b.text for b in page] == ["Harbour reopens."]
    (tmp_path / "two.txt").write_text("<svg><rect/></svg>\n<svg><circle/></svg>", encoding="utf-8")
    with pytest.raises(InputError, match=r"two\.txt: is an SVG image, not a page$"):
        list(iter_pages([tmp_path / "two.txt"]))


def test_readabilitys_fragment_with_a_long_first_paragraph_is_html(tmp_path):
    paragraph = "The council voted on Tuesday to approve a budget with more money for parks. " * 20  # 1,500 characters
    path = tmp_path / "extract.txt"
    path.write_text(f'<div id="readability-page-1" class="page"><div><p>{paragraph}</p><p>By Jane Roe</p></div></div>',
                    encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == [paragraph.strip(), "By Jane Roe"]


def test_records_and_warc_responses_that_are_no_pages_are_skipped_with_why(tmp_path):
    records = write_jsonl(tmp_path / "crawl.jsonl", [
        {"url": "https://a.example/feed", "html": '<?xml version="1.0"?><rss version="2.0"><channel/></rss>'},
        {"url": "https://a.example/file", "text": "%PDF-1.4\n1 0 obj"},
        {"url": "https://a.example/blob", "text": "PNG\u0000\u0000\u0001 data"},
        {"url": "https://a.example/story", "html": "<p>Harbour reopens.</p>"},
    ])
    with pytest.warns(UserWarning) as said:
        pages = list(iter_pages([records]))
    assert [(p[0].url, p[0].text) for p in pages] == [("https://a.example/story", "Harbour reopens.")]
    assert [str(w.message) for w in said] == [
        f"{records}:1: is an RSS or Atom feed, not a page; tag the pages its items link to (skipped)",
        f"{records}:2: is a PDF document, not a page of text; convert it to text first (e.g. with pdftotext) (skipped)",
        f"{records}:3: holds NUL bytes: binary, not a page of text (skipped)"]
    warc = _warc(tmp_path / "crawl.warc.gz", [
        ("https://a.example/feed", "text/html", b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>'),
        ("https://a.example/story", "text/html", b"<p>Harbour reopens.</p>"),
    ])
    wet = _wet(tmp_path / "crawl.wet", [("https://a.example/blob", "PNG\x00\x00 data"), ("https://a.example/story", "Harbour reopens.")])
    for path, skipped in ((warc, "is an RSS or Atom feed, not a page; tag the pages its items link to"),
                          (wet, "holds NUL bytes: binary, not a page of text")):
        with pytest.warns(UserWarning) as said:
            pages = list(iter_pages([path]))
        assert [(p[0].url, p[0].text) for p in pages] == [("https://a.example/story", "Harbour reopens.")]
        assert [str(w.message) for w in said] == [f"{path}: record {0 if path == warc else 1} (https://a.example/{'feed' if path == warc else 'blob'}): {skipped} (skipped)"]


def test_an_xhtml_page_with_an_xml_declaration_is_a_page_not_a_feed(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE html>\n<html><body><p>Harbour reopens.</p></body></html>', encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Harbour reopens."]


def test_a_page_with_no_text_is_warned_of_not_silently_left_out(tmp_path, small_model_path):
    (tmp_path / "empty.txt").write_text("\n \n", encoding="utf-8")
    (tmp_path / "app.html").write_text('<html><body><div id="root"></div><script>render()</script></body></html>')
    (tmp_path / "frames.html").write_text('<html><frameset cols="20%,80%"><frame src="menu.html"><frame src="s.html"></frameset></html>')
    (tmp_path / "moved.html").write_text('<html><head><meta http-equiv="Refresh" content="0; URL=\'https://a.example/new\'">'
                                         '</head><body></body></html>')
    (tmp_path / "story.txt").write_text("Harbour reopens.", encoding="utf-8")
    result = runner.invoke(app, ["tag", str(tmp_path), "--format", "csv", "--model", str(small_model_path)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:4] == [
        f"Warning: {tmp_path / 'app.html'}: holds no text to tag once its markup is dropped (a page built by JavaScript?); nothing is written for it",
        f"Warning: {tmp_path / 'empty.txt'}: holds no text to tag; nothing is written for it",
        f"Warning: {tmp_path / 'frames.html'}: holds no text to tag once its markup is dropped: its text is in the pages its "
        "frames show (<frame src>); tag those; nothing is written for it",
        f"Warning: {tmp_path / 'moved.html'}: holds no text to tag once its markup is dropped: it only sends the reader on "
        "to https://a.example/new (a meta refresh); tag that page; nothing is written for it",
    ]
    assert lines[4].startswith("page,index,text,label,")
    assert [line.split(",")[:3] for line in lines[5:]] == [["story", "0", "Harbour reopens."]]
    crawl = _warc(tmp_path / "crawl.warc", [("https://a.example/f", "text/html", (tmp_path / "frames.html").read_bytes()),
                                            ("https://a.example/m", "text/html", (tmp_path / "moved.html").read_bytes())])
    with pytest.warns(UserWarning) as caught:
        assert list(iter_pages([crawl])) == []
    assert [str(w.message) for w in caught][:2] == [
        f"{crawl}: record 0 (https://a.example/f): holds no text to tag once its markup is dropped: its text is in the pages "
        "its frames show (<frame src>); tag those (skipped)",
        f"{crawl}: record 1 (https://a.example/m): holds no text to tag once its markup is dropped: it only sends the reader "
        "on to https://a.example/new (a meta refresh); tag that page (skipped)"]


def test_tag_refuses_a_json_file_of_no_pages_saying_what_it_reads(tmp_path, small_model_path):
    path = tmp_path / "export.json"  # a Label Studio export: its text is inside each task's "data"
    path.write_text('[{"data": {"text": "Harbour reopens."}, "annotations": []}]', encoding="utf-8")
    result = runner.invoke(app, ["tag", str(path), "--model", str(small_model_path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}: is a JSON file that holds no pages (a 'text', 'html', 'markdown' or "
                             "'content' field in each record); give pages as text, HTML or WARC files, or blocks as .jsonl or .csv\n")


def test_html_pages_keep_the_readers_blocks_without_the_text_repairs(tmp_path):
    # Three one-item lists are three blocks as the reader writes them; --split auto's
    # loose-list repair is for other converters' text, not the reader's own form.
    path = tmp_path / "share.html"
    path.write_text("<p>Harbour reopens.</p><ul><li>Share</li></ul><ul><li>Tweet</li></ul><ul><li>Email</li></ul>")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Harbour reopens.", "- Share", "- Tweet", "- Email"]


def test_a_warc_without_html_responses_is_warned_of(tmp_path):
    path = _warc(tmp_path / "api.warc", [("https://a.example/data.json", "application/json", b"{}")])
    with pytest.warns(UserWarning, match=r"api.warc: holds no HTML response \(or WET text\) with text to tag; nothing is written for it"):
        assert list(iter_pages([path])) == []


def test_utf16_html_and_feeds_are_sniffed_after_decoding(tmp_path, small_model_path):
    page = tmp_path / "saved.txt"
    page.write_text("<!DOCTYPE html><html><body><p>Harbour reopens.</p></body></html>", encoding="utf-16")
    (blocks,) = iter_pages([page])
    assert [b.text for b in blocks] == ["Harbour reopens."]
    feed = tmp_path / "feed.txt"
    feed.write_text("<rss><channel><title>News</title></channel></rss>", encoding="utf-16")
    result = runner.invoke(app, ["tag", str(feed), "--model", str(small_model_path)])
    assert result.output == f"Error: {feed}: is an RSS or Atom feed, not a page; tag the pages its items link to\n"


@pytest.mark.parametrize("written, named", [("utf-16-le", "utf-16"), ("utf-16-be", "utf-16-be"), ("utf-32-le", "utf-32")])
def test_utf16_html_with_no_byte_order_mark_is_read_as_html_in_the_encoding_named(tmp_path, written, named):
    # as the advice for it says: never tagged as markup, whatever it is named
    html = '<!DOCTYPE html><html><head><meta charset="utf-16"></head><body><p>Café reopens.</p></body></html>'
    for name in ("saved.txt", "saved.html", "saved"):
        (tmp_path / name).write_bytes(html.encode(written))
        (page,) = iter_pages([tmp_path / name], encoding=named)
        assert [b.text for b in page] == ["Café reopens."], name
        with pytest.raises(InputError, match=rf": looks like {named[:6].upper()} text with no byte-order mark; give its "
                                             rf"encoding, e\.g\. encoding='{named[:6]}'$"):
            list(iter_pages([tmp_path / name]))
    assert [b.text for b in next(string_pages(html.encode(written), encoding=named))] == ["Café reopens."]
    # a UTF-8 page beside them, in a folder read with that --encoding, is read by its own charset
    utf8 = tmp_path / "utf8.html"
    utf8.write_bytes(html.replace("utf-16", "utf-8").encode("utf-8"))
    (page,) = iter_pages([utf8], encoding=named)
    assert [b.text for b in page] == ["Café reopens."]


def test_a_byte_order_mark_decides_and_a_damaged_file_says_so(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes("Café opens".encode("utf-16") + b"\x00\xd8")  # ends inside a surrogate pair
    with pytest.raises(InputError, match=r"cut.txt: starts with a UTF-16 byte-order mark but is not valid UTF-16 "
                                         r"\(byte \d+\); is it cut short or damaged\?"):
        list(iter_pages([path], encoding="latin-1"))  # --encoding cannot override the mark
    marked = tmp_path / "marked.txt"
    marked.write_bytes(b"\xef\xbb\xbf" + "Café opens".encode("utf-8"))
    (page,) = iter_pages([marked], encoding="latin-1")
    assert [b.text for b in page] == ["Café opens"]


def test_gzipped_html_is_unpacked_by_its_bytes_and_a_pdf_named_html_is_refused(tmp_path):
    packed = tmp_path / "page.html"
    packed.write_bytes(gzip.compress(b"<p>Harbour reopens.</p>"))
    (page,) = iter_pages([packed])
    assert [b.text for b in page] == ["Harbour reopens."]
    pdf = tmp_path / "doc.html"
    pdf.write_bytes(b"%PDF-1.4\n\x00\x01")
    with pytest.raises(InputError, match=r"doc.html: is a PDF document, not a page of text"):
        list(iter_pages([pdf]))


def test_a_saved_http_response_is_read_as_the_page_after_its_headers(tmp_path, small_model_path):
    # curl -i, wget --save-headers: a status line and headers before the page
    page = b"<!DOCTYPE html><html><body><h1>Seawall vote</h1><p>The town voted to rebuild it.</p></body></html>"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nSet-Cookie: a=b; Path=/\r\n\r\n"
    responses = {
        "page.txt": head + page,
        "page.html": b"HTTP/1.1 100 Continue\r\n\r\n" + head + page,
        "proxied.txt": b"HTTP/1.1 200 Connection established\r\n\r\n" + head + page,  # curl -i -x proxy
        "packed.txt.gz": gzip.compress(head + page),  # curl -i | gzip
        "encoded.txt": head.replace(b"\r\n\r\n", b"\r\nContent-Encoding: gzip\r\n\r\n") + gzip.compress(page),
    }
    for name, response in responses.items():
        (tmp_path / name).write_bytes(response)
        (read,) = iter_pages([tmp_path / name])
        assert [b.text for b in read] == ["Seawall vote", "The town voted to rebuild it."], name
    result = runner.invoke(app, ["tag", "-", "-f", "csv", "-m", str(small_model_path)], input=head + page)
    assert [line.split(",")[2] for line in result.output.splitlines()[1:]] == ["Seawall vote",
                                                                               "The town voted to rebuild it."]
    latin = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=ISO-8859-1\r\n\r\n<p>Caf\xe9 in Z\xfcrich</p>"
    for name in ("latin.html", "latin.txt"):  # no meta charset: the header's says how to read it
        (tmp_path / name).write_bytes(latin)
        (read,) = iter_pages([tmp_path / name])
        assert [b.text for b in read] == ["Café in Zürich"]
    # a server's default Latin-1 label on a page written in UTF-8: read as UTF-8, as a <meta> so labelled is
    (tmp_path / "default.html").write_bytes(latin.replace(b"\xe9", "é".encode()).replace(b"\xfc", "ü".encode()))
    assert [b.text for b in next(iter_pages([tmp_path / "default.html"]))] == ["Café in Zürich"]
    wrong = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCaf\xe9 in Z\xfcrich"
    for charset, response in ((b"utf-8", wrong), (b"base64", wrong.replace(b"utf-8", b"base64"))):
        (tmp_path / "wrong.txt").write_bytes(response)  # a header that is wrong, or names no text codec: --encoding reads it
        (read,) = iter_pages([tmp_path / "wrong.txt"], encoding="cp1252")
        assert [b.text for b in read] == ["Café in Zürich"], charset
    redirected = (b"HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n"
                  b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<meta charset='utf-8'><p>" + "Café".encode() + b"</p>")
    (tmp_path / "followed.html").write_bytes(redirected)  # curl -iL: the redirect's charset is not the page's
    (read,) = iter_pages([tmp_path / "followed.html"])
    assert [b.text for b in read] == ["Café"]
    (tmp_path / "u16.txt").write_bytes(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-16le\r\n\r\nFerry fares")
    (read,) = iter_pages([tmp_path / "u16.txt"])  # no NUL byte: no UTF-16, whatever the header says
    assert [b.text for b in read] == ["Ferry fares"]
    for name, label, order in (("u16b.txt", "utf-16le", "utf-16-le"), ("u16b.html", "utf-16le", "utf-16-le"),
                               ("u16be.txt", "utf-16", "utf-16-be")):  # NUL every other byte, no byte-order mark
        (tmp_path / name).write_bytes(f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset={label}\r\n\r\n".encode()
                                      + "<p>Café fares</p>".encode(order))
        (read,) = iter_pages([tmp_path / name])
        assert [b.text for b in read] == ["Café fares"], name
    (tmp_path / "stray.txt").write_bytes(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n"
                                         + "Café owners said prices rose.\n\nBy Ann Lee\x00".encode())
    (read,) = iter_pages([tmp_path / "stray.txt"])  # one stray NUL is no UTF-16
    assert read[0].text == "Café owners said prices rose."
    (tmp_path / "missing.html").write_bytes(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>Gone</p>")
    with pytest.raises(InputError, match=r"missing\.html: is a saved HTTP 404 response, not a page$"):
        list(iter_pages([tmp_path / "missing.html"]))
    for note in ("HTTP/1.1 200 OK is what a server answers.\n\nThe rest of the note.",  # lines that only start like one
                 "HTTP/1.1 100 Continue comes first.\n\nThe rest of the note.",
                 "HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK comes next, once.\n\nThe rest of the note."):
        (tmp_path / "notes.txt").write_text(note, encoding="utf-8")
        (read,) = iter_pages([tmp_path / "notes.txt"])
        assert [b.text for b in read] == note.split("\n\n")


def test_an_image_saved_as_html_is_refused_not_tagged(tmp_path):
    image = tmp_path / "0042.html"  # a crawler that saves every response as ID.html
    image.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match=r"^.*0042\.html: is a binary file, not an HTML page$"):
        list(iter_pages([image]))
    stray = tmp_path / "stray.html"  # one NUL byte in a page of markup: still a page
    stray.write_bytes(b"<html><body><p>Seawall\x00 vote</p></body></html>")
    assert len(list(iter_pages([stray]))) == 1
    utf16 = tmp_path / "utf16.html"  # NUL bytes, but text: its byte-order mark says so
    utf16.write_bytes("<p>Seawall vote</p>".encode("utf-16"))
    (read,) = iter_pages([utf16])
    assert [b.text for b in read] == ["Seawall vote"]


def test_gzipped_text_on_stdin_is_unpacked(small_model_path):
    result = runner.invoke(app, ["tag", "-", "--format", "csv", "--model", str(small_model_path)],
                           input=gzip.compress("Harbour reopens.\n\nBy Ana Ruiz".encode("utf-8")))
    assert result.exit_code == 0, result.output
    assert [line.split(",")[:3] for line in result.output.splitlines()[1:]] == [
        ["stdin", "0", "Harbour reopens."], ["stdin", "1", "By Ana Ruiz"]]


def test_a_warc_record_with_no_text_is_skipped_with_a_warning(tmp_path):
    path = _warc(tmp_path / "crawl.warc", [
        ("https://a.example/app", "text/html", b"<div id=root></div><script>render()</script>"),
        ("https://a.example/ok", "text/html", b"<p>Fine</p>"),
    ])
    with pytest.warns(UserWarning, match=r"crawl.warc: record 0 \(https://a.example/app\): holds no text to tag once its "
                                         r"markup is dropped \(a page built by JavaScript\?\) \(skipped\)"):
        pages = list(iter_pages([path]))
    assert [[(b.page, b.url, b.text) for b in page] for page in pages] == [[("crawl:1", "https://a.example/ok", "Fine")]]


def test_an_oversized_warc_record_is_skipped_with_a_warning(tmp_path, monkeypatch):
    from classifier.readers import warc

    monkeypatch.setattr(warc, "MAX_RECORD_BYTES", 2 * 1024 * 1024)
    path = _warc(tmp_path / "crawl.warc", [
        ("https://a.example/huge", "text/html", b"<p>" + b"x " * (1024 * 1024 + 1) + b"</p>"),
        ("https://a.example/ok", "text/html", b"<p>Fine</p>"),
    ])
    with pytest.warns(UserWarning, match=r"crawl.warc: record 0 \(https://a.example/huge\): is larger than 2 MB, not a web page \(skipped\)"):
        pages = list(iter_pages([path]))
    assert [[b.text for b in page] for page in pages] == [["Fine"]]


MHTML = (
    "From: <Saved by Blink>\r\n"
    "Snapshot-Content-Location: https://harbour.example/news/bridge\r\n"
    "Subject: Bridge reopens\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/related;\r\n"
    "\ttype=\"text/html\";\r\n"
    "\tboundary=\"----MultipartBoundary--abc----\"\r\n"
    "\r\n"
    "------MultipartBoundary--abc----\r\n"
    "Content-Type: text/html\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "Content-Location: https://harbour.example/news/bridge\r\n"
    "\r\n"
    "<!DOCTYPE html><html><head><meta http-equiv=3D\"Content-Type\" content=3D\"text/html; charset=3DUTF-8\"></head>"
    "<body><h1>Bridge reopens</h1><p>The bridge carried its first cars, caf=C3=A9s =\r\n"
    "reopened.</p><p><a href=3D\"/news\">More news</a></p></body></html>\r\n"
    "------MultipartBoundary--abc----\r\n"
    "Content-Type: image/png\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Location: https://harbour.example/logo.png\r\n"
    "\r\n"
    "iVBORw0KGgo=\r\n"
    "------MultipartBoundary--abc------\r\n"
)


@pytest.mark.parametrize("name", ["page.mhtml", "page.mht", "saved.txt"])
def test_a_page_saved_as_mhtml_is_read_as_its_html(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(MHTML.encode("ascii"))
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Bridge reopens", "The bridge carried its first cars, cafés reopened.",
                                      "[More news](https://harbour.example/news)"]
    assert {b.url for b in page} == {"https://harbour.example/news/bridge"}  # the address it was saved from


def _mhtml(parts, start=None) -> bytes:
    """An MHTML archive of (content type, content id, location, body) parts, 8-bit."""
    head = 'MIME-Version: 1.0\r\nContent-Type: multipart/related; type="text/html"; boundary="b"'
    head += f'; start="{start}"\r\n\r\n' if start else "\r\n\r\n"
    body = "".join(f"--b\r\nContent-Type: {kind}\r\nContent-ID: {cid}\r\nContent-Location: {where}\r\n\r\n{text}\r\n"
                   for kind, cid, where, text in parts)
    return (head + body + "--b--\r\n").encode("utf-8")


def test_an_mhtml_archive_is_read_as_its_start_part_of_html_or_xhtml_with_its_address_in_any_letters(tmp_path):
    ad = ("text/html", "<ad>", "https://ads.example/frame", "<p>An advert in a frame.</p>")
    main = ("text/html", "<main>", "https://news.example/wiki/Zürich", "<p>The lake of Zürich froze.</p>")
    for name, data in (("start.mhtml", _mhtml([ad, main], start="<main>")),
                       ("xhtml.mhtml", _mhtml([(("application/xhtml+xml",) + main[1:])])),
                       ("first.mhtml", _mhtml([main, ad]))):
        (tmp_path / name).write_bytes(data)
        (page,) = iter_pages([tmp_path / name])
        assert [(b.text, b.url) for b in page] == [("The lake of Zürich froze.", "https://news.example/wiki/Zürich")]

def test_an_mhtml_archive_without_a_page_is_an_error_naming_it(tmp_path):
    path = tmp_path / "images.mhtml"
    path.write_bytes(MHTML.replace("Content-Type: text/html\r\n", "Content-Type: text/css\r\n").encode("ascii"))
    with pytest.raises(InputError, match=r"images.mhtml: is an MHTML archive with no HTML page in it"):
        list(iter_pages([path]))


@pytest.mark.parametrize("cut", [400, 700, len(MHTML) - 40])  # in the page's headers, in its HTML, in the image
def test_an_mhtml_archive_cut_short_is_an_error_not_a_page_of_its_headers(tmp_path, cut):
    path = tmp_path / "cut.mhtml"
    path.write_bytes(MHTML.encode("ascii")[:cut])
    with pytest.raises(InputError) as caught:
        list(iter_pages([path]))
    assert str(caught.value) == (f"{path}: is an MHTML archive cut short (its parts never end: an interrupted save or "
                                 "download?); save the page again")


def _webarchive(html: bytes, mime: str = "text/html", encoding: str = "UTF-8") -> bytes:
    """A page as Safari saves it: a binary property list holding the page and its images."""
    import plistlib

    return plistlib.dumps({
        "WebMainResource": {"WebResourceData": html, "WebResourceMIMEType": mime, "WebResourceTextEncodingName": encoding,
                            "WebResourceURL": "https://harbour.example/news/bridge", "WebResourceFrameName": ""},
        "WebSubresources": [{"WebResourceData": b"\x89PNG\r\n", "WebResourceMIMEType": "image/png",
                             "WebResourceURL": "https://harbour.example/logo.png"}],
    }, fmt=plistlib.FMT_BINARY)


SAVED_PAGE = "<html><body><h1>Bridge reopens</h1><p>Cafés reopened.</p><p><a href='/news'>More news</a></p></body></html>"


def test_a_page_safari_saved_is_read_as_its_html_in_the_encoding_it_names(tmp_path):
    path = tmp_path / "bridge.webarchive"
    path.write_bytes(_webarchive(SAVED_PAGE.encode("windows-1252"), encoding="windows-1252"))
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Bridge reopens", "Cafés reopened.", "[More news](https://harbour.example/news)"]
    assert {(b.page, b.url) for b in page} == {("bridge", "https://harbour.example/news/bridge")}


@pytest.mark.parametrize("name", ["bridge.webarchive.gz", "bridge.txt", "bridge"])
def test_a_web_archive_gzipped_or_named_otherwise_is_read_too(tmp_path, name):
    data = _webarchive(SAVED_PAGE.encode("utf-8"))
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    (page,) = iter_pages([path])
    assert page[0].text == "Bridge reopens" and page[0].url == "https://harbour.example/news/bridge"


def test_a_web_archive_given_as_bytes_or_on_stdin_is_read(monkeypatch):
    import classifier

    data = _webarchive(SAVED_PAGE.encode("utf-8"))
    assert [t.block.text for t in classifier.tag_text(data)][:2] == ["Bridge reopens", "Cafés reopened."]
    result = runner.invoke(app, ["convert", "-"], input=data)
    assert result.exit_code == 0
    assert result.stdout.startswith("Bridge reopens\n\nCafés reopened.\n\n[More news](https://harbour.example/news)")


def test_a_web_archive_of_text_or_with_a_damaged_encoding_name_is_read_as_its_page(tmp_path):
    text = tmp_path / "notes.webarchive"
    text.write_bytes(_webarchive("Rain fell.\n\nThe ferry sailed.".encode(), mime="text/plain"))
    damaged = tmp_path / "damaged.webarchive"
    damaged.write_bytes(_webarchive(SAVED_PAGE.encode("utf-8"), encoding=5))  # Safari writes a name; a broken file may not
    assert [[b.text for b in page] for page in iter_pages([text, damaged])] == [
        ["Rain fell.", "The ferry sailed."],
        ["Bridge reopens", "Cafés reopened.", "[More news](https://harbour.example/news)"]]


def test_a_damaged_or_non_page_web_archive_is_an_error_naming_it(tmp_path):
    cut = tmp_path / "cut.webarchive"
    cut.write_bytes(_webarchive(SAVED_PAGE.encode())[:60])
    with pytest.raises(InputError, match=r"^.*cut.webarchive: is not a readable Safari web archive \(\w+\); save the page "
                                         r"again, or as HTML$"):
        list(iter_pages([cut]))
    image = tmp_path / "logo.webarchive"
    image.write_bytes(_webarchive(b"\x89PNG", mime="image/png"))
    with pytest.raises(InputError, match=r"logo.webarchive: is a Safari web archive of image/png, not of a page$"):
        list(iter_pages([image]))


def test_a_folders_documents_that_are_no_pages_are_named_not_dropped_silently(tmp_path):
    (tmp_path / "a.txt").write_text("Rain fell.", encoding="utf-8")
    (tmp_path / "a.xml").write_text('<doc fingerprint="1"><main><p>Rain fell.</p></main></doc>', encoding="utf-8")
    (tmp_path / "scan.PDF").write_bytes(b"%PDF-1.7")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "notes.epub").write_bytes(b"PK\x03\x04")
    (tmp_path / "sitemap.xml").write_text('<?xml version="1.0"?><urlset></urlset>', encoding="utf-8")  # a mirror's
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")  # a mirror's images go unmentioned, as its sitemap does
    (tmp_path / "old.xml").mkdir()  # a folder, not a document
    with pytest.warns(UserWarning) as caught:
        pages = [[b.text for b in page] for page in iter_pages([tmp_path])]
    assert pages == [["Rain fell."]]
    assert [str(w.message) for w in caught] == [
        f"{tmp_path}: not read, being no pages: 1 file of trafilatura's XML (give trafilatura's text, --markdown or "
        f"--json output instead); 1 PDF file (convert it to text first, e.g. with pdftotext); 2 office or e-book "
        f"files (convert them to text or HTML first)"]
    (tmp_path / "a.txt").unlink()
    (tmp_path / "old.xml").rmdir()
    result = runner.invoke(app, ["tag", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.endswith("directory holds no pages (.txt, .md, .html, .htm, .warc, .wet, .arc (each also .gz), "
                                  ".markdown, .xhtml, .mhtml, .mht, .webarchive, and a mirror's .php, .asp, .aspx, .jsp, .shtml and .cfm files that hold HTML); it holds 1 file of trafilatura's XML "
                                  "(give trafilatura's text, --markdown or --json output instead); 1 PDF file "
                                  "(convert it to text first, e.g. with pdftotext); 2 office or e-book files "
                                  "(convert them to text or HTML first)\n")


def test_a_folder_of_sub_folders_is_told_to_name_them_though_it_holds_a_document(tmp_path):
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "a.txt").write_text("Rain fell.", encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7")
    result = runner.invoke(app, ["tag", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.endswith(f"; its sub-folders are not searched: give them, e.g. {tmp_path / '*'}\n")


def test_a_document_named_as_an_argument_is_not_said_again_for_its_folder(tmp_path):
    (tmp_path / "a.txt").write_text("Rain fell.", encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7")
    result = runner.invoke(app, ["tag", str(tmp_path), str(tmp_path / "scan.pdf")])
    assert result.exit_code == 1
    assert result.output.count("scan.pdf") == 1 and "not read, being no pages" not in result.output


FRONT_MATTER_PAGE = """---
title: "Bridge reopens"
author: Ana Ruiz
url: https://harbour.example/news/bridge
tags:
  - news
date: 2026-01-02
---

# Bridge reopens

The bridge carried its first cars on Tuesday.
"""

JINA_PAGE = """Title: Bridge reopens

URL Source: https://harbour.example/news/bridge

Published Time: 2026-01-02T10:00:00Z

Markdown Content:
Bridge reopens
==============

The bridge carried its first cars on Tuesday.
"""


# front matter as exporters write it: a comment, quoted keys, old Mac line ends, Hugo's TOML
COMMENTED_FRONT_MATTER = FRONT_MATTER_PAGE.replace("author:", "# exported by sitegrab 2.1\n  # (indented)\nauthor:", 1).replace(
    "date:", '"og:date":')
CR_FRONT_MATTER = FRONT_MATTER_PAGE.replace("\n", "\r")
TOML_FRONT_MATTER = ('+++\ntitle    = "Bridge reopens"\nurl      = "https://harbour.example/news/bridge"\n[params]\n'
                     'tags = [\n  "roads",\n  "harbour",\n]\n+++\n\n# Bridge reopens\n\nThe bridge carried its first cars on Tuesday.\n')


@pytest.mark.parametrize("text", [FRONT_MATTER_PAGE, JINA_PAGE, COMMENTED_FRONT_MATTER, CR_FRONT_MATTER, TOML_FRONT_MATTER],
                         ids=["front matter", "Jina Reader", "commented, quoted", "CR line ends", "TOML"])
def test_a_scrapers_envelope_is_not_a_block_and_its_url_is_kept(tmp_path, text):
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8", newline="")
    (page,) = iter_pages([path])
    assert [(b.url, b.text) for b in page] == [
        ("https://harbour.example/news/bridge", b) for b in
        (["Bridge reopens\n=============="] if text is JINA_PAGE else ["# Bridge reopens"])
        + ["The bridge carried its first cars on Tuesday."]]


def test_jina_readers_image_and_link_summaries_are_no_blocks(tmp_path):
    # X-With-Images-Summary / X-With-Links-Summary: the page's images and links listed again
    trailer = ("\n\nImages:\n- ![Image 1: The bridge at dawn](https://img.example/b.jpg)\n\n"
               "Links/Buttons:\n- [News](https://harbour.example/news)\n- [Sign in](https://harbour.example/login)\n")
    path = tmp_path / "page.md"
    path.write_text(JINA_PAGE + trailer, encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Bridge reopens\n==============", "The bridge carried its first cars on Tuesday."]
    path.write_text(JINA_PAGE + "\nImages:\n- ![x](a.jpg)\n\nThe end, after a list named Images.\n", encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page][-1] == "The end, after a list named Images."  # the page's own: kept
    path.write_text("Text\n\nImages:\n- ![x](a.jpg)\n", encoding="utf-8")  # no Jina header: the page's own
    (page,) = iter_pages([path])
    assert [b.text for b in page] == ["Text", "Images:\n- ![x](a.jpg)"]


def test_tag_text_reads_a_string_as_a_file_of_it_is_read(small_model, tmp_path):
    # requests.get(url).text is HTML; a scraper's string may carry its envelope
    from classifier import tag_text

    html = ("<!doctype html><html><head><title>T</title><script>var x = 1;</script></head><body>"
            "<nav><a href='/'>Home</a></nav><article><p>The bridge carried its first cars on Tuesday.</p>"
            "</article></body></html>")
    for text, name in ((html, "page.html"), (FRONT_MATTER_PAGE, "page.md")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        tagged = tag_text(path.read_text(encoding="utf-8"), model=small_model, page="page")
        (page,) = iter_pages([path])
        assert [t.block for t in tagged] == page
    assert not any("<" in t.block.text or "var x" in t.block.text for t in tag_text(html, model=small_model))
    latin = '<html><head><meta charset="iso-8859-1"></head><body><p>Café in Zürich</p></body></html>'
    assert [t.block.text for t in tag_text(latin, model=small_model)] == ["Café in Zürich"]  # a str is decoded already
    assert [t.block.text for t in tag_text("a\x00b", model=small_model)] == ["a\x00b"]  # and is no binary file
    response = "HTTP/1.1 200 OK\nContent-Type: text/html\n\n" + html
    assert [t.block for t in tag_text(response, model=small_model)] == [t.block for t in tag_text(html, model=small_model)]
    assert [t.block.text for t in tag_text('\ufeff{"text": "Seawall vote\\n\\nBy Ana"}', model=small_model)] == [
        "Seawall vote", "By Ana"]
    with pytest.raises(TypeError):
        tag_text(html, "page")  # model and page are keyword-only: a page name is never read as a model path
    with pytest.raises(InputError, match=r"^<text>: holds a lone surrogate \(character 1\)"):
        tag_text("a\ud83d", model=small_model)
    # the bytes of a fetched page (response.content) are read as a file's: here, its meta charset
    assert [t.block.text for t in tag_text(latin.encode("iso-8859-1"), model=small_model)] == ["Café in Zürich"]
    latin_text = "Café opens\n\nBy Ana".encode("latin-1")
    with pytest.raises(InputError, match=r"^<text>: is not valid utf-8 text \(byte 3\); name its encoding, "
                                         r"e.g. encoding='cp1252'$"):
        tag_text(latin_text, model=small_model)
    assert [t.block.text for t in tag_text(latin_text, model=small_model, encoding="latin-1")] == ["Café opens", "By Ana"]
    with pytest.raises(InputError, match=r"^<text>: is NoneType, not a page: give its text as a str, or its bytes "
                                         r"\(an extractor that finds no article returns None: skip the page\)$"):
        tag_text(None, model=small_model)
    with pytest.raises(InputError, match=r"^<text>: is int, not a page"):
        tag_text(3, model=small_model)
    with pytest.raises(InputError, match=r"^<text>: is a binary file"):
        tag_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", model=small_model)


@pytest.mark.parametrize("text", [
    "---\n\nA paragraph between two rules.\n\n---\n\nMore text.",  # rules, not front matter
    "Title: A press release\n\nThe company said today.",  # no "Markdown Content:" line
    "---\n\n---\n\nText.",  # no key: nothing to take off
    "---\n\nUpdated: May 14, 2024\n\nBy: Dana Whitfield\n\n---\n\nA maker recalled jam.",  # a byline between rules
    "---\n# Related\n- [Ferry fares](#)\n---\n\nText.",  # a heading and a list between rules: no key
    "---\n# Harbour council approves the plan\nBy: Marta Vell\nUpdated: May 4\n---\n\nText.",  # a headline first
    "+++\n\nA paragraph between two marks.\n\n+++\n\nMore text.",
])
def test_text_that_only_looks_like_an_envelope_keeps_every_block(tmp_path, text):
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    (page,) = iter_pages([path], split="blank")
    assert [b.text for b in page] == text.split("\n\n") and all(b.url is None for b in page)


CITED_PAGE = """Harbour Post⟨1⟩

  * News⟨2⟩
  * Sport⟨3⟩

By Ana Ruiz⟨4⟩, June 3

The ferry sailed again on Monday, the [harbour board](#) said, and ![The ferry at dawn⟨5⟩]

**Read more:** Fares rise in June⟨6⟩
"""
CITED_REFERENCES = """
## References

⟨1⟩ https://post.example/: Harbour Post
⟨2⟩ https://post.example/news/: News
⟨3⟩ https://post.example/sport/: Sport
⟨4⟩ https://post.example/staff/ana: By Ana Ruiz
⟨5⟩ https://img.example/ferry.jpg: The ferry at dawn
⟨6⟩ https://post.example/fares: Fares - Fares rise in June
"""


def test_crawl4ai_citations_are_read_as_links_and_their_references_are_no_blocks(tmp_path):
    # crawl4ai's markdown_with_citations: "text⟨n⟩", and references_markdown lists the targets
    path = tmp_path / "cited.md"
    path.write_text(CITED_PAGE + CITED_REFERENCES, encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == [
        "[Harbour Post](https://post.example/)",
        "  * [News](https://post.example/news/)\n  * [Sport](https://post.example/sport/)",
        "[By Ana Ruiz](https://post.example/staff/ana), June 3",
        "The ferry sailed again on Monday, the [harbour board](#) said, and ![The ferry at dawn](https://img.example/ferry.jpg)",
        "**Read more:** [Fares rise in June](https://post.example/fares)"]
    # without its references (markdown_with_citations alone): links with no target known; a
    # number that ends a short line links the line, and one inside a sentence the word before it
    path.write_text(CITED_PAGE, encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page][2:] == [
        "By Ana [Ruiz](#), June 3",
        "The ferry sailed again on Monday, the [harbour board](#) said, and ![The ferry at dawn](#)",
        "[**Read more:** Fares rise in June](#)"]
    assert [b.text for b in page][0] == "[Harbour Post](#)"
    own = "Sources ⟨a⟩ and ⟩ marks.\n\n## References\n\nSmith, J. (2020). A study."  # a page's own section
    path.write_text(own, encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == own.split("\n\n")


def test_reference_links_are_resolved_across_the_page_and_their_definitions_are_no_blocks(tmp_path):
    path = tmp_path / "page.md"
    path.write_text("# Jam recall\n\nBy [Dana Whitfield][1], May 14\n\nSee [our coverage][cov] and [the FDA][].\n\n"
                    "   [1]: /author/dana\n   [cov]: https://a.example/jam \"Jam\"\n   [the fda]: https://fda.example/\n",
                    encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == [
        "# Jam recall", "By [Dana Whitfield](/author/dana), May 14",
        "See [our coverage](https://a.example/jam) and [the FDA](https://fda.example/)."]


def test_a_reference_definition_html2text_wrapped_at_its_urls_hyphens_is_read_whole(tmp_path):
    # html2text --reference-links wraps a long URL after a hyphen, in its definition too
    path = tmp_path / "page.md"
    path.write_text("Read [the report][1] now.\n\nA closing-\n\nline\n\n"
                    "   [1]: https://a.example/2026/a-long-slug-about-the-\ncouncil-and-its-budget-\nvote?utm_source=x\n\n"
                    "   [2]: /b-\n\nEnd\n", encoding="utf-8")
    (page,) = iter_pages([path])
    assert [b.text for b in page] == [
        "Read [the report](https://a.example/2026/a-long-slug-about-the-council-and-its-budget-vote?utm_source=x) now.",
        "A closing-", "line", "End"]


@pytest.mark.parametrize("markup, text", [
    ("reStructuredText", "Flood crest nears\n=================\n\n.. container:: byline\n\n   By `Ana Ruiz </staff/ana>`__\n\n"
                         ".. figure:: /img/levee.jpg\n   :alt: Sandbags\n\nThe river rose on Tuesday."),
    ("AsciiDoc", "link:/news/local[LOCAL NEWS]\n\n== Flood crest nears\n\nBy link:/staff/ana[Ana Ruiz]\n\n"
                 "image::/img/levee.jpg[Sandbags]\n\nThe river rose on Tuesday."),
])
def test_a_page_in_restructuredtext_or_asciidoc_is_said_and_still_tagged(tmp_path, markup, text):
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.warns(UserWarning, match=rf"^{path}: looks like {markup}, which blocktag does not read: its links and "
                                         r"directives are read as words; convert it to markdown \(e\.g\. pandoc -t "
                                         r"gfm\) or give the page's HTML$"):
        (page,) = iter_pages([path])
    assert page[-1].text == "The river rose on Tuesday."
    # markdown that shows a mark or two of them is markdown
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path.write_text("See `rst <https://docutils.example/>`__ and [a](https://a.example/x)[1].\n\nThe end.",
                        encoding="utf-8")
        list(iter_pages([path]))


def test_a_mirrors_server_pages_are_read_when_they_hold_html_and_scripts_are_not(tmp_path):
    (tmp_path / "story.php?id=12").write_text("<html><body><p>Harbour reopens.</p></body></html>", encoding="utf-8")
    (tmp_path / "index.aspx").write_text("<p>Front page.</p>", encoding="utf-8")
    (tmp_path / "lib.php").write_text('<?php echo "hi"; ?>', encoding="utf-8")
    assert _texts(iter_pages([tmp_path])) == [[("index", "Front page.")], [("story", "Harbour reopens.")]]


def test_a_folder_of_folders_says_its_sub_folders_are_not_searched(tmp_path):
    (tmp_path / "site-a").mkdir()
    (tmp_path / "site-a" / "p.txt").write_text("Page", encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(iter_pages([tmp_path]))
    assert str(info.value).endswith(f"; its sub-folders are not searched: give them, e.g. {tmp_path / '*'}")


def test_stdin_given_twice_is_an_error_not_an_empty_second_page(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"A page")))
    errors = []
    pages = list(iter_pages(["-", "-"], on_error=errors.append))
    assert [[b.text for b in page] for page in pages] == [["A page"]]
    assert [str(e) for e in errors] == ["-: standard input is given twice; it can be read once"]


def test_a_folder_says_which_files_of_records_it_leaves_unread(tmp_path):
    (tmp_path / "a.txt").write_text("Seawall vote\n\nBy Ana Ruiz", encoding="utf-8")
    (tmp_path / "crawl.jsonl").write_text('{"text": "Another page"}\n', encoding="utf-8")
    (tmp_path / "items.json.gz").write_bytes(gzip.compress(b"[]"))
    with pytest.warns(UserWarning) as caught:
        pages = list(iter_pages([tmp_path]))
    assert [[b.text for b in page] for page in pages] == [["Seawall vote", "By Ana Ruiz"]]
    assert [str(w.message) for w in caught] == [
        f"{tmp_path}: its files of records (.json.gz, .jsonl) are not read from a folder; name them to read them "
        f"too, e.g. {tmp_path / '*.json.gz'}"]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # named as well: nothing left unread, nothing to say
        list(iter_pages([tmp_path, tmp_path / "crawl.jsonl", tmp_path / "items.json.gz"], on_error=lambda error: None))


def test_a_link_or_address_urllib_cannot_read_is_kept_as_written_not_a_crash():
    page = ('<p>Write to <a href="//[domain]/contact">us</a>, <a href="Https://[site]/">home</a> or '
            '<a href="/ok">here</a>.</p>')
    # (Python 3.11 and later refuse "[domain]" as a host; 3.10 joins it: either way, no crash)
    assert html_to_text(page, url="https://a.example/x") in (
        "Write to [us](//[domain]/contact), [home](Https://[site]/) or [here](https://a.example/ok).",
        "Write to [us](https://[domain]/contact), [home](https://[site]/) or [here](https://a.example/ok).")
    assert html_to_text('<p><a href="/x">Home</a></p>', url="https://[bad/") == "[Home](/x)"  # no address to resolve against
    # a base that is no address is passed over, as browsers pass it over
    assert html_to_text('<base href="HTTP://[x]/"><p><a href="/y">Home</a></p>', url="https://a.example/x") in (
        "[Home](https://a.example/y)", "[Home](http://[x]/y)")


def test_a_warc_record_warcio_cannot_parse_is_one_error_naming_the_file_and_the_others_are_tagged(tmp_path):
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>Story.</p>"
    record = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:12345678-1234-1234-1234-123456789abc>\r\n"
              b"WARC-Date: 2024-03-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body)) + body + b"\r\n\r\n"  # no WARC-Target-URI
    (tmp_path / "nouri.warc.gz").write_bytes(gzip.compress(record))
    (tmp_path / "ok.html").write_text("<p>A page of text.</p>", encoding="utf-8")
    result = runner.invoke(app, ["tag", "-f", "jsonl", str(tmp_path / "ok.html"), str(tmp_path / "nouri.warc.gz")])
    assert result.exit_code == 1
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == ["A page of text."]
    assert result.stderr.splitlines() == [
        f"Warning: {tmp_path / 'nouri.warc.gz'}: is not a readable WARC file (record 0 is malformed: a header missing "
        "or garbled, e.g. no WARC-Target-URI) (skipped)",
        "Error: 1 input file(s) could not be tagged"]


def test_a_warc_response_labelled_latin_1_that_is_utf_8_is_read_as_utf_8(tmp_path):
    path = _warc(tmp_path / "crawl.warc.gz", [
        ("https://a.example/utf8", "text/html; charset=ISO-8859-1", "<p>Café crème — déjà vu</p>".encode("utf-8")),
        ("https://a.example/latin", "text/html; charset=ISO-8859-1", "<p>Café crème — déjà vu</p>".encode("cp1252"))])
    assert [[b.text for b in page] for page in iter_pages([path])] == [["Café crème — déjà vu"]] * 2


def test_json_a_server_or_a_crawl_record_calls_html_is_skipped_with_that_reason(tmp_path):
    answer = json.dumps({"props": {"pageProps": {"html": "<p>Budget vote delayed</p>"}}})
    path = _warc(tmp_path / "crawl.warc.gz", [("https://a.example/api", "text/html", answer.encode("utf-8")),
                                              ("https://a.example/story", "text/html", b"<p>Budget vote delayed.</p>")])
    with pytest.warns(UserWarning) as said:
        pages = list(iter_pages([path]))
    assert [[b.text for b in page] for page in pages] == [["Budget vote delayed."]]
    assert [str(w.message) for w in said] == [f"{path}: record 0 (https://a.example/api): is JSON, not an HTML page (skipped)"]
    records = tmp_path / "crawl.jsonl"
    records.write_text(json.dumps({"url": "https://a.example/api", "html": answer}) + "\n"
                       + json.dumps({"url": "https://a.example/story", "html": "<p>Budget vote delayed.</p>"}) + "\n",
                       encoding="utf-8")
    with pytest.warns(UserWarning) as said:
        pages = list(iter_pages([records]))
    assert [[b.text for b in page] for page in pages] == [["Budget vote delayed."]]
    assert [str(w.message) for w in said] == [f"{records}:1: is JSON, not an HTML page (skipped)"]


def test_csv_of_blocks_or_pages_on_stdin_or_named_as_text_is_refused_with_the_fix_not_tagged_as_a_page(tmp_path, small_model_path):
    blocks = "page,index,text,label\r\np,0,Hello there,body\r\n"
    result = runner.invoke(app, ["tag", "-", "-m", str(small_model_path)], input=blocks)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("Error: <stdin>: is CSV of blocks or pages (its first line is the header "
                             "page,index,text,label), not a page; save it to a .csv file and give that\n")
    (tmp_path / "pages.txt").write_text("\ufeffURL,Text\nhttps://a.example/x,Hello\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(iter_pages([tmp_path / "pages.txt"]))
    assert str(caught.value) == (f"{tmp_path / 'pages.txt'}: is CSV of blocks or pages (its first line is the header "
                                 "URL,Text), not a page; name it .csv to read the records it holds")
    # a page whose first line merely has commas is a page
    (tmp_path / "page.txt").write_text("Apples,pears and plums\n\nare fruit, the text says.\n", encoding="utf-8")
    assert [b.text for b in next(iter_pages([tmp_path / "page.txt"]))] == ["Apples,pears and plums", "are fruit, the text says."]


def test_tag_soup_nested_past_libxml2s_limit_reads_as_browsers_show_it():
    soup = "<html><body>" + "<font size=2><b>" * 3000 + "<p>A post in the soup.</p><p>And a <a href='/x'>link</a>.</p></body></html>"
    assert html_to_text(soup, url="https://a.example/") == "A post in the soup.\n\nAnd a [link](https://a.example/x)."
    blocks_deep = "<html><body>" + "<div>" * 3000 + "<p>Deep.</p></body></html>"  # no formatting to drop: refused
    with pytest.raises(InputError, match=r"^deep\.html: is not a readable HTML page \(elements nested over libxml2's limit\)$"):
        html_page(blocks_deep, source="deep.html")


def test_a_page_after_a_server_side_warning_is_read_as_html_and_markdown_opening_with_html_stays_text(tmp_path):
    php = ("<br />\n<b>Warning</b>:  Undefined variable $x in <b>/var/www/x.php</b> on line <b>3</b><br />\n"
           "<!DOCTYPE html><html><body><p>The story of the day.</p><script>var x = 1;</script></body></html>\n")
    (tmp_path / "page.txt").write_text(php, encoding="utf-8")
    assert [b.text for b in next(iter_pages([tmp_path / "page.txt"]))] == [
        "Warning: Undefined variable $x in /var/www/x.php on line 3", "The story of the day."]
    readme = '<p align="center">\n<img src="logo.png">\n</p>\n\n# Title\n\nText that shows <html> in a sentence.\n'
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    assert [b.text for b in next(iter_pages([tmp_path / "README.md"]))][-1] == "Text that shows <html> in a sentence."


def test_a_page_after_a_hosts_injected_scripts_is_read_as_html(tmp_path):
    # A free host writes kilobytes of ad code before the page's own <html>; its lines of code
    # follow blank lines as a paragraph of text would. Given as a string, piped, or in a file
    # named .txt, the page is still HTML: its code is no text, and its story is tagged.
    code = "".join(f"<script type=\"text/javascript\">\n\n\tvar slot{n} = '<div id=\"ad{n}\"></div>';\n\n"
                   f"\tdocument.write(slot{n});\n</script>\n" for n in range(120))  # about 11 KB
    page = code + "<html><head><title>A day out</title></head><body><p>The ferry left at nine.</p></body></html>\n"
    assert len(code) > 4096
    (tmp_path / "page.txt").write_text(page, encoding="utf-8")
    assert [b.text for b in next(iter_pages([tmp_path / "page.txt"]))] == ["The ferry left at nine."]
    assert [b.text for b in next(string_pages(page.encode("utf-8")))] == ["The ferry left at nine."]
    # markup whose preamble holds a paragraph of text outside its scripts stays text
    text = "<script>var a = 1;</script>\n\nA paragraph of the page's text.\n\n<html> is what the tutorial writes next.\n"
    (tmp_path / "tutorial.txt").write_text(text, encoding="utf-8")
    assert "A paragraph of the page's text." in [b.text for b in next(iter_pages([tmp_path / "tutorial.txt"]))]


def test_records_whose_length_is_a_few_bytes_off_are_read_and_said_once_not_in_warcios_own_words(tmp_path, capfd):
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>The council approved the cycle lanes.</p>"
    records = b"".join(
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://a.example/%d\r\n"
        b"WARC-Record-ID: <urn:uuid:12345678-1234-1234-1234-12345678900%d>\r\nWARC-Date: 2024-03-01T00:00:00Z\r\n"
        b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % (i, i, len(body) - 3)
        + body + b"\r\n\r\n" for i in range(2))
    (tmp_path / "crawl.warc").write_bytes(records)
    with pytest.warns(UserWarning) as said:
        pages = list(iter_pages([tmp_path / "crawl.warc"]))
    assert len(pages) == 2
    assert [str(w.message) for w in said] == [
        f"{tmp_path / 'crawl.warc'}: 2 record(s) not followed by the blank line that ends a record (a Content-Length "
        "a few bytes off?); read as warcio reads them"]
    assert capfd.readouterr().err == ""


def test_a_warc_response_served_as_xml_is_a_page_when_it_is_xhtml_and_a_feed_is_passed_over(tmp_path):
    xhtml = (b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
             b"<p>An XHTML page served as XML.</p></body></html>")
    feed = b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>News</title></channel></rss>'
    path = _warc(tmp_path / "crawl.warc.gz", [("https://a.example/x", "application/xml", xhtml),
                                              ("https://a.example/feed", "text/xml; charset=utf-8", feed)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the feed is no page, as an untyped response that is no HTML is none: unsaid
        pages = list(iter_pages([path]))
    assert [[(b.url, b.text) for b in page] for page in pages] == [[("https://a.example/x", "An XHTML page served as XML.")]]


def test_a_saved_response_raw_chunked_deflated_or_with_folded_headers_is_read_as_its_page(tmp_path):
    import zlib

    page = b"<html><body><p>The council approved the cycle lanes.</p></body></html>"
    status = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (page[:30], page[30:])) + b"0\r\n\r\n"
    saved = {
        "raw.html": status + b"Transfer-Encoding: chunked\r\n\r\n" + chunked,  # curl -i --raw
        "deflate.html": status + b"Content-Encoding: deflate\r\n\r\n" + zlib.compress(page),
        "rawdeflate.html": status + b"Content-Encoding: deflate\r\n\r\n" + zlib.compress(page)[2:-4],
        "folded.html": status + b"X-Note: a header\r\n  folded onto a second line\r\n\r\n" + page,
        "reason.html": b"HTTP/1.1 200 " + b"OK and a reason phrase much longer than most servers send " * 2 + b"\r\n"
                       + b"Content-Type: text/html\r\n\r\n" + page,
    }
    for name, data in saved.items():
        (tmp_path / name).write_bytes(data)
        assert [b.text for b in next(iter_pages([tmp_path / name]))] == ["The council approved the cycle lanes."], name
    (tmp_path / "bad.html").write_bytes(status + b"Content-Encoding: deflate\r\n\r\n" + page)
    with pytest.raises(InputError, match=r"bad\.html: its body is not the deflate data its Content-Encoding says$"):
        list(iter_pages([tmp_path / "bad.html"]))


def test_quotes_nested_past_a_forums_depth_are_read_as_blocks_not_marked_at_every_level():
    # a forum whose every post leaves its <blockquote> open: quote marks and re-joined text
    # at every level would grow as the square of the page
    from classifier.readers.html import MAX_QUOTE_DEPTH

    posts = 50
    page = "<html><body>" + "".join(f"<blockquote><p>Post {i} line one<br>line two</p>" for i in range(posts)) + "</body></html>"
    text = html_to_text(page)
    assert max(len(line) - len(line.lstrip("> ")) for line in text.split("\n")) == 2 * MAX_QUOTE_DEPTH
    assert [line.lstrip("> ") for line in text.split("\n") if "Post" in line] == [f"Post {i} line one" for i in range(posts)]
    assert len(text) < 40 * posts * MAX_QUOTE_DEPTH
    # a quote in a quote, as pages write one, is marked as before
    assert html_to_text("<blockquote><p>Said:</p><blockquote><p>Inner.</p></blockquote></blockquote>") == \
        "> Said:\n>\n> > Inner."


def test_a_warc_file_of_junk_is_one_error_that_quotes_none_of_its_bytes(tmp_path):
    (tmp_path / "junk.warc").write_bytes(bytes(range(256)) * 2)
    with pytest.raises(InputError) as caught:
        list(iter_pages([tmp_path / "junk.warc"]))
    assert str(caught.value) == (f"{tmp_path / 'junk.warc'}: is not a readable WARC file (it does not start with a "
                                 "WARC record: not a WARC file, or damaged)")


def test_an_rtf_document_or_an_email_is_refused_with_what_to_give_instead(tmp_path):
    (tmp_path / "letter.txt").write_bytes(b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Hello world.}\n")
    mail = ("From: desk@news.example\nTo: tips@news.example\nSubject: Story\nMIME-Version: 1.0\n"
            'Content-Type: multipart/alternative; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nThe story.\n--b1--\n')
    (tmp_path / "story.eml").write_text(mail, encoding="utf-8")
    for name, said in (("letter.txt", "is an RTF document, not a page of text; save it as text or HTML first"),
                       ("story.eml", "is an e-mail message of several parts, not a page; save its HTML or text part "
                                     "and give that")):
        with pytest.raises(InputError) as caught:
            list(iter_pages([tmp_path / name]))
        assert str(caught.value) == f"{tmp_path / name}: {said}"
    # one part, its HTML encoded for mail (base64, quoted-printable), after a mail server's
    # many headers: refused too, not tagged as encoded text
    import base64

    html = '<html><body><p class="byline">By Ann Lee</p><p>The harbour reopened.</p></body></html>'
    headers = "Return-Path: <desk@news.example>\r\n" + "".join(f"X-MS-Exchange-Header-{i}: value {i}\r\n"
                                                               for i in range(150))
    mails = {"base64.eml": "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
                           "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(html.encode()).decode(),
             "qp.eml": headers + "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
                       "\r\n\r\n" + html.replace("=", "=3D"),
             "many.eml": headers + 'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n--b1\r\n\r\nStory\r\n'}
    for name, mail in mails.items():
        (tmp_path / name).write_text(mail, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            list(iter_pages([tmp_path / name]))
        assert str(caught.value).startswith(f"{tmp_path / name}: is an e-mail message"), name
    assert str(caught.value).endswith("of several parts, not a page; save its HTML or text part and give that")
    # a web page saved as one part (MHTML: the address it was saved from) is read as that page
    saved = ("MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
             "\r\nContent-Location: https://a.example/ferry\r\n\r\n<html><body><p>The council voted=\r\n on Tuesday.</p>"
             "</body></html>")
    (tmp_path / "saved.mht").write_text(saved, encoding="utf-8")
    assert [(b.url, b.text) for b in next(iter_pages([tmp_path / "saved.mht"]))] == [
        ("https://a.example/ferry", "The council voted on Tuesday.")]
    # a scraper's envelope of header-like lines is a page still
    (tmp_path / "jina.txt").write_text("Title: Harbour reopens\nURL Source: https://a.example/x\n\nMarkdown Content:\n"
                                       "The harbour reopened on Monday.\n", encoding="utf-8")
    assert "The harbour reopened on Monday." in [b.text for b in next(iter_pages([tmp_path / "jina.txt"]))]


@pytest.mark.parametrize("name", ["pages.tar", "pages.tar.gz"])
def test_a_tar_archive_of_pages_is_refused_with_how_to_unpack_it(tmp_path, name):
    import tarfile

    page = tmp_path / "a.html"
    page.write_text("<p>The harbour reopened.</p>", encoding="utf-8")
    with tarfile.open(tmp_path / name, "w:gz" if name.endswith(".gz") else "w") as archive:
        archive.add(page, arcname="a.html")
    with pytest.raises(InputError) as caught:
        list(iter_pages([tmp_path / name]))
    assert str(caught.value) == (f"{tmp_path / name}: is a tar archive, not a page; unpack it first (tar -xf) and give "
                                 "its pages, or their folder")


def test_a_brotli_body_is_read_where_warcios_own_use_of_brotli_fails():
    import classifier.readers.warc as warc

    brotli = pytest.importorskip("brotli")

    class Record:  # warcio 1.8 with brotli 1.2: its decompressor cannot be made
        raw_stream = io.BytesIO(brotli.compress(b"<p>Sent with Brotli.</p>"))
        http_headers = None

        def content_stream(self):
            raise AttributeError("'brotli.Decompressor' object has no attribute 'unused_data'")

    assert warc._body(Record(), 1000) == b"<p>Sent with Brotli.</p>"


_FARES = b"<html><body><p>The harbour board voted on Monday to raise ferry fares.</p></body></html>"


def test_a_warc_response_in_chunks_is_joined_however_its_header_names_them(tmp_path):
    # chunks under a "Chunked" header (HTTP names its codings in any case; warcio reads
    # "chunked" alone), and chunks whose header the crawler dropped: each read as the page. A
    # body that only starts as a chunk's size would ("0", "abc" before a newline) is read as it is.
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(_FARES[i:i + 40]), _FARES[i:i + 40]) for i in range(0, len(_FARES), 40)) + b"0\r\n\r\n"
    path = tmp_path / "crawl.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        _response(writer, "https://a.example/chunked", chunks, [("Content-Type", "text/html"), ("Transfer-Encoding", "Chunked")])
        _response(writer, "https://a.example/unsaid", chunks, [("Content-Type", "text/html")])
        _response(writer, "https://a.example/zero", b"0\n" + _FARES, [("Content-Type", "text/html")])
        _response(writer, "https://a.example/abc", b"abc\n" + _FARES, [("Content-Type", "text/html")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pages = list(iter_pages([path]))
    assert [[(b.url, b.text) for b in page] for page in pages] == [
        [("https://a.example/chunked", "The harbour board voted on Monday to raise ferry fares.")],
        [("https://a.example/unsaid", "The harbour board voted on Monday to raise ferry fares.")],
        [("https://a.example/zero", "0"), ("https://a.example/zero", "The harbour board voted on Monday to raise ferry fares.")],
        [("https://a.example/abc", "abc"), ("https://a.example/abc", "The harbour board voted on Monday to raise ferry fares.")]]


def test_a_warc_response_in_brotli_is_undone_where_warcio_leaves_it_compressed(tmp_path):
    # (warcio undoes Brotli with brotlicffi only), and one that unpacks to gigabytes is refused
    brotli = pytest.importorskip("brotli")
    path = tmp_path / "crawl.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        _response(writer, "https://a.example/br", brotli.compress(_FARES), [("Content-Type", "text/html"), ("Content-Encoding", "br")])
        _response(writer, "https://a.example/bomb", brotli.compress(_FARES + bytes(100 * 2**20)),
                  [("Content-Type", "text/html"), ("Content-Encoding", "br")])
    with pytest.warns(UserWarning) as said:
        pages = list(iter_pages([path]))
    assert [[(b.url, b.text) for b in page] for page in pages] == [
        [("https://a.example/br", "The harbour board voted on Monday to raise ferry fares.")]]
    assert [str(w.message) for w in said] == [
        f"{path}: record 1 (https://a.example/bomb): unpacks to more than 64 MB; not a web page (skipped)"]


def test_a_warc_response_with_an_empty_body_is_said_to_be_empty(tmp_path):
    path = _warc(tmp_path / "crawl.warc.gz", [("https://a.example/empty", "text/html", b""),
                                              ("https://a.example/story", "text/html", b"<p>The story.</p>")])
    with pytest.warns(UserWarning) as said:
        assert [[b.text for b in page] for page in iter_pages([path])] == [["The story."]]
    assert [str(w.message) for w in said] == [
        f"{path}: record 0 (https://a.example/empty): holds no text to tag once its markup is dropped: its body is empty (skipped)"]


def test_encoding_reads_a_warc_response_that_names_no_charset(tmp_path):
    page = "<html><body><p>Совет гавани в понедельник поднял цены на паромы.</p></body></html>"
    path = _warc(tmp_path / "crawl.warc.gz", [("https://a.example/ru", "text/html", page.encode("cp1251")),
                                              ("https://b.example/ru", "text/html", page.encode("utf-8"))])
    # the encoding given reads the pages that are not UTF-8: another site's page in UTF-8 is read so
    assert [[b.text for b in page] for page in iter_pages([path], encoding="cp1251")] == [
        ["Совет гавани в понедельник поднял цены на паромы."]] * 2
    path = _warc(tmp_path / "crawl.warc.gz", [("https://a.example/ru", "text/html", page.encode("cp1251"))])
    with pytest.warns(UserWarning) as said:
        assert list(iter_pages([path])) == []
    assert [str(w.message) for w in said] == [
        f"{path}: record 0 (https://a.example/ru): names no charset and is neither UTF-8 nor cp1252 text (its non-ASCII "
        "bytes come in runs, as another encoding's letters do); name its encoding, e.g. encoding='cp1251' (Cyrillic) "
        "(skipped)", f"{path}: holds no HTML response (or WET text) with text to tag; nothing is written for it"]


def test_brotli_is_undone_by_either_package_or_refused_naming_the_page(monkeypatch):
    import types

    import classifier.readers as readers

    class Decompressor:  # (brotlicffi's names, and no brotli.error)
        def process(self, data):
            return data[::-1]

        def is_finished(self):
            return True

    fake = types.SimpleNamespace(Decompressor=Decompressor)
    monkeypatch.setattr(readers, "_brotli_module", lambda: fake)
    assert readers.unbrotli(b"abc", "saved.html") == b"cba"
    Decompressor.process = lambda self, data: 1 / 0
    with pytest.raises(InputError, match=r"^saved\.html: its body is not the Brotli data its Content-Encoding says$"):
        readers.unbrotli(b"abc", "saved.html")
    Decompressor.process = lambda self, data: bytes(2**20)  # a megabyte from every few bytes: stopped past 64 MB
    with pytest.raises(InputError, match=r"^saved\.html: unpacks to more than 64 MB; not a web page$"):
        readers.unbrotli(bytes(10_000), "saved.html")
    monkeypatch.setattr(readers, "_brotli_module", lambda: None)
    with pytest.raises(InputError, match=r"^saved\.html: is compressed with Brotli .*: pip install brotli$"):
        readers.unbrotli(b"abc", "saved.html")


@pytest.mark.parametrize("damaged", [0, 1, 2])
def test_a_warc_record_whose_gzip_check_fails_is_named_as_damaged_not_whole(tmp_path, damaged):
    # gzip checks a record's member (its CRC) only past the member's end, when the record has
    # been read: the record counted by then is the damaged one.
    members = []
    for k in range(3):  # a gzip member a record, as crawlers write them
        stream = io.BytesIO()
        _response(WARCWriter(stream, gzip=True), f"https://a.example/{k}", b"<p>Story</p>", [("Content-Type", "text/html")])
        members.append(stream.getvalue())
    member = bytearray(members[damaged])
    member[-8] ^= 0xFF  # the CRC-32, first of the trailer's 8 bytes
    members[damaged] = bytes(member)
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(b"".join(members))
    with pytest.raises(InputError) as raised:
        list(iter_pages([path]))
    assert re.fullmatch(rf"{re.escape(str(path))}: is damaged \(gzip's check of the data up to the end of record {damaged} "
                        r"failed: CRC check failed 0x[0-9a-f]+ != 0x[0-9a-f]+\); fetch it again", str(raised.value))
    whole = tmp_path / "whole.warc.gz"  # `gzip crawl.warc`: one member, checked at the file's end
    data = bytearray(gzip.compress(b"".join(gzip.decompress(member) for member in members[:damaged] + members[damaged + 1:])))
    data[-8] ^= 0xFF
    whole.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"is damaged \(gzip's check of the data up to the end of record 1 failed: "):
        list(iter_pages([whole]))
