"""Scraper dialects to the canonical form, and page segmentation by mode."""

import re
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.dialects import MAX_LINK_TEXT, canonical
from classifier import segmentation
from classifier.errors import InputError
from classifier.segmentation import split_page


@pytest.mark.parametrize(
    "text, expected",
    [
        # links: any target, kept; titles and angle brackets dropped
        ("[Home](https://news.example/)", "[Home](https://news.example/)"),
        ("[Next](../2024/05/next-story)", "[Next](../2024/05/next-story)"),
        ("[Top](#)", "[Top](#)"),
        ("published by[Futurism](/f)", "published by [Futurism](/f)"),
        ("[a](#)[b](#)", "[a](#)[b](#)"),
        ('[Kim Lee](/author/kim "Posts by Kim Lee")', "[Kim Lee](/author/kim)"),
        ("[Kim Lee](/author/kim 'Posts')", "[Kim Lee](/author/kim)"),
        ("[Docs](<https://docs.example/a b>)", "[Docs](https://docs.example/a b)"),
        # parentheses in a target, balanced (Wikipedia's titles), %-escaped as the HTML reader writes them
        ("[Io](https://wiki.example/Io_(moon)) (a moon)", "[Io](https://wiki.example/Io_%28moon%29) (a moon)"),
        ('[x](/a_(b)_c "t")', "[x](/a_%28b%29_c)"),
        ("[Io](<https://wiki.example/Io_(moon)>)", "[Io](https://wiki.example/Io_%28moon%29)"),
        ("![Io](io_(1).jpg) seen", "Io seen"),
        ("[Print](javascript:window.print()) [Mail](mailto:a@b.example)", "[Print](#) [Mail](mailto:a@b.example)"),
        # pandoc's markdown writes its smart punctuation's dashes: read back
        ("--- Jordan Lee", "— Jordan Lee"), ("Fares rose---sharply, in 15--18 days.", "Fares rose—sharply, in 15–18 days."),
        ("| a | b |\n|---|---|", "| a | b |"), ("x -- y", "x -- y"),
        ("[ Sign in\n](https://id.example/login)", "[Sign in](https://id.example/login)"),
        ("[](https://cdn.example/x)", "[](https://cdn.example/x)"),
        # html2text wraps a long URL after a hyphen
        ("[Read](https://a.example/long-\nstory-title)", "[Read](https://a.example/long-story-title)"),
        ("<https://a.example/feed>", "[https://a.example/feed](https://a.example/feed)"),
        # reference-style links and their definitions
        ("Read [the report][1] now.\n\n[1]: https://gov.example/report.pdf",
         "Read [the report](https://gov.example/report.pdf) now."),
        ('[Subscribe][sub]\n[sub]: <https://shop.example/sub> "Offer"', "[Subscribe](https://shop.example/sub)"),
        ("[Orphan][9]", "[Orphan](#)"),
        # images keep their alt text; a linked image becomes the link
        ("![A heron at dawn](https://img.example/heron.jpg)", "A heron at dawn"),
        ('![Map](map.png "Route map") of the route', "Map of the route"),
        ("[![Logo](logo.svg)](https://site.example/)", "[Logo](https://site.example/)"),
        ("[![A crane (Credit: Jo)](c.jpg) Cranes return](/c)", "[Cranes return](/c)"),
        ("![](spacer.gif)", ""),
        # headings
        ("Storm hits coast\n================", "Storm hits coast"),
        ("What happens next\n-----------------", "What happens next"),
        ("## What happens next ##", "What happens next"),
        ("### [Read more](/more)", "[Read more](/more)"),
        ("[Cranes return\n-------------](/c)", "[Cranes return](/c)"),  # markdownify: <a><h2>
        ("[Cranes return\n=============](/c) and more", "[Cranes return](/c) and more"),
        ("#hashtag stays", "#hashtag stays"),
        # emphasis
        ("It was *very* cold", "It was very cold"),
        ("It was _very_ cold", "It was very cold"),
        ("**Note:** rates rise", "Note: rates rise"),
        ("__Note:__ rates rise", "Note: rates rise"),
        ("***Breaking***", "Breaking"),
        ("**a *b* c**", "a b c"),
        ("Search*now*", "Searchnow"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("5 * 3 = 15", "5 * 3 = 15"),
        ("_This post has links. _", "This post has links."),  # html2text's space before the close
        ("- __Comment", "- Comment"),  # an empty <i> icon
        ("Game D****ay parties", "Game Day parties"),
        ("snake__case and __init__", "snake__case and init"),
        ("footnote* here", "footnote* here"),
        # backslash escapes are literal characters, never markup
        (r"user\_name and \*star\* and \[x\]", "user_name and *star* and [x]"),
        (r"\[not a link\](really)", "[not a link](really)"),
        (r"1984\. A year", "1984. A year"),
        # bullets
        ("* one\n+ two\n- three", "- one\n- two\n- three"),
        ("1. first\n2) second", "- first\n- second"),
        ("  * indented\n    * nested", "- indented\n- nested"),
        ("• dot", "- dot"),
        ("* ## [Headline](/h)", "- [Headline](/h)"),
        # list items with no text (icon-only share buttons) are dropped, unless that is all
        ("November 19, 2019\n  * \n  * \n  *", "November 19, 2019"),
        ("By Ana\n* [](https://x.example/share)\n* [](/mail) [](/print)", "By Ana"),
        ("- [Share](#)\n- \n- 214", "- [Share](#)\n- 214"),
        ("* \n* \n*", "-\n-\n-"),
        ("- [](/a) and text", "- [](/a) and text"),
        # quotes are kept, rules and table rules dropped
        ("> said so\n>\n> twice", "> said so\n>\n> twice"),
        ("* * *", ""),
        ("| a | b |\n|---|:--|\n| 1 | 2 |", "| a | b |\n| 1 | 2 |"),
        # characters
        ("Fish &amp; chips&nbsp;today &#8212; &lt;3", "Fish & chips today \u2014 <3"),
        ("zero\u200bwidth\u00a0space", "zero width space"),
        ("soft\u00adhyphen", "softhyphen"),
        ("icon\ue001 glyph", "icon glyph"),
        ("  many    spaces  \n\tand\ttabs  ", "many spaces\nand tabs"),
        ("line one\r\nline two", "line one\nline two"),
        ("`code` span", "code span"),
        # an image and the caption html2text writes right after it: two words, not one
        ("![Lindenallee in Ulmenfeld](/b.jpg)Die Allee", "Lindenallee in Ulmenfeld Die Allee"),
        ("Foto![Hafen](/h.jpg) heute", "Foto Hafen heute"),
        # Jina Reader numbers each image ("![Image 2: alt](src)"): read as words, "Image 2:" looks like a credit
        ("![Image 2: The ferry docked at the landing](https://img.example/ferry.jpg)", "The ferry docked at the landing"),
        ("[![Image 1: The Coastal Ledger](https://a.example/logo.svg)](https://a.example/)",
         "[The Coastal Ledger](https://a.example/)"),
        ("![Image 4](https://img.example/q7.jpg) The ferry at dawn.", "The ferry at dawn."),
        ("![Image 5: ](https://img.example/q7.jpg)", ""),
        ("![Image of the ferry](https://img.example/f.jpg)", "Image of the ferry"),  # alt text that only starts so
        ("![Image 3 shows the route](https://img.example/m.jpg)", "Image 3 shows the route"),
    ],
)
def test_canonical(text, expected):
    assert canonical(text) == expected


def test_canonical_form_is_a_fixed_point():
    text = "Written by [Ana Ruiz](#) on May 2, 2026\n- [News](#)\n- [Sport](#)"
    assert canonical(text) == text
    for text in ("**[Ana](/a)** _x_", "**1. Step one**", "### 12. Tip", "## ## double", "> **2. Quoted**",
                 "Ana\n* \n* [](/x)", "* \n*"):
        assert canonical(canonical(text)) == canonical(text)
    assert canonical("**1. Step one**") == "- Step one"


def test_link_text_longer_than_the_bound_is_not_a_link():
    long = "a" * (MAX_LINK_TEXT + 1)
    assert canonical(f"[{long}](/x)") == f"[{long}](/x)"
    assert canonical(f"![{long}](/x)") == f"![{long}](/x)"


@pytest.mark.parametrize("unit", ["[", "[a](", "[a](b(", "[a]((", "![", "*a ", "_a ", "[a][", "\\", "<http://", "](", "**", "# ", "> "])
def test_hostile_input_is_processed_whole(unit):
    # Every pattern's work per position is bounded (no nested unbounded repeats), so a
    # 100 KB block of any markup fragment is read in one linear pass; this checks the output
    # is complete rather than how long it took.
    text = unit * (100_000 // len(unit))
    out = canonical(text)
    assert len(out) >= len(text.replace("*", "").replace("_", "").replace("\\", "").replace("#", "").replace(">", "").strip()) // 2


# ---------------------------------------------------------------------- segmentation

CANONICAL_PAGE = (
    "[Skip to content](#)\n[Sign in](#)\n\n"
    "Harbour bridge reopens after a year of repairs\n\n"
    "By [Ana Ruiz](/author/ana) | May 2, 2026\n\n"
    "The bridge carried its first cars on Tuesday morning, eleven months after a barge struck one of its piers in a spring storm.\n\n"
    "- [Ferries](#)\n- [Roads](#)\n- [Rail](#)"
)

WRAPPED_PAGE = (
    "# Harbour bridge reopens after a year of repairs that closed the crossing to\n"
    "all traffic\n\n"
    "The bridge carried its first cars on Tuesday morning, eleven months after a\n"
    "barge struck one of its piers in a spring storm. Engineers replaced two spans\n"
    "and the deck.\n\n"
    "Ferry operators, who ran extra crossings all year, said they would return to\n"
    "the summer timetable next week. See [the timetable](https://ferries.example/summer-\n"
    "timetable) for details.\n\n"
    "  * [Ferries](https://ferries.example/)\n"
    "  * [Roads](https://roads.example/)\n\n"
    "Photo: Jo Park  \n"
    "Harbour Authority"
)


def test_blank_mode_is_the_blank_line_segmentation():
    assert split_page("a\nb\n\n \n\nc", "blank") == ["a\nb", "c"]


def test_line_mode_is_one_block_a_line():
    assert split_page("a\nb\n\n\nc\n", "line") == ["a", "b", "c"]


def test_auto_leaves_a_canonical_page_as_blank_splits_it():
    assert split_page(CANONICAL_PAGE, "auto") == split_page(CANONICAL_PAGE, "blank")


def test_auto_rejoins_hard_wrapped_paragraphs():
    assert split_page(WRAPPED_PAGE, "auto") == [
        "# Harbour bridge reopens after a year of repairs that closed the crossing to all traffic",
        "The bridge carried its first cars on Tuesday morning, eleven months after a barge struck "
        "one of its piers in a spring storm. Engineers replaced two spans and the deck.",
        "Ferry operators, who ran extra crossings all year, said they would return to the summer "
        "timetable next week. See [the timetable](https://ferries.example/summer-timetable) for details.",
        "  * [Ferries](https://ferries.example/)\n  * [Roads](https://roads.example/)",
        "Photo: Jo Park\nHarbour Authority",
    ]


def test_unwrapping_keeps_a_hanging_hyphen():
    wrapped = ("The council published its plans for the harbour's winter crossings and the pre-\n"
               "and post-season timetables, which the ferry operators will follow from March.\n"
               "Traders said the market would open in the first week of June at the quay.")
    text = "\n\n".join([wrapped] * 3)
    assert "the pre- and post-season timetables" in split_page(text, "auto")[0]


def test_unwrapping_rejoins_a_word_broken_after_its_hyphen_but_not_a_spaced_dash():
    # html2text breaks lines after a hyphen inside a word ("pop-" / "up")
    wrapped = ("The council approved the plan for a weekend market with a pop-\n"
               "up stage near the water, and a second vote on the ferry timetable -\n"
               "with its winter and summer crossings - follows next month in the hall.\n"
               "Traders said the market would open in the first week of June at the quay.")
    text = "\n\n".join([wrapped] * 3)
    assert split_page(text, "auto")[0] == (
        "The council approved the plan for a weekend market with a pop-up stage near the water, "
        "and a second vote on the ferry timetable - with its winter and summer crossings - follows "
        "next month in the hall. Traders said the market would open in the first week of June at the quay.")


def test_auto_joins_a_loose_list_of_three_or_more_one_line_items():
    # html2text writes a list whose items hold block elements with a blank line between items
    tags = "- [Business](/tags/business) ,\n\n- [Harbours](/tags/harbours) ,\n\n- [Weather](/tags/weather)"
    assert split_page("Ferries resume.\n\n" + tags + "\n\nMore soon.", "auto") == [
        "Ferries resume.",
        "- [Business](/tags/business) ,\n- [Harbours](/tags/harbours) ,\n- [Weather](/tags/weather)",
        "More soon.",
    ]
    assert split_page("- Share\n\n- Tweet", "auto") == ["- Share", "- Tweet"]  # two items: left apart
    # numbered one-line blocks are a listicle's headings as often as a list: left apart
    assert split_page("1. Bread\n\n2. Cheese\n\n3. Olives", "auto") == ["1. Bread", "2. Cheese", "3. Olives"]
    assert split_page(tags, "blank") == tags.split("\n\n")
    # html2text writes <hr> as "* * *": a rule after a list stays a block of its own
    assert split_page(tags + "\n\n* * *\n\n* * *", "auto")[-2:] == ["* * *", "* * *"]


def test_link_cards_over_several_lines_stay_whole_blocks():
    # Firecrawl writes a card (image, title, summary in one link) with backslash line breaks.
    def card(n):
        return (f"[![Jars on a table, picture {n}](https://a.example/jam{n}.jpg)\\\n"
                f"The pectin shortage, explained for home cooks, part {n}\\\n"
                f"Why your jam will not set this year, and what to do about it, {n}](https://a.example/jam-{n})")

    paragraphs = ["The shortage began in March when two suppliers closed their plants, the makers say.",
                  "Home cooks report that their jam will not set, and shops have run out of the powder."]
    text = "\n\n".join(paragraphs + [card(1), card(2)])
    assert split_page(text, "auto") == paragraphs + [card(1), card(2)]
    # one paragraph a line: the cards still stay whole
    assert segmentation._per_line("\n".join(paragraphs + [card(1)])) == paragraphs + [card(1)]
    assert segmentation._per_line("Title of the page\n=================\nBody.") == ["Title of the page\n=================", "Body."]


def test_unwrapping_joins_no_line_to_a_setext_underline_nor_after_a_backslash_break():
    heading = "Canners recall widens after botulism scare in Ohio\n" + "=" * 50
    paragraph = ("A regional maker recalled twelve thousand jars on Tuesday after two people\n"
                 "fell ill in the city. The company said the jars were sold in four states and\n"
                 "that shoppers should return them to the store where they bought them, it said.")
    address = "The company's offices, at 12 Mill Road,\\\nDayton, Ohio, are closed on Sundays and holidays."
    text = f"{heading}\n\n{paragraph}\n\n{address}"
    assert split_page(text, "auto") == [heading, " ".join(paragraph.split("\n")), address]


def test_auto_splits_a_page_written_one_paragraph_a_line():
    text = (
        "Harbour bridge reopens\n"
        "The bridge carried its first cars on Tuesday morning after months of repairs.\n"
        "Engineers replaced two spans and the deck, the harbour authority said today.\n"
        "Ferry operators said they would return to the summer timetable next week.\n"
        "- [Ferries](#)\n- [Roads](#)\n"
        "Photo: Jo Park"
    )
    assert split_page(text, "auto") == [
        "Harbour bridge reopens",
        "The bridge carried its first cars on Tuesday morning after months of repairs.",
        "Engineers replaced two spans and the deck, the harbour authority said today.",
        "Ferry operators said they would return to the summer timetable next week.",
        "- [Ferries](#)\n- [Roads](#)",
        "Photo: Jo Park",
    ]


def test_auto_splits_short_paragraphs_one_a_line_though_their_lines_are_as_short_as_wrapped_ones():
    # trafilatura's text of a brief: every line under 80 characters, as a wrapped page's
    # are, but each one ends its sentence where a wrapper's lines end mid-sentence.
    paragraphs = [
        "Ferry fares rise for the first time in six years",
        "The harbour board voted on Monday to raise fares by ten percent.",
        "A return ticket for an adult will cost £7.70 from the first of June.",
        '"We held prices for as long as we could," the board\'s chair said.',
        "Season tickets and fares for children will not change this year.",
        "Read more: Night crossings to stop for the winter months",
        "The board said fuel now makes up half of what a crossing costs.",
    ]
    assert split_page("\n".join(paragraphs), "auto") == paragraphs
    # the same under a title-and-byline block of its own: still a paragraph a line
    assert split_page("Ferry fares rise\nBy Ann Lee\n\n" + "\n".join(paragraphs[1:]), "auto") == [
        "Ferry fares rise", "By Ann Lee"] + paragraphs[1:]
    wrapped = ("The harbour board voted on Monday to raise fares by ten percent, its first\n"
               "rise in six years. A return ticket for an adult will cost more from June,\n"
               "while season tickets and fares for children will not change this year,\n"
               "the board said.")
    assert split_page(wrapped, "auto") == [" ".join(wrapped.split("\n"))]
    # paragraphs between blank lines, written a sentence a line (semantic line breaks): one block each
    sembr = ["The harbour board voted on Monday to raise the ferry fares.\nIt is the board's first rise in six years.",
             "Season tickets and the fares for children will not change.\nThe board said fuel costs had doubled.",
             "The new fares start on the first day of June this year.\nA timetable for the summer will follow."]
    assert split_page("\n\n".join(sembr), "auto") == [" ".join(p.split("\n")) for p in sembr]


@pytest.mark.parametrize("between", [" ", "  ", "\u00a0"], ids=["space", "two spaces", "no-break space"])
def test_auto_splits_a_paragraph_a_line_page_that_a_stray_blank_line_cut_in_two(between):
    # two runs of lines that end their sentences would read as semantic line breaks, but
    # these lines hold two sentences each often: paragraphs, and the blocks around them
    paragraphs = [
        "The council met on Tuesday to discuss the budget for the coming year. Members argued for hours.",
        "Residents packed the hall, many of them carrying signs about the closure of the library.",
        "Mayor Lin said the city had no choice but to cut spending. The state reduced its aid in May.",
        "Photo: A resident holds a sign at the meeting. (J. Doe / Staff)",
        "By Ana Ruiz",
        "Several members proposed delaying the vote until after the summer recess. Others disagreed.",
        "The motion failed by a single vote, leaving the budget as the finance office drafted it.",
        "Subscribe to our newsletter for more local news.",
        "Sign up",
        "The next meeting is scheduled for March 3.",
    ]
    paragraphs = [re.sub(r"(?<=[.)]) (?=[A-Z(])", between, p) for p in paragraphs]
    page = "\n".join(paragraphs[:5]) + "\n\n" + "\n".join(paragraphs[5:])
    assert split_page(page, "auto") == paragraphs
    # paragraphs written a sentence a line keep being joined, abbreviations or not
    sembr = ["Mr. Lee said the harbour board would vote on the fares in the spring.\nIt is the first rise in six years.",
             "The U.S. Coast Guard inspected the ferries in March this year.\nThe board said fuel costs had doubled.",
             "The new fares start on the first day of June this year.\nA timetable for the summer will follow."]
    assert split_page("\n\n".join(sembr), "auto") == [" ".join(p.split("\n")) for p in sembr]


STRAY_BLANK_PAGES = {
    "russian": ["Городской совет утвердил бюджет на следующий год. Заседание длилось пять часов.",
                "Жители заполнили зал, многие пришли с плакатами против закрытия библиотеки.",
                "Мэр Лин сказала, что у города нет выбора. Область сократила помощь в мае.",
                "Фото: жительница с плакатом на заседании (Иван Петров)",
                "Автор: Анна Руис",
                "Несколько депутатов предложили отложить голосование. Другие были против.",
                "Предложение не прошло с разницей в один голос, и бюджет остался прежним.",
                "Подпишитесь на нашу рассылку, чтобы не пропустить местные новости."],
    "chinese": ["市议会周二批准了明年的预算。会议持续了五个小时。",
                "居民挤满了大厅，许多人举着反对关闭图书馆的标语。",
                "林市长说，城市别无选择。省政府在五月削减了补助。",
                "图：一位居民在会上举着标语（王明 摄）",
                "记者 李安",
                "几位议员提议推迟投票。另一些议员表示反对。",
                "该动议以一票之差未获通过，预算维持原样。",
                "订阅我们的电子报，获取更多本地新闻。"],
    "korean": ["시의회는 화요일 내년 예산안을 승인했다. 회의는 다섯 시간 동안 이어졌다.",
               "주민들이 회의장을 가득 메웠고, 많은 이들이 도서관 폐쇄에 반대하는 팻말을 들었다.",
               "린 시장은 시에 다른 선택이 없었다고 말했다. 도는 5월에 지원금을 줄였다.",
               "사진: 회의에서 팻말을 든 주민 (김민수 기자)",
               "글 이안나 기자",
               "몇몇 의원은 표결을 미루자고 제안했다. 다른 의원들은 반대했다.",
               "안건은 한 표 차이로 부결됐고, 예산은 원안대로 유지됐다.",
               "뉴스레터를 구독하고 지역 소식을 받아보세요."],
    "arabic": ["وافق مجلس المدينة يوم الثلاثاء على ميزانية العام المقبل. استمر الاجتماع خمس ساعات.",
               "امتلأت القاعة بالسكان، وحمل كثير منهم لافتات ضد إغلاق المكتبة.",
               "قالت رئيسة البلدية إن المدينة لا تملك خيارا آخر. خفضت المحافظة دعمها في مايو.",
               "صورة: إحدى السكان تحمل لافتة في الاجتماع (تصوير سامي حداد)",
               "بقلم آنا رويز",
               "اقترح عدد من الأعضاء تأجيل التصويت. وعارض آخرون ذلك.",
               "سقط الاقتراح بفارق صوت واحد، وبقيت الميزانية كما هي.",
               "اشترك في نشرتنا البريدية لتصلك أخبار المدينة."],
}


@pytest.mark.parametrize("language", STRAY_BLANK_PAGES)
def test_a_stray_blank_line_in_a_paragraph_a_line_page_is_found_in_any_script(language):
    # the lines' sentence ends inside them, in scripts with other capitals, none, or no spaces
    paragraphs = STRAY_BLANK_PAGES[language]
    page = "\n".join(paragraphs[:4]) + "\n\n" + "\n".join(paragraphs[4:])
    assert split_page(page, "auto") == paragraphs


def test_auto_splits_a_paragraph_a_line_page_whose_lines_end_mid_sentence_before_words_that_would_fit():
    # trafilatura's text of a how-to: a title, a line ending in ":", a line of code end no
    # sentence, as a wrapper's lines do; but a wrapper breaks only before a word that would
    # not fit, and these lines end before words that would have
    lines = ["How to make crisp sourdough discard crackers at home",
             "These crackers use a full cup of discard and keep for two weeks in a tin.",
             "This post contains affiliate links. We may earn a commission.",
             "If you bake often, a small script saves arithmetic. It scales every ingredient:",
             'print(scale({"discard_g": 240, "flour_g": 120}, 1.5))',
             "Love baking? Subscribe to our weekly bread newsletter."]
    assert split_page("\n".join(lines), "auto") == lines


def test_auto_keeps_a_program_in_indented_code_whole_across_its_blank_line():
    # html2text and pandoc write a <pre> holding a blank line as indented code with one
    program = ("    def scale(recipe, factor):\n        return {k: v * factor for k, v in recipe.items()}\n\n"
               "    print(scale({\"discard_g\": 240}, 1.5))")
    page = f"It scales every ingredient:\n\n{program}\n\nUse grams.\n\n    Not code, indented.\n\nThe end."
    assert split_page(page, "auto") == ["It scales every ingredient:", program, "Use grams.", "    Not code, indented.",
                                        "The end."]
    # html2text writes the blank line as a line of four spaces; the first part may be one line
    imports = "    import pandas as pd\n    \n    df = pd.read_csv(\"prices.csv\")\n    print(df.head())"
    assert split_page(f"It fails:\n\n    \n{imports}\n    \n\nWhy?", "auto") == [
        "It fails:", "    import pandas as pd\n\n    df = pd.read_csv(\"prices.csv\")\n    print(df.head())", "Why?"]


def test_auto_keeps_a_raw_html_table_whose_cells_stand_between_blank_lines_one_block():
    # html2text --bypass-tables: the table's HTML with each cell's text between blank lines
    table = "<table>\n<tr>\n<th>\n\nThickness\n\n</th>\n<th>\n\nTime\n\n</th></tr>\n<tr>\n<td>\n\n1/16 inch\n\n</td>\n" \
            "<td>\n\n20 min\n\n</td></tr></table>"
    blocks = split_page(f"Bake them.\n\n{table}\n\nLet them cool.", "auto")
    assert blocks == ["Bake them.", table.replace("\n\n", "\n"), "Let them cool."]
    assert canonical(blocks[1]) == "Thickness | Time\n1/16 inch | 20 min"


def test_a_line_longer_than_the_wrap_width_is_no_wrapped_line():
    # html2text wraps the page at 78 columns but writes a definition on one line of its own:
    # a line that runs past the width where it had a space to break at was not wrapped, so
    # the term after it is no part of it.
    text = ("Election coverage comes with its own vocabulary, and this is what the most common\nterms mean, in "
            "the order you will meet them on the night and in the days after.\n\nExit poll\n\n"
            "    A survey of voters taken as they leave polling stations, used to project the result before counting ends.\n"
            "Swing\n\nResults are expected from around midnight, with most seats declared by the time most\n"
            "people sit down to breakfast, and a handful of recounts running on into the afternoon.")
    blocks = split_page(text, "auto")
    assert blocks[2:4] == ["    A survey of voters taken as they leave polling stations, used to project the result before "
                           "counting ends.", "Swing"]
    assert blocks[0].endswith("most common terms mean, in the order you will meet them on the night and in the days after.")


def test_a_table_tag_only_mentioned_joins_nothing():
    # A converter writes an escaped "&lt;table&gt;" as "<table>": with no row, cell or
    # closing tag after it, it is a word of the text, and every paragraph after it its own.
    page = ("Many sites still use the <table> element to lay out pages.\n\nScreen readers read it cell by cell."
            "\n\nSign up for our weekly newsletter.")
    assert split_page(page, "auto") == page.split("\n\n")
    # a real table that a page cut short leaves open is still one block, to the page's end
    cut = "Bake them.\n\n<table>\n<tr>\n<td>\n\n1/16 inch\n\n</td>\n<td>\n\n20 min"
    assert split_page(cut, "auto") == ["Bake them.", "<table>\n<tr>\n<td>\n1/16 inch\n</td>\n<td>\n20 min"]
    mentions = "\n\n".join(["A <table> mention."] * 5000)  # each looks for its closing tag once
    assert split_page(mentions, "auto") == ["A <table> mention."] * 5000


def test_auto_keeps_a_short_pages_one_wrapped_paragraph_whole():
    """Two wrapped lines are too few to measure a wrap width; their lines go on mid-sentence
    in lower case, so the page is no page of paragraphs a line, and the paragraph stays one
    block as --split blank keeps it."""
    text = ("Harbour council approves new ferry timetable\n\n"
            "The harbour council voted seven to two on Tuesday to adopt a new\n"
            "ferry timetable that adds three evening crossings to the island,\n"
            "ending a dispute that had stretched since the autumn.")
    assert split_page(text, "auto") == split_page(text, "blank") == text.split("\n\n")


def test_a_table_in_a_page_split_one_paragraph_a_line_stays_one_block():
    text = ("The Aero 3 weighs under a kilogram and its battery lasted nine hours in our test.\n"
            "We ran the same video loop on both machines until each shut itself down for good.\n"
            "| Test | Aero 3 | Pellar Book 14 |\n|---|---|---|\n| Weight | 980g | 1.2kg |\n"
            "The Pellar lasts longer, but it is heavier by a fifth and costs more than the Aero.")
    lines = text.split("\n")
    assert split_page(text, "auto") == lines[:2] + ["\n".join(lines[2:5]), lines[5]]


def test_a_page_of_short_lines_with_no_blank_line_is_split_per_line():
    # a browser's innerText of a recipe: every element a line, none of them prose-long
    lines = ["Hearth Kitchen", "Recipes Shop", "Lentil and squash stew", "By Amaris Quell", "Serves 4",
             "Ingredients", "- 2 tbsp olive oil", "- 1 onion", "Method", "Soften the onion.", "Add the lentils."]
    assert split_page("\n".join(lines), "auto") == lines[:6] + ["- 2 tbsp olive oil\n- 1 onion"] + lines[8:]
    assert split_page("\n".join(lines[:9]), "auto") == ["\n".join(lines[:9])]  # fewer lines: it may be one block
    narrow = ("The harbour board voted on Monday,\nto raise ferry fares by ten per\ncent, its first rise in six years.\n"
              "A return ticket for an adult will\ncost more from the first of June,\nwhile season tickets and fares for\n"
              "children will not change this year,\nthe board said in a statement. It\nsaid fuel now makes up half of the\n"
              "cost of each crossing it runs, and\nthat wages had risen as well.")
    assert len(split_page(narrow, "auto")) == 1  # a paragraph wrapped narrow: its lines go on in lower case
    specs = ["Specs"] + [f"Row {i}\t{i} g" for i in range(10)]  # innerText's table: a tab between cells
    assert split_page("\n".join(specs), "auto") == ["Specs", "\n".join(specs[1:])]
    timetable = ["Ferry times", "Day\tDeparts\tArrives", "Mon-Fri\t06:00\t06:40", "\tSat\t07:00",  # an empty first cell
                 "Posted by\tAnn Lee", "\tThe rise starts in June.", "\tBikes go free.", "Share", "Print", "Jobs"]
    assert split_page("\n".join(timetable), "auto") == [  # a byline under the table and indented text are no rows
        "Ferry times", "\n".join(timetable[1:4])] + timetable[4:]
    forum = ["ann_lee", "3 June 2024", "my gauge reads a quarter tank when it is full.", "has anyone fixed this?",
             "tom_r", "3 June 2024", "same here on the 1998 model", "jo_k", "4 June 2024", "it is the sender unit.",
             "reply"]  # lines in lower case that end their sentences: no narrow wrap
    assert split_page("\n".join(forum), "auto") == forum
    code = ["How to list files", "Run this in a shell:", "```", "import os", "for name in os.listdir('.'):",
            "    print(name)", "```", "That prints every name.", "Share this post", "Comments (3)"]
    assert split_page("\n".join(code), "auto") == code[:2] + ["\n".join(code[2:7])] + code[7:]
    piped = ["A ferry leaves the harbour. | Photo: Ann Lee", "By Ann Lee | 3 June 2024",  # pipes, no table
             "Fares", "Route | Before | After", "---|---|---", "Quay | £7 | £7.70", "Pier | £5 | £5.50"]
    assert split_page("\n".join(piped + ["The rise starts in June."] * 3), "auto")[:4] == [
        piped[0], piped[1], "Fares", "\n".join(piped[3:])]


def test_unknown_split_mode_is_an_input_error():
    with pytest.raises(InputError, match="unknown split mode 'words'"):
        split_page("a", "words")


def test_auto_rejoins_a_link_split_across_a_blank_line():
    text = "[![A crane](crane.jpg)\n\n#### Cranes return](https://birds.example/cranes)\n\nNext \\[block"
    assert split_page(text, "auto") == [
        "[![A crane](crane.jpg)\n#### Cranes return](https://birds.example/cranes)", "Next \\[block"]
    assert canonical(split_page(text, "auto")[0]) == "[Cranes return](https://birds.example/cranes)"
    assert split_page(text, "blank") == text.split("\n\n")


def test_auto_rejoins_a_line_broken_before_a_long_link():
    text = WRAPPED_PAGE + (
        "\n\nFollow the harbour authority for updates on\n"
        "[Facebook](https://social.example/harbour-authority-official-page-for-updates)"
    )
    assert split_page(text, "auto")[-1] == (
        "Follow the harbour authority for updates on "
        "[Facebook](https://social.example/harbour-authority-official-page-for-updates)")


def test_auto_rejoins_pieces_of_a_sentence_cut_at_inline_elements():
    # BeautifulSoup get_text("\n\n"): a blank line around every inline element.
    text = "The \n\nferry\n\n resumed on Tuesday.\n\n\n\nHome » \n\nNews\n\n  * One \n\n  * Two"
    assert split_page(text, "auto") == ["The ferry resumed on Tuesday.", "Home » ", "News", "  * One ", "  * Two"]



@pytest.mark.parametrize("separator", ["\n\n", "\n"])
def test_auto_rejoins_a_sentence_whose_pieces_lost_their_spaces(separator):
    # get_text(separator, strip=True) and Scrapy's stripped text nodes: no space marks a cut.
    # A piece ending in a word no sentence ends in goes on; punctuation a line never opens
    # with goes on; anything else may be an element of its own (a comment, an ingredient).
    pieces = ["Ferry fares", "By", "Ann Lee", "3 June 2024",  # a byline's parts: kept apart
              "At dawn the waiting room of the", "Harbour Clinic", "holds a courier with a cough she has had",
              "since June", ", and a driver.", "Fares rise in June.", "salt and pepper", "fresh parsley"]
    lines = pieces * (2 if separator == "\n" else 1)  # (ten lines or more: a page of lines)
    expected = ["Ferry fares", "By", "Ann Lee", "3 June 2024",
                "At dawn the waiting room of the Harbour Clinic", "holds a courier with a cough she has had",
                "since June, and a driver.", "Fares rise in June.", "salt and pepper", "fresh parsley"]
    assert split_page(separator.join(lines), "auto") == expected * (2 if separator == "\n" else 1)
    headings = ["Ein Bürgermeister kündigt seinen Rücktritt an", "Er geht im Mai.", "## Le prix de l'or", "En un an.",
                "Une saison en or", "Par Camille Duret"]
    assert split_page("\n\n".join(headings), "auto") == headings  # German "an", French "l'or", a heading
    linked = "The harbour [board](#) voted on the\n\nnew fares\n\nby [Ann Lee](#)"  # link markup: no such seam
    assert split_page(linked, "auto") == linked.split("\n\n")
    # a line opening with a space (Scrapy's text nodes) or a quote (Swedish ”) is its own
    spaced = [" Home ", " Ferry fares rise ", "”Vi kunde ha köpt båten”, säger hon.", "Fares rise."] * 3
    assert split_page("\n".join(spaced), "auto") == spaced
    assert split_page("The rate rose to 3\n\n.5 per cent at 6\n\n:45 today.", "auto") == [
        "The rate rose to 3.5 per cent at 6:45 today."]


FLAT_STORY = ("Home News Sport Business Travel Opinion Ferry fares rise by ten per cent By Ann Lee 3 June 2024 The harbour board voted on "
              "Monday to raise ferry fares. Dr. Ruiz, who chairs it, said fuel costs had doubled since Sept. 2022. "
              "“We had no choice,” she said. A return ticket will cost £7.70 from June. Season tickets will not change. ")


def test_auto_cuts_a_page_flattened_to_one_line_at_its_sentences():
    # get_text(" ", strip=True), Scrapy's text joined with spaces: no line break is left.
    page = FLAT_STORY * 7
    assert len(page) >= segmentation.MIN_FLATTENED_CHARS
    blocks = split_page(page, "auto")
    assert blocks[:6] == [
        "Home News Sport Business Travel Opinion Ferry fares rise by ten per cent By Ann Lee 3 June 2024 The harbour "
        "board voted on Monday to raise ferry fares.", "Dr. Ruiz, who chairs it, said fuel costs had doubled since Sept. 2022.",
        "“We had no choice,” she said.", "A return ticket will cost £7.70 from June.", "Season tickets will not change.",
        blocks[0]]
    assert len(blocks) == 35 and len(split_page(page, "blank")) == 1
    assert split_page(FLAT_STORY, "auto") == [FLAT_STORY]  # a short one is a block
    brief = FLAT_STORY * 3  # a brief's page: 984 characters, then one more sentence
    assert split_page(brief, "auto") == [brief]
    brief += "The board meets again in July. "
    assert len(brief) >= segmentation.MIN_FLATTENED_CHARS and len(split_page(brief, "auto")) == 16
    paragraph = FLAT_STORY.replace("Home News Sport Business Travel Opinion ", "") * 7
    assert split_page(paragraph, "auto") == [paragraph]  # with no menu, a long paragraph is one block


def test_auto_cuts_a_flattened_page_in_cyrillic_chinese_or_with_opening_quotes_at_its_sentences():
    russian = ("Главная Новости Спорт Экономика Культура Мнения Паромы дорожают Автор: Анна Руис Совет гавани "
               "в понедельник поднял цены на паромы. «У нас не было выбора», — сказала председатель. Билет "
               "туда и обратно будет стоить больше с июня. Сезонные билеты не изменятся. ")
    blocks = split_page(russian * 5, "auto")
    assert blocks[1:4] == ["«У нас не было выбора», — сказала председатель.",
                           "Билет туда и обратно будет стоить больше с июня.", "Сезонные билеты не изменятся."]
    chinese = ("首页 新闻 体育 财经 科技 评论 渡轮票价上涨 记者 李安 港务局周一投票决定上调渡轮票价。"
               "主席说燃料成本翻了一番。往返票价将从六月起上涨。季票价格保持不变。") * 13
    blocks = split_page(chinese, "auto")
    assert len(chinese) >= segmentation.MIN_FLATTENED_CHARS and blocks[1:4] == [
        "主席说燃料成本翻了一番。", "往返票价将从六月起上涨。", "季票价格保持不变。"]
    assert split_page(chinese.replace("首页 新闻 体育 财经 科技 评论 ", ""), "auto") == [
        chinese.replace("首页 新闻 体育 财经 科技 评论 ", "")]  # no menu: one long paragraph
    # a Japanese quotation ends with its 」, and a particle after it goes on with the sentence
    assert segmentation.sentences("市長は「フェリーは来年の春に来る。」と述べた。記者は「本当ですか。」") == [
        "市長は「フェリーは来年の春に来る。」と述べた。", "記者は「本当ですか。」"]
    spanish = ("Inicio Noticias Deportes Economía Cultura Opinión Suben los ferris Por Ana Ruiz El puerto votó "
               "el lunes subir las tarifas. ¿Había otra opción? «No la había», dijo la presidenta. Él lo "
               "confirmó. „So ist es“, sagte sie. ") * 5
    assert split_page(spanish, "auto")[1:5] == ["¿Había otra opción?", "«No la había», dijo la presidenta.",
                                                "Él lo confirmó.", "„So ist es“, sagte sie."]


def test_a_sentence_that_starts_with_an_accented_capital_of_any_cased_script_is_a_sentence():
    # Polish, Czech, Romanian, Vietnamese and Greek capitals beyond Latin-1 ("Ł", "Š", "Ș", "Đ", "Ό")
    # start a sentence as "A" does; a drop cap among them is read as one.
    for first, second in (("Rada zebrała się wczoraj.", "Łukasz Nowak powiedział, że to dobrze."),
                          ("Přístav zdražil lodě.", "Šárka Dvořáková to potvrdila."),
                          ("Consiliul a votat luni.", "Ștefan Ionescu a confirmat."),
                          ("Hội đồng đã bỏ phiếu.", "Đức Nguyễn xác nhận điều đó."),
                          ("Το λιμάνι αύξησε τις τιμές.", "Όλοι συμφώνησαν.")):
        assert segmentation.sentences(f"{first} {second}") == [first, second]
    assert split_page("Ł\n\nukasz Nowak spent Monday at the harbour, with the board.", "auto") == [
        "Łukasz Nowak spent Monday at the harbour, with the board."]
    # an initial is no sentence's end; and on a page cut at its elements, a sentence that ended
    # before one indented under such a capital is not joined to it
    assert segmentation.sentences("Přišel Š. Dvořák včera. Pak odešel.") == ["Přišel Š. Dvořák včera.", "Pak odešel."]
    cut = "The board voted \n\nferry fares\n\n up.\n\nRada zebrała się wczoraj.\n\n Łukasz Nowak powiedział."
    assert split_page(cut, "auto") == ["The board voted ferry fares up.", "Rada zebrała się wczoraj.",
                                       " Łukasz Nowak powiedział."]

def test_a_page_of_citations_is_read_in_one_pass():
    from classifier.dialects import resolve_citations

    # each citation reads only the text since the one before it (and at most 200 characters of it)
    assert resolve_citations("x⟨1⟩ " * 30_000) == "[x](#) " * 30_000
    assert resolve_citations("a" * 100_000 + " b⟨1⟩ c") == "a" * 100_000 + " [b](#) c"
    assert resolve_citations("⟨1⟩" * 30_000) == ""


def test_auto_joins_a_table_cut_cell_by_cell():
    # get_text("\n\n") writes each table cell as a block; a run of short cells, a quarter of
    # them numbers or a column's marks, is the table, one block. A menu's run of short links
    # has no numbers and stays apart, as does a run too short to be a table.
    story = "The council \n\nvoted\n\n on the budget. Turnout was low."
    cells = ["Ward", "Votes", "Share", "North", "1,204", "41%", "South", "988", "—"]
    menu = ["Home", "News", "Sport", "Weather", "Travel", "Culture", "Opinion", "Contact", "About"]
    page = "\n\n".join([story, *cells, "Figures from the clerk's office.", *menu, "Ward", "12"])
    assert split_page(page, "auto") == ["The council voted on the budget. Turnout was low.", " | ".join(cells),
                                        "Figures from the clerk's office.", *menu, "Ward", "12"]
    # a page with no cut sentence is no element-a-block page: its short blocks are its own
    assert split_page("\n\n".join(["The budget passed.", *cells]), "auto") == ["The budget passed.", *cells]
    assert segmentation.TABLE_CELL_SEPARATOR == " | "


def test_auto_joins_a_cut_table_with_a_column_of_text():
    # A text cell ("2 goals, 1 assist.") in each row: three or more text cells a row apart are
    # a column, so they are the table's, up to the last row's; a piece that breaks the step
    # (a sentence two cells after a row) ends the table. Two text cells far apart (a long
    # header, then the table's source line) are no column: the source line stays apart.
    story = "The council \n\nvoted\n\n on the budget."
    header = ["Pos", "Player", "Plays", "Share", "Notes"]
    rows = [["FW", "Ann Cole", "90", "100%", "2 goals, 1 assist."], ["FW", "Bo Diaz", "61", "68%", "No shots."],
            ["MF", "Cy Eng", "13", "14%", "1 goal from a corner."], ["MF", "Di Fox", "6", "7%", "1 booking."]]
    cells = header + [cell for row in rows for cell in row]
    after = "The defence had eleven hits on the quarterback, and still lost the game by a field goal in the end."
    page = "\n\n".join([story, *cells, after])
    assert split_page(page, "auto") == ["The council voted on the budget.", " | ".join(cells), after]
    broken = "\n\n".join([story, *cells[:-1], "Home", "A stray line of text.", "Menu", after])
    assert split_page(broken, "auto") == ["The council voted on the budget.", " | ".join(cells[:-1]),
                                          "Home", "A stray line of text.", "Menu", after]
    three = header + [cell for row in rows[:3] for cell in row]  # three rows are a column
    assert split_page("\n\n".join([story, *three, after]), "auto")[1] == " | ".join(three)
    padded = [f"{cell}\xa0" if cell == "90" else cell for cell in three]  # a cell's own spaces are left out of the table
    assert segmentation._join_cut_tables(padded) == [" | ".join(three)]
    # one short cell a row beside its line of text is a list of numbered notes, not a table
    notes = ["Note", "Text", "Kind"] + [cell for n in range(1, 7) for cell in (str(n), f"See the {n} footnote here.")]
    assert split_page("\n\n".join([story, *notes]), "auto")[1:] == notes
    table = ["Area", "Uptake at two years", "Target", "Galway", "89%", "95%", "Mayo", "87%", "95%", "Clare", "90%", "95%"]
    source = "Source: the immunisation office, 2025"
    sourced = "\n\n".join([story, *table, source, after])
    assert split_page(sourced, "auto") == ["The council voted on the budget.", "Area", "Uptake at two years",
                                           " | ".join(table[2:]), source, after]


def test_auto_rejoins_a_sentence_at_the_space_between_two_inline_elements():
    # "<em>previously unknown</em> <strong>hydrothermal vents</strong>": get_text writes the
    # space between them as a piece of one space, blank lines either side. Going on in lower
    # case, the sentence is one; a paragraph after one that ended, or a capital, is not.
    text = ("The survey revealed \n\nvolcanoes\n\n and \n\npreviously unknown\n\n \n\nhydrothermal vents\n\n, said the "
            "lead author.\n\n \n\nthird paragraph.\n\nNew Zealand\n\n \n\nTimes")
    assert split_page(text, "auto") == [
        "The survey revealed volcanoes and previously unknown hydrothermal vents, said the lead author.",
        "third paragraph.", "New Zealand", "Times"]


def test_auto_leaves_a_live_blogs_posts_and_cut_code_as_they_came():
    # A live blog cut one element a block: a time, a heading and a post, again and again, come
    # a "row" apart as a table's text column does, but with no header row: no table. And a
    # run of short pieces that is no table keeps each piece as it was (a line of code its indent).
    seam = "Crews worked \n\novernight\n\n to clear the line."
    posts = []
    for time, heading in [("09:42", "Ferries cancelled"), ("09:15", "Schools shut"), ("08:50", "Roads closed"),
                          ("08:20", "Trains halted")]:
        posts += [time, heading, f"All {heading.split()[0].lower()} are affected until noon, officials said."]
    assert split_page("\n\n".join([seam, *posts]), "auto") == ["Crews worked overnight to clear the line.", *posts]
    code = ["def parse(value):", "    for fmt in FORMATS:", "        try:", "            return strptime(value, fmt)",
            "        except ValueError:", "            pass", "    raise ValueError(value)"]
    assert split_page("\n\n".join([seam, *code]), "auto")[1:] == code


def test_auto_keeps_a_block_that_ends_in_a_stray_space_apart():
    # Markdown exports leave a space after a byline or an image (trafilatura writes a figure's
    # image "![](src) "). With no piece on the page that starts as only a cut sentence does,
    # the space is no cut.
    page = "By Ada Moss \n\n![](https://img.example/pond.jpg) \n\nThe old quarry pond will become a park."
    assert split_page(page, "auto") == page.split("\n\n")
    cut = page + "\n\nThe council voted \n\nfour to one\n\n, with one absent."  # a get_text page: its seams
    assert split_page(cut, "auto") == ["By Ada Moss ![](https://img.example/pond.jpg) The old quarry pond will become a park.",
                                       "The council voted four to one, with one absent."]
    assert segmentation._segment_joining_fragments_slowly(page) == page.split("\n\n")


def test_auto_leaves_out_blocks_of_html_tags_alone():
    # pandoc's gfm keeps a page's wrappers on lines of their own: no text, no block. (A
    # comment or an image is a block: the corpus labels them.)
    page = ('<div class="story">\n\n# Pond to become a park\n\n<div class="byline">\n\n'
            '<span class="author">By [Ada Moss](https://a.example/ada)</span>\n\n</div>\n\n<!-- ad slot -->\n\n'
            '<img src="pond.jpg" alt="The pond">\n\nThe old quarry pond will become a park.\n\n</DIV>\n</section>')
    assert split_page(page, "auto") == [
        "# Pond to become a park", '<span class="author">By [Ada Moss](https://a.example/ada)</span>',
        "<!-- ad slot -->", '<img src="pond.jpg" alt="The pond">', "The old quarry pond will become a park."]
    assert split_page("<div>\n\n</div>", "auto") == ["<div>", "</div>"]  # all markup: left as it is
    assert split_page(page, "blank")[0] == '<div class="story">'  # blank splits at blank lines, nothing more


def test_auto_rejoins_pieces_cut_before_closing_punctuation_and_after_opening():
    # A link's text is its own piece in get_text("\n\n"), and the punctuation after it
    # starts the next piece with no space: "Otters" / "’ den", "report" / ", and".
    text = ("Rangers counted the Otters\n\n’ den on the river and read the \n\nreport\n\n"
            ", and a map (\n\nsee here\n\n).\n\n...\n\n![Otter](otter.jpg)")
    assert split_page(text, "auto") == [
        "Rangers counted the Otters’ den on the river and read the report, and a map (see here).",
        "...", "![Otter](otter.jpg)"]
    assert split_page("Otters\n\n\n\n, and", "auto") == ["Otters", ", and"]  # two blank lines: no seam


def test_auto_rejoins_pieces_cut_before_or_after_an_arabic_comma_or_semicolon():
    # get_text("\n\n") of an Arabic paragraph with a link: the comma after the link, "،"
    text = "وافق مجلس \n\nالمدينة\n\n، يوم الثلاثاء، على الميزانية\n\n؛ وقال رئيس المجلس \n\nإن القرار نهائي."
    assert split_page(text, "auto") == ["وافق مجلس المدينة، يوم الثلاثاء، على الميزانية؛ وقال رئيس المجلس إن القرار نهائي."]


def test_auto_rejoins_pieces_cut_at_a_no_break_space_or_a_straight_quote():
    # get_text keeps an "&nbsp;" beside a link as a no-break space; a linked title in straight
    # quotes leaves the opening quote after a space and the closing one before punctuation.
    text = ("Rangers have counted \n\notters\n\n\u00a0on the river since May.\n\n\n\n"
            'Read the warden\'s report, "\n\nOtters of the Weir\n\n" (Harbour Press, 2024).\n\n\n\n'
            '"Quoted on its own"\n\n\n\n"\n\nA title"')
    assert split_page(text, "auto") == [
        "Rangers have counted otters\u00a0on the river since May.",
        'Read the warden\'s report, "Otters of the Weir" (Harbour Press, 2024).',
        '"Quoted on its own"', '"A title"']
    # A paragraph indented by one no-break space opens with a capital: no cut.
    indented = "The ferry resumed on Tuesday.\n\n\u00a0Fares rise in June."
    assert split_page(indented, "auto") == indented.split("\n\n")


@pytest.mark.parametrize("rule", [".story p { margin: 0 }", ":root{--brand:#0a5}"])
def test_auto_keeps_a_css_rule_apart_from_the_script_before_it(rule):
    # A scraper that keeps <script> and <style> text: a script ends in ";" or ")", and a
    # style starts with "." or ":" before a letter, which no piece of a cut sentence does.
    script = "gtag('config', 'G-7QK2M4');"
    assert split_page(f"{script}\n\n{rule}", "auto") == [script, rule]
    assert split_page("read the report\n\n. Then\n\nMore\n\n: here", "auto") == ["read the report. Then", "More: here"]


def test_auto_cuts_a_block_where_the_indentation_changes():
    # inscriptis indents by nesting depth, with no blank line between <div> elements.
    text = ("        Otters return to the river\n"
            "          By Jo Park | River News\n"
            "              * Share\n"
            "              * Mail\n"
            "          Rangers counted nine otters this spring.\n"
            "          The last survey found four.")
    assert split_page(text, "auto") == [
        "        Otters return to the river",
        "          By Jo Park | River News\n              * Share\n              * Mail",
        "          Rangers counted nine otters this spring.\n          The last survey found four.",
    ]


@pytest.mark.parametrize("text", [
    "1. [Otters return\n   Nine were counted.](/otters)\n2. [Cranes](/cranes)",  # a list item's continuation
    "Write to us:  \n vortex@river.example",  # a markdown hard break, then a one-space indent
    "Otters return\n Nine were counted.",  # one space is no step of depth
])
def test_auto_keeps_markdown_indentation_in_its_block(text):
    assert split_page(text, "auto") == [text]


def test_auto_keeps_code_a_scraper_kept_whole_though_it_is_indented():
    # A pretty-printed script or JSON-LD (lxml's text_content() keeps <script> text) is one
    # block: its indentation is nesting, not inscriptis's elements.
    script = ("googletag.cmd.push(function () {\n"
              "  googletag.defineSlot('/2193/otters/mid', [300, 250], 'ad-mid')\n"
              "      .addService(googletag.pubads());\n"
              "});")
    json_ld = '{\n  "@type": "NewsArticle",\n  "author": {\n    "name": "Jo Park"\n  }\n}'
    assert split_page(f"{script}\n\n{json_ld}", "auto") == [script, json_ld]


def test_auto_reads_no_style_sheet_lines_as_paragraphs_a_line():
    # Four long lines of a kept <style> are code, not a page written a paragraph a line.
    style = (".story-body p{font-size:1.1rem;line-height:1.6;margin:0 0 1.2em}\n"
             ".story-body figure{margin:2rem 0;border-bottom:1px solid #ddd}\n"
             ".story-body figcaption{font-size:.85rem;color:#555;padding-top:.4rem}\n"
             "@media (max-width:640px){.story-body p{font-size:1rem;line-height:1.5}}")
    paragraphs = ["Rangers counted nine otters on the upper river this spring, up from four.",
                  "The survey ran for six weeks and covered the whole valley for the first time.",
                  "Volunteers will repeat it next year with cameras at the old weir."]
    assert split_page("\n\n".join([style, *paragraphs]), "auto") == [style, *paragraphs]


def test_auto_leaves_a_table_laid_out_in_columns_unwrapped():
    # inscriptis pads a table's cells into columns; its rows are not hard-wrapped prose.
    table = ("  River    Otters counted  Survey\n"
             "  Avon     9               Nine seen on the upper reach in spring\n"
             "  Severn   4               Four seen near the weir\n"
             "  Thames   12              Twelve seen, three of them cubs, by rangers\n"
             "  Wye      2               Two seen at dusk below the old bridge")
    assert split_page(table, "auto") == [table]


@pytest.mark.parametrize("unit", ["word \n\n", "(\n\n", "\n\n, x"])
def test_a_page_of_seams_is_read_whole(unit):
    # Each seam reads only the last piece's end, so 100 KB of seams is one linear pass. (The
    # first block shows a piece that starts as a cut one, which makes a space at an end a cut.)
    seams = unit * (100_000 // len(unit))
    assert split_page("a\n\n, b\n\n\n\n" + seams, "auto") == ["a, b", seams.replace("\n", "").strip("\n")]

def test_auto_puts_a_fenced_code_block_apart_from_the_text_around_it():
    # trafilatura's markdown puts no blank line after a closing fence
    page = "Run this:\n```\nls -l\n```\nThat lists the files.\n\nDone."
    assert split_page(page, "auto") == ["Run this:", "```\nls -l\n```", "That lists the files.", "Done."]
    assert split_page("```\nunclosed\nText", "auto") == ["```\nunclosed\nText"]


def test_unwrapping_keeps_a_hard_break_after_a_joined_line_and_a_tables_rule():
    wrapped = ("The two members who voted no said the city had not done enough to plan for the\n"
               "detour, which will send traffic two miles north to the Carver Avenue crossing.  \n"
               "Lang said small businesses on the west bank would bear the brunt of it.\n\n")
    table = "| Source               | Amount        |\n|----------------------|---------------|\n| Federal bridge grant | $36.0 million |"
    blocks = split_page(wrapped * 6 + table, "auto")
    assert blocks[0] == ("The two members who voted no said the city had not done enough to plan for the detour, which "
                         "will send traffic two miles north to the Carver Avenue crossing.\nLang said small businesses on "
                         "the west bank would bear the brunt of it.")  # html2text's <br>: two trailing spaces
    assert blocks[-1] == table  # (pandoc's gfm: the rule under the header row is no wrapped line)


def test_a_sentence_after_a_blank_line_and_the_sources_indent_is_a_block_of_its_own():
    # lxml's text_content() keeps the indentation the page's source had; get_text's cut
    # pieces (" spent Monday") go on with the sentence before them
    page = "It chose three routes.\n\n A signed detour;\n A free shuttle boat.\n\nIt approved all three."
    assert split_page(page, "auto") == ["It chose three routes.", " A signed detour;\n A free shuttle boat.",
                                        "It approved all three."]
    assert split_page("The \n\nSteelers\n\n spent Monday at home.", "auto") == ["The Steelers spent Monday at home."]
    # no sentence ends in a colon, an abbreviation or initials: get_text's cuts there go on
    for cut in ("By:\n\n Jane Doe", "He met \n\nSen.\n\n Warren today.", "Funds from the U.S.\n\n Treasury came.",
                "Asked Prof.\n\n Smith.", "Photo:\n\n John Smith/AP"):
        assert len(split_page(cut, "auto")) == 1, cut


def test_auto_keeps_a_fenced_block_with_blank_lines_whole_and_never_unwraps_code():
    code = "```python\nimport os\n\ndef main():\n    return os.getcwd()\n\n\nmain()\n```"
    page = f"Call it so:\n\n{code}\n\nThat prints the folder."
    expected = ["Call it so:", "```python\nimport os\ndef main():\n    return os.getcwd()\nmain()\n```",
                "That prints the folder."]
    assert split_page(page, "auto") == expected  # blank lines dropped, as the HTML reader drops them
    wrapped = ("The tool prints how long each import takes, which helps when a command starts slowly for\n"
               "no clear reason and you want to see which module is to blame:\n\n")
    assert split_page(wrapped * 6 + code + "\n\n" + wrapped, "auto")[6] == expected[1]  # a hard-wrapped page's
    indented = "    $ python -X importtime -c 'import tool' 2> imports.log\n    $ sort -n imports.log | tail -5"
    assert split_page(wrapped * 6 + indented + "\n\n" + wrapped, "auto")[6] == indented
    # a fence no later block closes joins nothing, nor does a line that closes its own
    assert split_page("One\n\n~~~~~~~~\n\nTwo\n\nThree", "auto") == ["One", "~~~~~~~~", "Two", "Three"]
    assert split_page("Run ```npm i x```\n\nNext\n\nMore", "auto") == ["Run ```npm i x```", "Next", "More"]
    # a loose list item's second paragraph, indented under it and wrapped, is prose: unwrapped
    item = ("    She added that the fares would rise by ten per cent from the first of June\n"
            "    and that the council would review them again next spring.")
    unwrapped = split_page(wrapped * 6 + item + "\n\n" + wrapped, "auto")[6]
    assert "\n" not in unwrapped and unwrapped.endswith("next spring.")
    marked = "[code]\n\n    $ make\n    $ make install\n\n[/code]"  # html2text --mark-code
    assert split_page(f"Build it:\n\n{marked}\n\nDone.", "auto") == [
        "Build it:", "```\n    $ make\n    $ make install\n```", "Done."]


def test_a_paragraph_of_thousands_of_wrapped_lines_is_unwrapped_whole():
    # Each output line is built once from its pieces, not copied at every line joined.
    import textwrap

    paragraph = " ".join(["The harbour board voted to raise the ferry fares again"] * 12_000)
    assert split_page(textwrap.fill(paragraph, 78) + "\n\nFares rise in June.", "auto") == [paragraph,
                                                                                       "Fares rise in June."]


@pytest.mark.parametrize("separator", ["\n\n", "\n"], ids=["get_text('\\n\\n', strip=True)", "get_text('\\n', strip=True)"])
def test_stripped_pieces_after_a_comma_a_dateline_dash_or_a_drop_cap_go_on(separator):
    # get_text(strip=True) takes the spaces out of the seams: a piece that ends in a comma or
    # a dash set apart goes on, and so does a paragraph after its drop cap
    pieces = ["Lighthouse keepers", "By Ana Ruiz", "BOSTON, April 7, 2026 /Newswire/ --",
              "Norvane Bio said on Tuesday that its trial met its goal.", "T",
              "he supply boat comes every second Thursday.", "Ana Ruiz is a writer in Glasgow. Her first book,",
              "Salt Roads", ", is out next year.", "— Advertisement —", "Most read", "A", "B"]
    assert split_page(separator.join(pieces), "auto") == [
        "Lighthouse keepers", "By Ana Ruiz",
        "BOSTON, April 7, 2026 /Newswire/ -- Norvane Bio said on Tuesday that its trial met its goal.",
        "The supply boat comes every second Thursday.",
        "Ana Ruiz is a writer in Glasgow. Her first book, Salt Roads, is out next year.",
        "— Advertisement —", "Most read", "A", "B"]


def test_a_page_of_lines_joined_at_stripped_seams_is_read_whole():
    # 20,000 lines that each go on into the next, one part: built once, not copied per line.
    assert split_page("word of the\n" * 20_000, "auto") == [" ".join(["word of the"] * 20_000)]

_PIECES = ["a", "b ", " ", "\n", "\n\n", "\n \n", "\u00a0", "\t", "\r\n", "- ", "Word ", " word", ", ", ".", "..", "(", "’", "[x](y)", "x" * 45,
           '"', ' "', '" ', "\u00a0word", "word\u00a0", "T", "he", "word,", " --", "— ", " —"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=40).map("".join))
def test_the_one_regex_segmentation_agrees_with_the_line_loop(text):
    """A page with no seam candidate is split by one regex; the line loop is the definition."""
    assert segmentation._segment_joining_fragments(text) == segmentation._segment_joining_fragments_slowly(text)


# The last is a paragraph of prose: longer than any line a table's text column may hold
# (segmentation.MAX_TEXT_CELL_WORDS), so no run of cells around it may take it in.
_CELLS = ["FW", "90", "68%", "—", "Ann Cole", "Home", "2 goals, 1 assist.", "No shots.", "Source: the clerk's office, 2025",
          "Ann Cole played every minute and scored the goal that ended the game, which the coach said was the best "
          "he had seen from a rookie all year, and the crowd stayed on long after the whistle to cheer the side off."]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_CELLS), max_size=60))
