"""The Chair's Statement as plain text, Markdown, a printable HTML page and PDF: the 2024
statement in each format reads like the source document."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from statement_fixtures import (
    SEEDED_SLUG,
    SOURCE_FILE,
    build_open_edition,
    read_record,
    seeded_statement_id,
)

from eventhub.statements import rendering

FURNITURE_LINES = 7  # title repeated, "Share on wechat", QR-code hint (see sources/README)
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]


def source_lines() -> list[str]:
    return SOURCE_FILE.read_text(encoding="utf-8").split("\n")


def source_sections() -> list[list[str]]:
    """Sections I-VIII of the source, each a list of paragraphs without the numeral."""
    sections: list[list[str]] = []
    for line in source_lines()[FURNITURE_LINES + 2:]:
        if not line:
            continue
        match = re.match(r"^([IVX]+)\. (.*)$", line)
        if match:
            sections.append([match.group(2)])
        else:
            sections[-1].append(line)
    return sections


def flat(text: str) -> str:
    """Whitespace (no-break spaces and line breaks included) as single spaces."""
    return " ".join(text.split())


@pytest.fixture
def url(client, seeded) -> str:
    return f"/api/v1/editions/{SEEDED_SLUG}/statements/{seeded_statement_id(client)}"


@pytest.fixture
def view(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_json()


def test_the_source_parser_sees_eight_sections():
    sections = source_sections()
    assert len(sections) == 8
    assert sum(len(s) for s in sections) == 10


# Plain text ---------------------------------------------------------------------------

def fetch_both_ways(client, url: str, fmt: str, mimetype: str):
    """The rendering asked for with ?format= and with Accept: the same body."""
    by_query = client.get(url, query_string={"format": fmt})
    by_accept = client.get(url, headers={"Accept": mimetype})
    for response in (by_query, by_accept):
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["Vary"] == "Accept"
    if fmt != "pdf":  # a PDF carries its creation time
        assert by_query.get_data() == by_accept.get_data()
    return by_query


def test_plain_text_equals_the_source_without_page_furniture(client, url):
    response = fetch_both_ways(client, url, "text", "text/plain")
    lines = source_lines()
    assert response.get_data(as_text=True) == (
        lines[0] + "\n\n" + "\n".join(lines[FURNITURE_LINES + 1:]))


# Markdown -----------------------------------------------------------------------------

_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: backslash + ASCII punctuation


def md_unescape(text: str) -> str:
    return _MD_ESCAPE.sub(r"\1", text).replace("&amp;", "&")


def test_markdown_has_title_dateline_and_every_numbered_paragraph(client, url):
    response = fetch_both_ways(client, url, "markdown", "text/markdown")
    blocks = response.get_data(as_text=True).rstrip("\n").split("\n\n")
    assert blocks[0] == f"# {source_lines()[0]}"
    assert blocks[1] == "*(September 10, 2024, Suzhou, China)*"
    expected = []
    for number, paragraphs in zip(ROMAN, source_sections(), strict=True):
        expected.append(f"**{number}.** {paragraphs[0]}")
        expected.extend(paragraphs[1:])
    assert [md_unescape(block) for block in blocks[2:]] == expected
    # No-break spaces survive; nothing in the 2024 text needs an escape but "&".
    assert "\u00a0" in blocks[7]
    assert "Immigration & Checkpoints Authority" in blocks[3]


def test_markdown_escapes_what_would_become_markup():
    text = ("1. Not a list *or emphasis* _here_, [not a link](http://x) <b>no tag</b> "
            "`code` a\\b &amp; # hash | pipe ~strike~\n# not a heading\n> not a quote\n"
            "- not an item\n+ nor this\n2) nor this")
    view = {"title": "Title #", "dateline": "(May 1, 2025, *Place*)", "language": "en",
            "status": "published", "revision": 1, "published_revision": 1,
            "corrections": [], "sections": [{"number": "I", "paragraphs": [text, text]}]}
    markdown = rendering.render_markdown(view)
    blocks = markdown.rstrip("\n").split("\n\n")
    assert blocks[0] == "# Title \\#"
    assert blocks[1] == "*(May 1, 2025, \\*Place\\*)*"
    second = blocks[3]
    # Every Markdown character in the text is escaped, every line start neutralised.
    for raw in ("*or emphasis*", "_here_", "[not a link]", "<b>", "`code`", "~strike~"):
        assert raw not in second
    lines = second.split("\\\n")
    assert [line[:3] for line in lines] == ["1\\.", "\\# ", "\\> ", "\\- ", "\\+ ", "2\\)"]
    assert "&amp;amp;" in second  # an entity stays text
    # Unescaped, the paragraph reads as written (line breaks kept as hard breaks).
    assert md_unescape(second.replace("\\\n", "\n")) == text


# HTML ---------------------------------------------------------------------------------

class _Page(HTMLParser):
    """Text of the elements a reader and a screen reader see, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.html_lang: str | None = None
        self.title = ""
        self.h1 = ""
        self.style = ""
        self.paragraphs: list[tuple[str, str]] = []  # (class, text)
        self.sections: list[str] = []
        self.items: list[str] = []
        self.tags: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if tag == "section":
            self.sections.append(attributes.get("id", ""))
        if tag in ("p", "li", "title", "h1", "style"):
            self._text = []
        self.stack.append((tag, attributes))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, attributes = self.stack.pop()
            if open_tag == tag:
                break
        text = "".join(self._text)
        if tag == "title":
            self.title = text
        elif tag == "h1":
            self.h1 = text
        elif tag == "style":
            self.style = text
        elif tag == "p":
            self.paragraphs.append((attributes.get("class", ""), text))
        elif tag == "li":
            self.items.append(text)

    def handle_data(self, data):
        self._text.append(data)


