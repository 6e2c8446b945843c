"""The Chinese Chair's Statement: its own title and dateline, 一、二、三 numbering, a PDF set
in the Chinese face with the Chinese line-breaking rules, a fact check that reads the
Chinese phrasing and says how much it read, and publishing over open findings only with
a recorded confirmation.

The Chinese texts here are illustrations written for the tests (the 2024 record's source
is English), built around the facts the record holds.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
from pathlib import Path

import pytest
from _web import browser_for_role
from statement_fixtures import API, build_open_edition, read_record

from eventhub import dates
from eventhub.auth.models import Role
from eventhub.editions.words import Words
from eventhub.statements import rendering
from eventhub.statements.factcheck import parse_chinese_number
from eventhub.statements.service import chinese_numeral, numbered, section_number

SCREENSHOTS = Path(os.environ.get(
    "EVENTHUB_SCREENSHOT_DIR",
    Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"))
CLOSING = set("，。、；：？！）》」』”’")
OPENING = set("（《「『“‘")

SECTION_ONE = ("全球公共安全合作论坛（连云港）移民管理合作分论坛（以下简称“分论坛”）"
               "于2024年9月9日至10日在中国苏州举行，由中华人民共和国国家移民管理局主办。"
               "约300名嘉宾出席分论坛，包括57个国家和地区移民与出入境管理部门负责人和代表、"
               "专家学者，以及国际移民组织（IOM）、联合国难民署（UNHCR）、"
               "联合国毒品和犯罪问题办公室（UNODC）、国际刑警组织（INTERPOL）、东盟秘书处、"
               "澜湄执法安全合作中心（LMLECC）官员。")
SECTION_TWO = ("分论坛以“Development and Innovation of Migration Governance under the Changing "
               "Environment”为主题。Amy Pope等嘉宾在全体会议上致辞。")
SECTION_THREE = "分论坛设四个分组会议。与会嘉宾围绕四个议题进行了交流。"
DISCUSSION = "与会各方一致认为，应进一步加强移民管理领域的务实合作。"
UNREADABLE = ("与会代表围绕移民治理的发展与创新进行了深入交流。各方认为，应当加强信息共享，共同应对"
              "非法移民带来的挑战。与会代表表示，愿以“开放、包容、合作”的精神深化交流。")


def chinese_content(*sections: str, dateline: str = "（2024年9月10日，中国苏州）") -> dict:
    return {"title": "移民管理合作分论坛主席声明", "dateline": dateline,
            "sections": [{"paragraphs": [text]} for text in sections]}


def record_with_countries(value: int) -> dict:
    record = copy.deepcopy(read_record())
    for figure in record["figures"]:
        if figure["key"] == "countries_and_regions":
            figure["value"] = value
    return record


def zh_version(client, built, sections: list[str] | None = None) -> dict:
    """A Chinese language version of the open edition's statement, its sections replaced
    by the given Chinese text (revision 2); the API's view of it."""
    response = client.post(built.statement_url + "/languages", json={"language": "zh"})
    assert response.status_code == 201, response.get_json()
    view = response.get_json()
    if sections is not None:
        url = f"{API}/editions/{built.slug}/statements/{view['id']}"
        response = client.patch(url, headers={"If-Match": response.headers["ETag"]},
                                json={"sections": [{"paragraphs": [t]} for t in sections]})
        assert response.status_code == 200, response.get_json()
        view = response.get_json()
    return view


def fact_check(client, slug: str, statement_id: int) -> dict:
    response = client.get(f"{API}/editions/{slug}/statements/{statement_id}/fact-check")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def to_approved(client, url: str) -> None:
    for status in ("in_review", "approved"):
        response = client.post(url + "/status", json={"status": status})
        assert response.status_code == 200, response.get_json()


# Numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize(("number", "written"), [
    (1, "一"), (2, "二"), (3, "三"), (8, "八"), (10, "十"), (11, "十一"), (20, "二十"),
    (21, "二十一"), (99, "九十九"), (100, "一百"), (101, "一百零一"), (110, "一百一十"),
    (1005, "一千零五")])
def test_chinese_section_numbers_are_derived_like_the_roman_ones(number, written):
    assert chinese_numeral(number) == written
    assert section_number(number, "zh") == written
    assert parse_chinese_number(written) == number


def test_the_number_before_a_section_follows_the_language():
    assert section_number(4, "en") == "IV"
    assert section_number(4, "zh-Hans") == "四"
    assert numbered("IV", "en") == "IV. "
    assert numbered("四", "zh") == "四、"
    with pytest.raises(ValueError):
        chinese_numeral(0)