def test_joining_a_cut_table_keeps_every_piece_in_order(pieces):
    """Whatever runs of cells, text cells and prose come, the table join only joins: every
    piece comes out once, in order, and no block of prose is taken into a table."""
    out = segmentation._join_cut_tables(pieces)
    assert [cell for block in out for cell in block.split(segmentation.TABLE_CELL_SEPARATOR)] == pieces
    assert _CELLS[-1] in out or _CELLS[-1] not in pieces


def test_auto_splits_every_corpus_page_as_its_labelled_blocks():
    """The corpus's pages are in the form blank lines split; none of auto's repairs may
    touch them (a repair that does would cut or join real blocks of real pages)."""
    import json

    from conftest import TRAINING_DATA

    pages: dict[str, list[str]] = {}
    for path in TRAINING_DATA:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            pages.setdefault(f"{path.name}/{record['page']}", []).append(record["text"])
    assert [name for name, texts in pages.items() if split_page("\n\n".join(texts), "auto") != texts] == []


@pytest.mark.parametrize("blocks", [
    ["„Wir haben gut gespielt“", "sagte der Trainer nach dem Spiel."],   # a German closing quote
    ["Mine says $119 now :(", "### Leave a Reply"],                      # a face, not a bracket
    ["Skip to content", "%%SITE_TAGLINE%%"],                             # a template's leftover
    ["```\nfn main() {\n    run();\n}\n```", "Then build it."],          # code keeps its indentation
])
def test_auto_leaves_blocks_that_only_look_like_fragments(blocks):
    assert split_page("\n\n".join(blocks), "auto") == blocks