def parse_html(body: str) -> _Page:
    page = _Page()
    page.feed(body)
    page.close()
    return page


def test_html_is_a_complete_accessible_printable_page(client, url):
    response = fetch_both_ways(client, url, "html", "text/html")
    body = response.get_data(as_text=True)
    assert body.startswith("<!DOCTYPE html>")
    page = parse_html(body)
    assert page.html_lang == "en"
    title = source_lines()[0]
    assert page.title == title
    assert page.h1 == title
    assert '<meta charset="utf-8">' in body
    assert {"main", "article", "header"} <= set(page.tags)
    # Print: page margins and a readable serif font.
    assert re.search(r"@page\s*\{[^}]*margin", page.style)
    assert re.search(r"font-family:[^;]*serif", page.style)
    assert "@media print" in page.style
    assert page.paragraphs[0] == ("dateline", "(September 10, 2024, Suzhou, China)")
    expected = []
    for number, paragraphs in zip(ROMAN, source_sections(), strict=True):
        expected.append(f"{number}. {paragraphs[0]}")
        expected.extend(paragraphs[1:])
    assert [text for _, text in page.paragraphs[1:]] == expected
    assert page.sections == [f"section-{n}" for n in ROMAN]
    # Quotes and the ampersand are escaped in the markup, not lost.
    assert "&amp; Checkpoints" in body
    assert "&#34;Sub-Forum&#34;" in body or "&quot;Sub-Forum&quot;" in body
    assert "Corrections" not in body  # none were published


def test_html_escapes_markup_in_the_text_and_shows_drafts_as_drafts():
    view = {"title": "A <script>alert(1)</script> title", "dateline": "(Tom & Jerry)",
            "language": "fr", "status": "draft", "revision": 3, "published_revision": None,
            "corrections": [],
            "sections": [{"number": "I", "paragraphs": ['<img src=x onerror="x()"> & "q"']}]}
    body, mimetype = rendering.render(view, "html")
    assert mimetype == "text/html"
    html = body.decode()
    assert "<script>" not in html and "<img" not in html
    page = parse_html(html)
    assert page.html_lang == "fr"
    assert page.title == "A <script>alert(1)</script> title"
    assert ("dateline", "(Tom & Jerry)") in page.paragraphs
    assert ("", 'I. <img src=x onerror="x()"> & "q"') in page.paragraphs
    notice = [text for cls, text in page.paragraphs if cls == "notice"]
    assert notice == ["Draft (revision 3, draft): not the published text."]
    assert "script" not in page.tags and "img" not in page.tags