def test_dates_come_from_cldr_in_named_styles():
    start, end = dt.date(2024, 9, 9), dt.date(2024, 9, 10)
    assert dates.day(end, "en", "statement") == "September 10, 2024"
    assert dates.day(end, "zh", "statement") == "2024年9月10日"
    assert dates.day(end, "en", "day_month_year") == "10 September 2024"
    assert dates.prose_span(start, end, "en") == "September 9 to 10"
    assert dates.prose_span(start, dt.date(2024, 10, 1), "en") == "September 9 to October 1"
    assert dates.prose_span(start, end, "zh", with_year=True) == "2024年9月9日至10日"
    assert dates.day(start, "en", "day_month_year") == "9 September 2024"
    assert dates.prose_span(start, dt.date(2025, 1, 2), "zh", with_year=True) == \
        "2024年9月9日至2025年1月2日"
    # One module writes dates: the old per-language helpers are gone.
    assert not hasattr(dates, "long_date_en") and not hasattr(dates, "date_zh")


# Title, dateline, numbering --------------------------------------------------------------

def test_a_chinese_version_gets_its_own_title_dateline_and_numbers(admin_client):
    built = build_open_edition(admin_client)
    view = zh_version(admin_client, built)
    title = read_record()["edition"]["title"]
    # No Chinese title or city is recorded: the English ones stand in the Chinese form.
    assert view["title"] == f"{title}主席声明"
    assert view["dateline"] == "（2024年9月10日，中国Suzhou）"
    assert [s["number"] for s in view["sections"][:4]] == ["一", "二", "三", "四"]
    url = f"{API}/editions/{built.slug}/statements/{view['id']}"
    text = admin_client.get(url, query_string={"format": "text"}).get_data(as_text=True)
    assert "\n\n一、" in text and "\n\n二、" in text and "\n\nI. " not in text
    # The English version keeps its own heading and roman numbers.
    english = admin_client.get(built.statement_url).get_json()
    assert english["dateline"] == read_record()["statement"]["dateline"]
    assert english["sections"][0]["number"] == "I"


def test_the_chinese_heading_takes_the_editions_chinese_words(admin_client, monkeypatch):
    from eventhub.statements import drafting

    original = drafting.in_language
    chinese = {"city": "苏州", "title": "全球公共安全合作论坛（连云港）移民管理合作分论坛"}

    def in_language(obj, field, locale=None):
        if locale == "zh" and field in chinese:
            return Words(chinese[field], "zh", "zh")
        return original(obj, field, locale)

    monkeypatch.setattr(drafting, "in_language", in_language)
    built = build_open_edition(admin_client)
    view = zh_version(admin_client, built)
    assert view["title"] == "全球公共安全合作论坛（连云港）移民管理合作分论坛主席声明"
    assert view["dateline"] == "（2024年9月10日，中国苏州）"


# PDF ------------------------------------------------------------------------------------

def _long_paragraphs() -> list[str]:
    # Full-width punctuation in every position: each paragraph shifts the pattern by one
    # character, so some line would end just before a closing mark or after an opening one
    # if the breaking did not prevent it.
    pattern = "各方认为，“合作”与“共赢”是分论坛的共识。（详见附件）《声明》指出：应加强交流、互鉴；"
    return ["甲" * shift + pattern * 6 for shift in range(12)]


def chinese_view() -> dict:
    paragraphs = _long_paragraphs()
    return {"id": 1, "title": "全球公共安全合作论坛（连云港）移民管理合作分论坛主席声明",
            "dateline": "（2024年9月10日，中国苏州）", "language": "zh",
            "status": "published", "revision": 1, "published_revision": 1,
            "corrections": [],
            "sections": [{"number": "一", "paragraphs": [SECTION_ONE]},
                         {"number": "二", "paragraphs": [SECTION_TWO]},
                         {"number": "三", "paragraphs": [SECTION_THREE, *paragraphs[:6]]},
                         {"number": "四", "paragraphs": paragraphs[6:]}]}