@pytest.mark.parametrize("text, expected", [
    ('<figure><img src="/jam.jpg" alt="x"><figcaption>Jars on a table</figcaption></figure>', "Jars on a table"),
    ('Read <a href="https://a.example/jam">our story</a> and <b>more</b>.', "Read [our story](https://a.example/jam) and more."),
    ('<img src="/jam.jpg" alt="Jars on a table">', "Jars on a table"),
    ("Use the <b> tag for bold, and x < y > z", "Use the <b> tag for bold, and x < y > z"),  # prose naming a tag
    ("12 Mill Road,\\\nDayton, Ohio", "12 Mill Road,\nDayton, Ohio"),  # CommonMark's backslash line break
    # a list's or a quote's lines are read one by one: its items stay apart
    ('- Jam <em class="n">new</em>\n- [Pickles](/p)\n1. <a href="/b">Bread</a>', "- Jam new\n- [Pickles](/p)\n- [Bread](/b)"),
    ('> Said <span class="q">twice</span>\n> and again', "> Said twice\n> and again"),
])
def test_raw_html_and_backslash_breaks_in_a_markdown_block_are_read_as_text(text, expected):
    assert canonical(text) == expected
    assert canonical(expected) == expected


def test_a_hard_wrapped_chinese_or_japanese_paragraph_is_rejoined_with_no_space():
    lines = ["気象庁によると、今年は2月下旬から気温が平年を大きく上回る日が続き、つぼみの生育が進んだ。担当者は「週",
             "末にかけて暖かい日が続くため、一気に咲き進むだろう」と話している。満開は1週間から10日後の見込みだ",
             "という。東京の桜の開花日はこの70年で約1週間早まっている。"]
    english = ["The council voted on Tuesday to approve the budget after a long debate that",
               "ran late into the night, and members said the plan would fund new bike lanes",
               "on Main Street and a second bridge over the river by the end of next year."]
    page = "\n".join(lines) + "\n\n" + "\n".join(english) + "\n\n" + "\n".join(english)
    assert split_page(page, "auto") == ["".join(lines), " ".join(english), " ".join(english)]