def test_html_lists_published_corrections_with_their_notes(admin_client, client):
    built = build_open_edition(admin_client)
    statement_url = built.statement_url
    for status in ("in_review", "approved", "published"):
        assert admin_client.post(statement_url + "/status",
                                 json={"status": status}).status_code == 200
    etag = admin_client.get(statement_url).headers["ETag"]
    sections = [{"key": s["key"], "paragraphs": s["paragraphs"]}
                for s in admin_client.get(statement_url).get_json()["sections"]]
    sections[7]["paragraphs"] = ["All attendees expressed their gratitude to China for "
                                 "organizing the <Sub-Forum>."]
    response = admin_client.post(statement_url + "/corrections", headers={"If-Match": etag},
                                 json={"sections": sections,
                                       "note": "Section VIII: \"China\" & the Sub-Forum"})
    assert response.status_code == 201, response.get_json()
    page_response = client.get(statement_url, query_string={"format": "html"})
    assert page_response.status_code == 200
    page = parse_html(page_response.get_data(as_text=True))
    assert len(page.items) == 1
    assert re.fullmatch(r'Revision 2, [A-Z][a-z]+ \d{1,2}, \d{4}: '
                        r'Section VIII: "China" & the Sub-Forum', page.items[0])
    assert page.paragraphs[-1][1] == ("VIII. All attendees expressed their gratitude to China "
                                      "for organizing the <Sub-Forum>.")
    # The first published text stays readable, marked as not the current one.
    first = parse_html(client.get(statement_url, query_string={
        "format": "html", "revision": 1}).get_data(as_text=True))
    assert ("notice", "Revision 1; the current published text is revision 2.") \
        in first.paragraphs
    markdown = client.get(statement_url, query_string={"format": "markdown"}).get_data(
        as_text=True)
    assert "## Corrections" in markdown
    assert "Section VIII: \"China\" & the Sub-Forum" in markdown


# PDF ----------------------------------------------------------------------------------