def _lines(body: bytes) -> tuple[object, list[str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    lines = []
    for page in reader.pages:
        for line in page.extract_text().replace("\x00", "").splitlines():
            squeezed = "".join(line.split())
            if squeezed:
                lines.append(squeezed)
    return reader, lines


def test_the_chinese_pdf_numbers_sections_and_breaks_lines_by_the_chinese_rules(app):
    if rendering.unicode_font_files() is None or rendering.cjk_font_files() is None:
        pytest.skip("no Unicode serif or Noto CJK font on this machine (scripts/browser-deps)")
    view = chinese_view()
    with app.app_context():
        body = rendering.render_pdf(view)
        # The same text again comes from the cache of finished documents.
        assert rendering.render_pdf(view) is body
    reader, lines = _lines(body)
    assert len(reader.pages) >= 2
    assert lines[0] == "全球公共安全合作论坛（连云港）移民管理合作分论坛主席声明"
    assert lines[1] == "（2024年9月10日，中国苏州）"
    starts = [line[:2] for line in lines]
    for number in "一二三四":
        assert f"{number}、" in starts
    assert "I." not in starts
    assert not [line for line in lines if line[0] in CLOSING], "a line starts with a closing mark"
    assert not [line for line in lines if line[-1] in OPENING], "a line ends with an opening mark"
    # Every character is there, in order, across the breaks.
    text = "".join(lines)
    for paragraph in _long_paragraphs():
        assert paragraph in text
    # Page furniture in Chinese.
    assert lines[-1] == f"第{len(reader.pages)}页/共{len(reader.pages)}页"
    # One face for everything, the Simplified Chinese one (full-width quotes and commas).
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("NotoSerifCJKSC" in name or "NotoSansCJKSC" in name for name in fonts)
    assert reader.trailer["/Root"]["/Lang"] == "zh"
    _screenshot(body)


def _screenshot(body: bytes) -> None:
    """The first page as artifacts/screenshots/statement-zh-pdf-page1.png."""
    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(body)
    image = document[0].render(scale=2).to_pil()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / "statement-zh-pdf-page1.png"
    image.save(target)
    assert target.stat().st_size > 10_000


def test_the_chinese_html_and_markdown_keep_the_chinese_numbers(app):
    view = chinese_view()
    with app.app_context():
        html = rendering.render_html(view)
        markdown = rendering.render_markdown(view)
    assert 'lang="zh"' in html and 'class="cjk"' in html
    assert '<span class="number">一、</span>全球' in html
    assert "**一、**全球" in markdown
    assert "（2024年9月10日，中国苏州）" in html


# Fact check -----------------------------------------------------------------------------

def test_a_planted_wrong_figure_in_chinese_is_a_mismatch(admin_client):
    built = build_open_edition(admin_client, record=record_with_countries(42))
    view = zh_version(admin_client, built, [SECTION_ONE, SECTION_TWO, SECTION_THREE,
                                            DISCUSSION])
    report = fact_check(admin_client, built.slug, view["id"])
    assert report["language"] == "zh"
    assert report["verdict"] == "mismatches" and report["ok"] is False
    [mismatch] = report["mismatches"]
    assert mismatch["kind"] == "countries_and_regions"
    assert mismatch["text_says"] == "57个国家和地区"
    assert mismatch["records_say"].startswith("42 countries and regions")
    assert mismatch["section"] == "一"
    by_kind: dict[str, list[dict]] = {}
    for entry in report["checked"]:
        by_kind.setdefault(entry["kind"], []).append(entry)
    assert by_kind["guests"][0]["text_says"] == "约300名嘉宾"
    assert by_kind["guests"][0]["result"] == "match"
    assert {e["result"] for e in by_kind["dates"]} == {"match"}
    assert by_kind["host"][0]["result"] == "match"
    assert {e["text_says"] for e in by_kind["organization"]} >= {
        "国际移民组织（IOM）", "联合国难民署（UNHCR）", "联合国毒品和犯罪问题办公室（UNODC）",
        "国际刑警组织（INTERPOL）", "东盟秘书处", "澜湄执法安全合作中心（LMLECC）"}
    assert {e["result"] for e in by_kind["organization"]} == {"match"}
    assert {e["result"] for e in by_kind["breakout_sessions"]} == {"match"}
    assert "四个分组会议" in {e["text_says"] for e in by_kind["breakout_sessions"]}
    assert by_kind["theme"][0]["result"] == "match"
    assert by_kind["speaker"][0]["text_says"] == "Amy Pope"
    # Every claim comes with where it stands; the discussion is listed as not read.
    assert all(entry["excerpt"] for entry in report["checked"])
    coverage = report["coverage"]
    assert coverage["low"] is False
    assert coverage["unread"] == [{"section": "四", "excerpt": DISCUSSION}]
    assert coverage["sentences_read"] == coverage["sentences"] - 1


def test_the_chinese_phrasings_of_the_same_facts_pass(admin_client):
    built = build_open_edition(admin_client)
    view = zh_version(admin_client, built, [
        SECTION_ONE.replace("约300名嘉宾", "300余名嘉宾").replace("300余名", "约300名"),
        SECTION_TWO, "分论坛共举行4场分组讨论。"])
    report = fact_check(admin_client, built.slug, view["id"])
    assert report["verdict"] == "no_mismatch", report["mismatches"]
    assert report["ok"] is True
    assert "4场分组讨论" in {e["text_says"] for e in report["checked"]}


@pytest.mark.parametrize(("old", "new", "kind"), [
    ("约300名嘉宾", "约500名嘉宾", "guests"),
    ("约300名嘉宾", "300余名嘉宾", "guests"),
    ("2024年9月9日至10日", "2024年9月19日至20日", "dates"),
    ("国际刑警组织（INTERPOL）", "国际刑警组织（UNODC）", "organization"),
    ("由中华人民共和国国家移民管理局主办", "由国际移民组织主办", "host"),
])
def test_planted_chinese_mismatches_are_found(admin_client, old, new, kind):
    built = build_open_edition(admin_client)
    view = zh_version(admin_client, built, [SECTION_ONE.replace(old, new), SECTION_TWO,
                                            SECTION_THREE])
    report = fact_check(admin_client, built.slug, view["id"])
    assert kind in {m["kind"] for m in report["mismatches"]}, report["mismatches"]
    assert report["verdict"] == "mismatches"


def test_a_chinese_text_the_check_cannot_read_is_low_coverage_never_no_mismatch(admin_client):
    built = build_open_edition(admin_client)
    view = zh_version(admin_client, built, [UNREADABLE, UNREADABLE])
    report = fact_check(admin_client, built.slug, view["id"])
    assert report["mismatches"] == []
    assert report["ok"] is False
    assert report["verdict"] == "low_coverage"
    coverage = report["coverage"]
    assert coverage["low"] is True
    assert coverage["body_claims"] == 0 and coverage["sentences_read"] == 0
    assert coverage["share"] == 0
    assert len(coverage["unread"]) == coverage["sentences"] == 6
    # Only the dateline was read: said so, not passed off as a checked statement.
    assert coverage["dateline_read"] is True
    assert {e["kind"] for e in report["checked"]} == {"dateline", "place"}


def test_the_fact_check_page_never_says_no_mismatch_for_an_unread_text(app, admin_client):
    built = build_open_edition(admin_client)
    view = zh_version(admin_client, built, [UNREADABLE])
    desk = browser_for_role(app, Role.SECRETARIAT, "desk-zh@example.org")
    page = desk.get(f"/secretariat/{built.slug}/statements/{view['id']}/fact-check")
    assert page.status == 200, page.text[:400]
    assert "No mismatch found" not in page.text
    assert "Too little of the text was read to vouch for it" in page.text
    assert "Sentences the check could not read (3)" in page.text


def test_the_english_2024_text_is_read_well_enough_to_pass(admin_client):
    built = build_open_edition(admin_client)
    report = fact_check(admin_client, built.slug, built.statement["id"])
    assert report["verdict"] == "no_mismatch"
    coverage = report["coverage"]
    assert coverage["low"] is False and coverage["share"] >= 0.15
    # The discussion sections hold no figures: listed as not read, not silently passed.
    assert {entry["section"] for entry in coverage["unread"]} >= {"V", "VI", "VII"}


# Publishing over open findings --------------------------------------------------------------

def test_publishing_with_an_open_mismatch_needs_a_recorded_confirmation(admin_client,
                                                                        client):
    built = build_open_edition(admin_client, record=record_with_countries(42))
    view = zh_version(admin_client, built, [SECTION_ONE, SECTION_TWO, SECTION_THREE])
    url = f"{API}/editions/{built.slug}/statements/{view['id']}"
    to_approved(admin_client, url)

    refused = admin_client.post(url + "/status", json={"status": "published"})
    assert refused.status_code == 409
    problem = refused.get_json()
    assert problem["code"] == "statement.publish_needs_confirmation"
    assert problem["missing"] == ["mismatches"]
    [listed] = problem["needs_confirmation"]["mismatches"]
    assert listed["text_says"] == "57个国家和地区"
    assert admin_client.get(url).get_json()["status"] == "approved"

    chinese = admin_client.post(url + "/status", json={"status": "published"},
                                headers={"Accept-Language": "zh"})
    assert chinese.status_code == 409
    assert chinese.get_json()["detail"].startswith("根据事实核查结果")

    no_reason = admin_client.post(url + "/status", json={
        "status": "published", "confirm": {"mismatches": True}})
    assert no_reason.status_code == 422
    assert no_reason.get_json()["code"] == "statement.confirmation_reason_required"

    reason = "The Chinese text gives the figure announced at the opening; the record is wrong."
    published = admin_client.post(url + "/status", json={
        "status": "published", "confirm": {"mismatches": True, "reason": reason}})
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["status"] == "published"

    revisions = admin_client.get(url + "/revisions").get_json()
    confirmation = next(r for r in revisions if r["is_published"])["publication_confirmation"]
    assert confirmation["reason"] == reason
    assert confirmation["mismatches"][0]["kind"] == "countries_and_regions"
    assert confirmation["confirmed_by"]
    # The public sees the published revision, not the internal confirmation.
    public = client.get(url + "/revisions").get_json()
    assert public and all("publication_confirmation" not in r for r in public)
    # And the audit trail holds it with the change that published the text.
    audit = admin_client.get("/api/v1/audit", query_string={
        "table": "statement_revisions", "action": "update", "page_size": 100}).get_json()
    recorded = [e for e in audit if "publication_confirmation" in e["changes"]]
    assert recorded
    assert recorded[0]["changes"]["publication_confirmation"]["after"]["reason"] == reason


def test_a_version_read_less_than_the_english_one_needs_confirming(admin_client):
    built = build_open_edition(admin_client)
    view = zh_version(admin_client, built, [UNREADABLE, UNREADABLE, UNREADABLE])
    url = f"{API}/editions/{built.slug}/statements/{view['id']}"
    to_approved(admin_client, url)
    refused = admin_client.post(url + "/status", json={"status": "published"})
    assert refused.status_code == 409
    problem = refused.get_json()
    assert problem["missing"] == ["lower_coverage"]
    lower = problem["needs_confirmation"]["lower_coverage"]
    assert lower["share"] == 0 and lower["english_share"] >= 0.15
    assert lower["english_statement_id"] == built.statement["id"]
    # Confirming something else does not do.
    wrong = admin_client.post(url + "/status", json={
        "status": "published", "confirm": {"mismatches": True, "reason": "checked"}})
    assert wrong.status_code == 409
    published = admin_client.post(url + "/status", json={
        "status": "published",
        "confirm": {"lower_coverage": True, "reason": "Checked by hand against the English."}})
    assert published.status_code == 200, published.get_json()
    revisions = admin_client.get(url + "/revisions").get_json()
    confirmation = next(r for r in revisions if r["is_published"])["publication_confirmation"]
    assert confirmation["lower_coverage"]["english_share"] == lower["english_share"]


def test_a_clean_text_publishes_without_confirmation(admin_client):
    built = build_open_edition(admin_client)
    to_approved(admin_client, built.statement_url)
    response = admin_client.post(built.statement_url + "/status", json={"status": "published"})
    assert response.status_code == 200, response.get_json()
    revisions = admin_client.get(built.statement_url + "/revisions").get_json()
    assert next(r for r in revisions if r["is_published"])["publication_confirmation"] is None


def test_the_secretariat_page_publishes_with_the_confirmation_boxes(app, admin_client):
    built = build_open_edition(admin_client, record=record_with_countries(42))
    view = zh_version(admin_client, built, [SECTION_ONE, SECTION_TWO, SECTION_THREE])
    url = f"{API}/editions/{built.slug}/statements/{view['id']}"
    to_approved(admin_client, url)
    desk = browser_for_role(app, Role.SECRETARIAT, "desk-publish@example.org")
    page_url = f"/secretariat/{built.slug}/statements/{view['id']}"
    page = desk.get(page_url)
    assert page.soup.find("input", attrs={"name": "confirm_mismatches"}) is not None
    refused = desk.post(page_url + "/status", {"status": "published"})
    assert refused.status == 409
    assert "57个国家和地区" in refused.text
    done = desk.post(page_url + "/status", {
        "status": "published", "confirm_mismatches": "1",
        "confirm_reason": "Figure confirmed with the host."})
    assert done.status == 303, done.text[:600]
    revisions = admin_client.get(url + "/revisions").get_json()
    confirmation = next(r for r in revisions if r["is_published"])["publication_confirmation"]
    assert confirmation["reason"] == "Figure confirmed with the host."