@pytest.mark.parametrize("pieces, joined", [
    (["Sie nennen den Plan „", "unhaltbar", "“. Dann gingen sie."], "Sie nennen den Plan „unhaltbar“. Dann gingen sie."),
    (["Un calendrier «\u202f", "intenable", "\u202f» pour la réforme."], "Un calendrier «\u202fintenable\u202f» pour la réforme."),
    (["Lo calificó de «", "inasumible", "» y se fue."], "Lo calificó de «inasumible» y se fue."),
    (["Preguntan: ¿", "quién pagará", " la reforma?"], "Preguntan: ¿quién pagará la reforma?"),
    (["会社員の女性は「", "間に合ってよかった", "」と笑顔で話した。"], "会社員の女性は「間に合ってよかった」と笑顔で話した。"),
    (["全国の開花予想", "は随時更新している。"], "全国の開花予想は随時更新している。"),
])
def test_auto_rejoins_cuts_at_other_languages_quotes_and_particles(pieces, joined):
    # get_text("\n\n") cuts a sentence at its inline elements; the page shows one cut of the
    # English kind too (" spent"), so it is read as such a page
    page = "\n\n".join(["The ", "ferry", " resumed on Tuesday.", *pieces])
    assert split_page(page, "auto") == ["The ferry resumed on Tuesday.", joined]


