"""The programme's, the statements' and the bundle import's refusals through the HTTP API:
each carries a stable `code` and its `params`, the same in every language, and reads in
Chinese when the client asks for it with Accept-Language."""

from __future__ import annotations

import re
from typing import Any

from _helpers import assert_problem
from _programme import add_item, at, items_url, open_edition, register, sign_up, url
from _statements import draft, etag, keys, put_section

from eventhub.archive.bundle import checksum
from eventhub.error_codes import CODES

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def in_both_languages(send) -> tuple[dict[str, Any], dict[str, Any]]:
    """The refusal as an English client and as a Chinese one reads it; the code and
    parameters are the same for both."""
    english = send({})
    chinese = send(ZH)
    assert english.headers["Content-Language"] == "en"
    assert chinese.headers["Content-Language"] == "zh"
    english_body = english.get_json(force=True)
    chinese_body = chinese.get_json(force=True)
    assert english_body["code"] == chinese_body["code"]
    assert english_body["code"] in CODES
    assert english_body.get("params") == chinese_body.get("params")
    return english_body, chinese_body


def test_a_room_clash_names_the_room_and_the_other_item(organizer_client):
    open_edition(organizer_client)
    plenary = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"),
                       room="Hall A")

    def send(headers):
        response = organizer_client.post(items_url(), headers=headers, json={
            "kind": "side_event", "title": "Press briefing", "room": "hall a",
            "starts_at": at(27, "09:30"), "ends_at": at(27, "10:30")})
        assert_problem(response, 409)
        return response

    english, chinese = in_both_languages(send)

    assert english["code"] == "programme.room_taken"
    assert english["params"] == {"room": "hall a", "title": "Plenary"}
    assert english["detail"] == "Room “hall a” is taken by “Plenary” at that time."
    assert chinese["detail"] == "该时段会议室“hall a”已被“Plenary”占用。"
    assert chinese["clashes_with"]["id"] == english["clashes_with"]["id"] == plenary["id"]


def test_a_full_session_names_its_capacity(organizer_client):
    open_edition(organizer_client)
    session = add_item(organizer_client, "Ports", at(27, "11:00"), at(27, "12:30"),
                       kind="breakout_session", room="Room 1", capacity=1)
    first, second = (register(organizer_client, name) for name in ("Ana García", "Bo Lin"))
    assert sign_up(organizer_client, session["id"], first["id"]).status_code == 201

    def send(headers):
        response = organizer_client.post(url("madrid-2025", f"/programme/items/"
                                             f"{session['id']}/signups"),
                                         headers=headers,
                                         json={"registration_id": second["id"]})
        assert_problem(response, 409)
        return response

    english, chinese = in_both_languages(send)

    assert english["code"] == "programme.session_full"
    assert english["params"] == {"title": "Ports", "capacity": 1}
    assert english["capacity"] == chinese["capacity"] == 1
    assert english["detail"] == "“Ports” is full (1 places)."
    assert chinese["detail"] == "“Ports”名额已满（共 1 个名额）。"


def test_a_person_already_in_another_session_at_that_time(organizer_client):
    open_edition(organizer_client)
    morning = add_item(organizer_client, "Ports", at(27, "11:00"), at(27, "12:30"),
                       kind="breakout_session", room="Room 1", capacity=20)
    overlapping = add_item(organizer_client, "Technologies", at(27, "12:00"),
                           at(27, "13:00"), kind="breakout_session", room="Room 2",
                           capacity=20)
    registrant = register(organizer_client, "Ana García")
    assert sign_up(organizer_client, morning["id"], registrant["id"]).status_code == 201

    def send(headers):
        response = organizer_client.post(url("madrid-2025", f"/programme/items/"
                                             f"{overlapping['id']}/signups"),
                                         headers=headers,
                                         json={"registration_id": registrant["id"]})
        assert_problem(response, 409)
        return response

    english, chinese = in_both_languages(send)

    assert english["code"] == "programme.person_busy"
    assert english["params"] == {"person": "Ana García", "title": "Ports"}
    assert english["person_id"] == chinese["person_id"] == registrant["person_id"]
    assert english["detail"] == "Ana García is already in “Ports” at that time."
    assert chinese["detail"] == "Ana García 在该时段已安排参加“Ports”。"