def pdf_pages(body: bytes) -> tuple[object, list[str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    return reader, [page.extract_text() for page in reader.pages]


def without_footers(pages: list[str]) -> str:
    """The pages' text in order, each page's footer ("2 / 4") checked and removed."""
    total = len(pages)
    texts = []
    for number, text in enumerate(pages, start=1):
        footer = f"{number} / {total}"
        assert text.rstrip().endswith(footer), text[-40:]
        texts.append(text.rstrip()[:-len(footer)])
    return flat(" ".join(texts))


def test_pdf_has_the_whole_statement_page_numbers_and_metadata(client, url):
    response = fetch_both_ways(client, url, "pdf", "application/pdf")
    body = response.get_data()
    assert body.startswith(b"%PDF-")
    reader, pages = pdf_pages(body)
    assert len(pages) >= 2
    title = source_lines()[0]
    assert reader.metadata.title == title
    assert reader.trailer["/Root"]["/Lang"] == "en"
    text = without_footers(pages)
    assert text.startswith(f"{title} (September 10, 2024, Suzhou, China) I. The Sub-Forum")
    for number, paragraphs in zip(ROMAN, source_sections(), strict=True):
        assert flat(f"{number}. {paragraphs[0]}") in text, number
        for paragraph in paragraphs[1:]:
            assert flat(paragraph) in text
    # Sample sentences, section by section, with the names that need Unicode.
    for sentence in ("João António da Costa Dias, Director General of the Migration",
                     "Sándor Gömbös, Director General of the National Directorate-General",
                     "The Sub-Forum had four breakout sessions.",
                     "noted in his speech that it was the first time",
                     "The country also strives to expedite the development",
                     "Global Compact for Safe, Orderly and Regular Migration (GCM)",
                     "As the chair of the Sub-Forum, NIA expressed its gratitude",
                     "looked forward to further strengthening exchanges and cooperation."):
        assert sentence in text, sentence
    positions = [text.index(f"{number}. ") for number in ("I", "II", "III", "IV")]
    assert positions == sorted(positions)


def test_pdf_uses_a_unicode_font_when_the_system_has_one(view):
    if rendering.unicode_font_files() is None:
        pytest.skip("no DejaVu or Liberation serif font on this machine")
    body = rendering.render_pdf(view)
    assert b"StatementSerif" in body or b"DejaVu" in body or b"Liberation" in body
    view = dict(view, sections=[{"number": "I", "paragraphs": [
        "Łukasz Żółć “quoted” – dash, Ελληνικά and Кириллица."]}])
    _, pages = pdf_pages(rendering.render_pdf(view))
    assert "Łukasz Żółć “quoted” – dash, Ελληνικά and Кириллица." in flat(pages[0])


CHINESE_PARAGRAPH = ("全球公共安全合作论坛（连云港）移民管理合作分论坛"
                     "（以下简称“分论坛”）于9月9日至10日在中国苏州举行，"
                     "由中华人民共和国国家移民管理局主办。约300名嘉宾出席分论坛，"
                     "包括57个国家和地区移民与出入境管理部门负责人和代表、"
                     "专家学者，以及国际移民组织、联合国难民署、"
                     "联合国毒品和犯罪问题办公室、国际刑警组织、东盟秘书处、"
                     "澜湄综合执法安全合作中心官员。")


def test_a_chinese_statement_prints_every_character_on_wrapped_lines(view, caplog):
    # An illustration in Chinese (not the published record): wrapping without spaces,
    # punctuation never opening a line, glyphs from the CJK fallback font.
    if rendering.unicode_font_files() is None or rendering.cjk_font_files() is None:
        pytest.skip("no Unicode serif or Noto CJK font on this machine (scripts/browser-deps)")
    view = dict(view, title="移民管理合作分论坛主席声明", language="zh",
                dateline="（2024年9月10日，中国苏州）",
                sections=[{"number": "一", "paragraphs": [CHINESE_PARAGRAPH]},
                          {"number": "二",
                           "paragraphs": ["Xu Ganlu（许甘露）delivered a speech."]}])
    with caplog.at_level("WARNING"):
        reader, pages = pdf_pages(rendering.render_pdf(view))
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    assert reader.trailer["/Root"]["/Lang"] == "zh"
    # pypdf puts spaces or NULs between glyphs of the fallback font; the characters are
    # all there.
    page = pages[0].replace("\x00", "")
    text = "".join(page.split())
    assert "".join(f"一、{CHINESE_PARAGRAPH}".split()) in text
    assert "XuGanlu（许甘露）deliveredaspeech." in text
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    assert len(lines) >= 5  # the paragraph is wrapped, not one line off the page
    assert not [line for line in lines if line[0] in "，。、；：）”"]


def test_pdf_falls_back_to_a_core_font_with_latin1_text(view):
    body = rendering.render_pdf(view, use_system_fonts=False)
    _, pages = pdf_pages(body)
    text = without_footers(pages)
    assert "João António da Costa Dias" in text
    assert "Sándor Gömbös" in text
    view = dict(view, title="Łódź “Forum” – 2025…", sections=[{"number": "I", "paragraphs": [
        "Łukasz Żółć “quoted” – dash, 北京."]}])
    reader, pages = pdf_pages(rendering.render_pdf(view, use_system_fonts=False))
    assert reader.metadata.title == 'Lódz "Forum" - 2025...'
    assert 'I. Lukasz Zólc "quoted" - dash, ??.' in flat(pages[0])


def test_pdf_marks_a_draft_and_keeps_a_brace_in_the_text(view):
    view = dict(view, status="draft", revision=2, published_revision=None,
                sections=[{"number": "I", "paragraphs": ["Pages {nb} and {x} stay as written."]}])
    _, pages = pdf_pages(rendering.render_pdf(view))
    text = flat(pages[0])
    assert "Draft (revision 2, draft): not the published text." in text
    assert "Pages {nb} and {x} stay as written." in text


def test_unknown_format_is_refused(client, url):
    response = client.get(url, query_string={"format": "docx"})
    assert response.status_code == 422
    with pytest.raises(ValueError):
        rendering.render({"title": "x", "sections": []}, "docx")


def test_the_record_and_the_source_agree_on_the_statement():
    # The open edition the other tests build carries the same text as the source.
    record = read_record()
    assert [s["paragraphs"] for s in record["statement"]["sections"]] == source_sections()