def test_chinese_or_japanese_paragraphs_a_line_are_split_at_their_full_stops():
    paragraphs = ["城市地铁五号线今天上午正式开通运营，全长二十八公里，共设二十一座车站，其中换乘站六座。",
                  "市交通局表示，新线路将使东西城区之间的通勤时间缩短约四十分钟，预计日均客流量超过三十万人次。",
                  "沿线居民对新线路开通普遍表示欢迎，但也有不少人担心早晚高峰时段车厢过于拥挤，希望运营方增加列车班次！",
                  "交通局回应称，将根据开通后一个月的客流数据调整运营方案，必要时在早晚高峰加开列车。",
                  "昨年春に工房を開いた村上さんは「家賃が手ごろで、職人同士のつながりもできる。」"]
    assert split_page("\n".join(paragraphs) + "\n") == paragraphs


def test_pandocs_markdown_is_read_without_its_div_fences_and_attributes():
    from classifier.readers.pages import text_pages

    page = ("# Ferry suspended {#ferry-suspended .headline}\n\nCity engineers say the pier had been flagged twice "
            "since 2019.\n\n::: byline\nBy [Marisol Ventura](/staff/mv/){.author}\n:::\n\n::: {#meta .meta}\n"
            "March 14, 2025 [Updated 1:05 p.m.]{.updated}\n:::\n\n![The pier on Friday.](/p.jpg){alt=\"A pier\"}\n\n"
            ":::: story-body\nThe pier collapsed on Friday.\n::::\n")
    assert [b.text for b in next(text_pages(page, "p"))] == [
        "# Ferry suspended", "City engineers say the pier had been flagged twice since 2019.",
        "By [Marisol Ventura](/staff/mv/)", "March 14, 2025 Updated 1:05 p.m.", "![The pier on Friday.](/p.jpg)",
        "The pier collapsed on Friday."]
    plain = "A set {x} in braces, ::: not a fence, and [a link](/x) then {y}."
    assert [b.text for b in next(text_pages(plain, "p"))] == [plain]