def test_a_field_refusal_carries_its_code_in_the_entry_too(organizer_client):
    open_edition(organizer_client)

    def send(headers):
        response = organizer_client.post(items_url(), headers=headers, json={
            "kind": "plenary", "title": "Backwards", "starts_at": at(27, "10:00"),
            "ends_at": at(27, "09:00")})
        assert_problem(response, 422)
        return response

    english, chinese = in_both_languages(send)

    assert english["code"] == "programme.end_before_start"
    assert [(e["field"], e["code"]) for e in chinese["errors"]] == [
        ("ends_at", "programme.end_before_start")]
    assert english["errors"][0]["message"] == "The end must be after the start."
    assert chinese["errors"][0]["message"] == chinese["detail"] == "结束时间必须晚于开始时间。"


def test_a_stale_statement_revision_is_412_with_its_code(organizer_client,
                                                         secretariat_client):
    created = draft(organizer_client, secretariat_client)
    statement = created.json
    key = keys(statement)[1]
    base = etag(created)
    assert put_section(secretariat_client, statement["id"], key, ["The first wording."],
                       base).status_code == 200

    def send(headers):
        secretariat_client.environ_base.update(
            {"HTTP_ACCEPT_LANGUAGE": headers.get("Accept-Language", "en")})
        try:
            response = put_section(secretariat_client, statement["id"], key,
                                   ["A stale wording."], base)
        finally:
            secretariat_client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")
        assert_problem(response, 412)
        return response

    english, chinese = in_both_languages(send)

    assert english["code"] == "statement.stale_revision"
    assert english["current_revision"] == chinese["current_revision"] == 2
    assert not CJK.search(english["detail"])
    assert CJK.search(chinese["detail"]), chinese["detail"]


# Bundle import ------------------------------------------------------------------------------

def _exported(admin_client) -> dict[str, Any]:
    open_edition(admin_client)
    register(admin_client, "Ana García")
    response = admin_client.get(url("madrid-2025", "/export"))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json(force=True)


def _import(admin_client, document: dict[str, Any], status: int):
    def send(headers):
        response = admin_client.post("/api/v1/archive/import", json=document,
                                     headers=headers)
        assert_problem(response, status)
        return response
    return send


def test_a_bundle_whose_references_do_not_hold_together(admin_client):
    document = _exported(admin_client)
    document["content"]["registrations"][0]["person"] = "person-999"
    document["checksum"] = checksum(document["content"])

    english, chinese = in_both_languages(_import(admin_client, document, 422))

    assert english["code"] == "bundle.inconsistent"
    assert english["params"] == {"count": 1}
    assert english["title"] == "Invalid bundle"
    assert chinese["title"] == "数据包无效"
    assert chinese["detail"] == ("数据包内容前后不一致。其引用或数值共有 1 处问题，"
                                 "现逐一列出其在数据包中的位置。未导入任何内容。")
    entry = {"field": "content.registrations[0].person", "location": "json",
             "code": "bundle.unknown_reference", "ref": "person-999"}
    # A field entry carries its message's parameters as well; the reference is the one
    # that names the culprit.
    assert english["errors"][0].pop("params")["shown"] == "person-999"
    assert chinese["errors"][0].pop("params")["shown"] == "person-999"
    assert english["errors"] == [{**entry, "message": "person-999 is not a person of this "
                                                      "bundle"}]
    assert chinese["errors"] == [{**entry, "message": "person-999 不是本数据包中的人员"}]
    assert all(error["code"] in CODES for error in chinese["errors"])


def test_a_bundle_of_an_edition_that_exists_here(admin_client):
    document = _exported(admin_client)

    english, chinese = in_both_languages(_import(admin_client, document, 409))

    assert english["code"] == "bundle.edition_exists"
    assert english["params"] == {"edition": "madrid-2025"}
    assert english["detail"] == ("Edition madrid-2025 already exists here; nothing was "
                                 "imported.")
    assert chinese["detail"] == "本系统中已存在会议 madrid-2025；未导入任何内容。"


def test_a_document_that_is_no_bundle(admin_client):
    english, chinese = in_both_languages(_import(admin_client, {"hello": "world"}, 422))

    assert english["code"] == "bundle.not_a_bundle"
    assert english["params"] == {"format": "eventhub-edition-bundle"}
    assert chinese["detail"] == "这不是 EventHub 会议数据包（格式应为 eventhub-edition-bundle）。"