def test_html2texts_indented_code_of_a_program_stays_one_block():
    page = ("Here is the helper we use in every service that calls the billing API:\n    \n    \n"
            "    def fetch(url, tries=3):\n        for attempt in range(tries):\n            try:\n"
            "                return session.get(url, timeout=5)\n            except Timeout:\n"
            "                sleep(2 ** attempt)\n        raise GaveUp(url)\n    \n\n"
            "It has saved us from dozens of pages at night since we added it last spring.\n")
    blocks = split_page(page)
    assert len(blocks) == 3 and blocks[1].startswith("    def fetch(url, tries=3):\n") and blocks[1].endswith("raise GaveUp(url)")
    # indented lines of prose (inscriptis's nested elements) are still cut where their depth changes
    assert split_page("Top\n    By Jo Park\n        Share this story\n        Email\n") == [
        "Top", "    By Jo Park", "        Share this story\n        Email"]


def test_auto_ends_a_list_items_paragraphs_at_the_next_items_marker():
    # markdownify writes a list item holding several paragraphs (a live blog's posts) with no
    # blank line between its last paragraph and the next item's marker
    page = ("1. 11:42 a.m.\n\n   The governor sent 1,200 Guard members to the coast.\n\n   — Marcus Hale\n"
            "2. 10:58 a.m.\n\n   > Seek higher ground now.\n   >\n   > — Weather service\n3. 9:15 a.m.\n\n"
            "   Power is out for 180,000 customers.")
    assert split_page(page, "auto") == [
        "1. 11:42 a.m.", "   The governor sent 1,200 Guard members to the coast.", "   — Marcus Hale",
        "2. 10:58 a.m.", "   > Seek higher ground now.\n   >\n   > — Weather service", "3. 9:15 a.m.",
        "   Power is out for 180,000 customers."]
    # a list that begins in the block keeps its items, nested or not, and its lines' text
    tight = "- Ferries\n  - Fares\n  - Timetables\n- Roads"
    assert split_page("Travel\n\n" + tight, "auto") == ["Travel", tight]
    assert split_page("   continued under an item  \n2. Next item", "auto") == [
        "   continued under an item  \n2. Next item"]  # after a hard break: one item's lines


@pytest.mark.parametrize("mode", ["auto", "blank", "line"])
def test_a_line_that_shows_nothing_is_a_blank_line_not_a_block(mode):
    # a CMS's paragraph of one zero-width space, or a direction mark alone on a line
    page = "Ferry fares rise\n\n\u200b\n\nThe board voted.\n\n \u200f \n\nBy Ann Lee\n\n\ufeff\u200b"
    assert split_page(page, mode) == ["Ferry fares rise", "The board voted.", "By Ann Lee"]
    assert split_page("\u200b\n\n\u200e", mode) == []


def test_direction_marks_are_no_part_of_a_blocks_canonical_text():
    # Hebrew and Arabic pages set them at words' edges: they show nothing and say nothing
    assert canonical("\u200fתפריט\u200f | \u200fחדשות\u200f") == "תפריט | חדשות"
    assert canonical("\u2067مرحبا\u2069 بكم\u061c") == "مرحبا بكم"
    assert canonical("Zoë\u200e Lee") == "Zoë Lee"


def test_patterns_rewritten_to_read_a_run_one_way_match_as_they_did():
    # each read a run of spaces, colons or underscores every way there is (quadratic); the
    # old forms here are the oracle
    import random

    from classifier.dialects import _DIV_FENCE, _HEADING_ATTRIBUTES, _ORPHAN_EMPHASIS
    from classifier.readers.pages import _NEXT_LINE
    from classifier.segmentation import _CODE_STATEMENT, _TABLE_DELIMITER

    old = {
        _ORPHAN_EMPHASIS: (re.compile(r"\*{2,}|(?<![\w_])_{2,}|_{2,}(?![\w_])"), "_*a. "),
        _DIV_FENCE: (re.compile(r"^[ ]{0,3}:{3,}(?:[ \t]*(?:\{[^}\n]{0,500}\}|[\w-]+))?[ \t]*:*[ \t]*$", re.M), ": {}.#a-\n"),
        _HEADING_ATTRIBUTES: (re.compile(r"^(#{1,6}[ \t].*?)[ \t]+\{[#.][^{}\n]{0,500}\}[ \t]*$", re.M), "# \t{}.a\n"),
        _CODE_STATEMENT: (re.compile(r"^[ ]{4,}(?:\w[\w.]*\s*[-+*/]?=[^=]|(?:def|class|for|while|if|return|import|"
                                     r"from|try|except|function|var|let|const|public|private)\b|\w[\w.]*\(.*\)[;:]?$|"
                                     r".*[:{;]$)", re.M), " ax(=);:{\n."),
    }
    rng = random.Random(0)
    for new, (pattern, alphabet) in old.items():
        for _ in range(20_000):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
            assert [(m.span(), m.groups()) for m in new.finditer(text)] == \
                [(m.span(), m.groups()) for m in pattern.finditer(text)], (new.pattern, text)
    table = re.compile(r"[ ]*\|?[ ]*:?-{3,}:?[ ]*(?:\|[ ]*:?-{3,}:?[ ]*)*\|?[ ]*$")
    next_line = re.compile(r"\s*\n\s*([^\n]*\S)")
    for _ in range(20_000):
        text = "".join(rng.choice(" |:-a") for _ in range(rng.randint(0, 14)))
        assert bool(_TABLE_DELIMITER.match(text)) == bool(table.match(text)), text
        text = "".join(rng.choice(" \n\ta{") for _ in range(rng.randint(0, 10)))
        for at in range(len(text) + 1):
            got, want = _NEXT_LINE.match(text, at), next_line.match(text, at)
            assert (got and got.group(1).rstrip()) == (want and want.group(1)), (text, at)
