"""Every refusal of the API carries a stable `code` (with `params`) and reads in the
language the client asks for: Chinese under `Accept-Language: zh`, English otherwise.
Through the HTTP API on a real database; the catalogue of codes (eventhub.error_codes) is
complete and documented in /api/openapi.json."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _attendance import RSVP_URL, SLUG, accepted_invitation, member, open_edition, organization
from _helpers import assert_problem, create_organization
from _web import browser_for_role

from eventhub.auth.models import Role
from eventhub.error_codes import CODES

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
ORGANIZATIONS = "/api/v1/organizations"

HEAD = member("H.E. Ms. Suda Head", "suda.head@mfa.example", "head_of_delegation")
DEPUTY = member("Mr. Niran Deputy", "niran.deputy@mfa.example", "delegate")
EXPERT = member("Dr. Anong Expert", "anong.expert@mfa.example", "expert")


def problem(response, status: int, language: str) -> dict:
    body = assert_problem(response, status)
    assert response.headers["Content-Language"] == language
    assert body["code"] in CODES, body["code"]
    return body


def entries_by_field(body: dict) -> dict[str, dict]:
    return {entry["field"]: entry for entry in body.get("errors", [])}


@pytest.fixture
def edition(organizer_client) -> dict:
    return open_edition(organizer_client)


# Registrations and invitations ------------------------------------------------------------

def test_a_delegation_over_quota_is_registration_quota_exceeded_with_its_numbers(
        app, organizer_client, client, edition):
    org = organization(organizer_client, "Ministry of Foreign Affairs")
    _, token = accepted_invitation(app, organizer_client, client, org["id"], quota=2)
    url = f"{RSVP_URL}/{token}/delegation"

    chinese = problem(client.put(url, json={"members": [HEAD, DEPUTY, EXPERT]}, headers=ZH),
                      422, "zh")
    english = problem(client.put(url, json={"members": [HEAD, DEPUTY, EXPERT]}, headers=EN),
                      422, "en")

    for body in (chinese, english):
        assert body["code"] == "registration.quota_exceeded"
        assert body["params"] == {"quota": 2, "given": 3}
        quota_entry = entries_by_field(body)["members"]
        assert (quota_entry["code"], quota_entry["params"]) == (
            "registration.quota_exceeded", {"quota": 2, "given": 3})
    assert chinese["title"] == "无法处理的内容"
    assert chinese["detail"] == "代表团名单无法按所填内容登记。"
    assert entries_by_field(chinese)["members"]["message"] == "名额为2人，但填写了3人。"
    assert english["title"] == "Unprocessable content"
    assert english["detail"] == "The delegation cannot be registered as given."
    assert entries_by_field(english)["members"]["message"] == (
        "The quota is 2 people; 3 were given.")


def test_answering_an_answered_invitation_names_both_statuses(app, organizer_client, client,
                                                              edition):
    org = organization(organizer_client, "Ministry of Interior")
    _, token = accepted_invitation(app, organizer_client, client, org["id"])

    chinese = problem(client.post(f"{RSVP_URL}/{token}/decline", headers=ZH), 409, "zh")
    english = problem(client.post(f"{RSVP_URL}/{token}/decline", headers=EN), 409, "en")

    for body in (chinese, english):
        assert body["code"] == "invitation.transition_refused"
        # Statuses travel by value; the detail words them in the reader's language.
        assert body["params"] == {"status": "accepted", "target": "declined"}
        assert body["current_status"] == "accepted"  # extra members stay
    assert chinese["title"] == "冲突"
    assert chinese["detail"] == "该邀请的状态为“已接受”，不能变更为“已谢绝”。"
    assert english["detail"] == "The invitation is accepted; it cannot become declined."


def test_a_forged_invitation_link_is_invitation_link_invalid(client):
    body = problem(client.get(f"{RSVP_URL}/not-a-real-token", headers=ZH), 404, "zh")

    assert body["code"] == "invitation.link_invalid"
    assert body["title"] == "未找到"
    assert body["detail"] == "此邀请链接无效，请确认已从邮件中完整复制链接。"


# Directory ---------------------------------------------------------------------------------

def test_a_duplicate_organization_is_organization_duplicate(organizer_client):
    first = create_organization(organizer_client, "Bureau of Immigration", country_code="PH")
    payload = {"name": "Bureau of Immigration", "kind": "national_authority",
               "country_code": "PH"}

    chinese = problem(organizer_client.post(ORGANIZATIONS, json=payload, headers=ZH), 409, "zh")
    english = problem(organizer_client.post(ORGANIZATIONS, json=payload), 409, "en")

    for body in (chinese, english):
        assert body["code"] == "organization.duplicate"
        assert body["params"] == {"name": "Bureau of Immigration", "id": first["id"]}
        assert body["existing_id"] == first["id"]
    assert chinese["detail"] == f"组织“Bureau of Immigration”已存在（编号{first['id']}）。"
    assert english["detail"] == (
        f"Organization “Bureau of Immigration” already exists (id {first['id']}).")


def test_a_referenced_organization_lists_its_references_in_the_readers_words(
        organizer_client):
    org = create_organization(organizer_client, "Department of Home Affairs",
                              country_code="AU")
    response = organizer_client.post("/api/v1/people", json={
        "full_name": "Ms. Jane Citizen", "organization_id": org["id"]})
    assert response.status_code == 201, response.json

    chinese = problem(organizer_client.delete(f"{ORGANIZATIONS}/{org['id']}", headers=ZH),
                      409, "zh")
    english = problem(organizer_client.delete(f"{ORGANIZATIONS}/{org['id']}"), 409, "en")

    for body in (chinese, english):
        assert body["code"] == "organization.referenced"
        assert body["params"]["references"] == {"people": 1}
        assert body["references"] == {"people": 1}
    assert chinese["detail"] == "组织“Department of Home Affairs”仍被以下记录引用：1名人员。"
    assert english["detail"] == (
        "Organization “Department of Home Affairs” is still referenced by 1 person.")


def test_a_role_without_the_permission_is_told_which_role_it_has(viewer_client):
    payload = {"name": "Anything", "kind": "national_authority"}

    chinese = problem(viewer_client.post(ORGANIZATIONS, json=payload, headers=ZH), 403, "zh")
    english = problem(viewer_client.post(ORGANIZATIONS, json=payload), 403, "en")

    assert chinese["code"] == english["code"] == "permission.denied"
    assert chinese["params"] == {"role": "viewer", "permission": "manage_directory"}
    assert chinese["title"] == "禁止访问"
    assert chinese["detail"] == "您的角色（查阅者）无权创建和修改组织及人员。"
    assert english["detail"] == (
        "Your role (viewer) may not create and change organizations and people.")


# Sign-in -----------------------------------------------------------------------------------

def test_an_unknown_bearer_token_is_auth_token_unknown(client):
    headers = {"Authorization": "Bearer not-a-token"}

    chinese = problem(client.get("/api/v1/auth/me", headers={**headers, **ZH}), 401, "zh")
    english = problem(client.get("/api/v1/auth/me", headers=headers), 401, "en")

    assert chinese["code"] == english["code"] == "auth.token_unknown"
    assert chinese["title"] == "需要身份验证"
    assert chinese["detail"] == "持有者令牌无法识别。"
    assert english["detail"] == "The bearer token is unknown."


def test_a_short_password_is_a_field_error_with_its_minimum(admin_client):
    payload = {"email": "short@example.org", "name": "Short", "role": "viewer",
               "password": "abc"}

    body = problem(admin_client.post("/api/v1/users", json=payload, headers=ZH), 422, "zh")

    assert (body["code"], body["params"]) == ("auth.password_too_short", {"min": 10})
    entry = entries_by_field(body)["password"]
    assert (entry["code"], entry["params"], entry["message"]) == (
        "auth.password_too_short", {"min": 10}, "请至少使用10个字符。")


# HTTP itself -------------------------------------------------------------------------------

def test_an_unknown_address_is_not_found_in_our_words(client):
    chinese = problem(client.get("/api/v1/no-such-thing", headers=ZH), 404, "zh")
    english = problem(client.get("/api/v1/no-such-thing"), 404, "en")

    assert chinese["code"] == english["code"] == "not_found"
    assert (chinese["title"], chinese["detail"]) == ("未找到", "此地址没有任何资源。")
    # Not werkzeug's "The requested URL was not found on the server. ..."
    assert english["detail"] == "There is nothing at this address."


def test_a_method_not_allowed_names_the_allowed_ones(client):
    chinese = problem(client.delete("/api/v1/auth/me", headers=ZH), 405, "zh")

    assert chinese["code"] == "method_not_allowed"
    assert chinese["params"]["method"] == "DELETE"
    assert "GET" in chinese["params"]["allowed"]
    assert chinese["detail"].startswith("此地址不允许使用DELETE方法")


def test_a_body_over_the_limit_is_content_too_large(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/auth/token", data=b"x" * (limit + 1),
                           content_type="application/json", headers=ZH)

    body = problem(response, 413, "zh")

    assert (body["code"], body["params"]) == ("content_too_large", {"limit": limit})
    assert body["detail"] == f"请求正文超过{limit}字节的上限。"


def test_a_body_that_is_not_json_reads_in_chinese(client):
    body = problem(client.post("/api/v1/auth/token", data=b"{not json",
                               content_type="application/json", headers=ZH), 400, "zh")

    assert body["code"] == "bad_request.invalid_json"
    assert body["errors"][0]["message"] == "请求正文不是有效的JSON。"


# Validation --------------------------------------------------------------------------------

def test_field_errors_read_in_the_requests_language_with_codes(organizer_client):
    payload = {"kind": "national_authority", "acronym": "X" * 41, "website": "not a url",
               "colour": "blue", "email": "x"}

    chinese = problem(organizer_client.post(ORGANIZATIONS, json=payload, headers=ZH),
                      422, "zh")
    english = problem(organizer_client.post(ORGANIZATIONS, json=payload, headers=EN),
                      422, "en")

    assert chinese["code"] == english["code"] == "validation.invalid_fields"
    assert chinese["detail"] == "请求中有无效字段，详见错误列表。"
    fields = entries_by_field(chinese)
    assert {name: (entry["code"], entry["message"]) for name, entry in fields.items()} == {
        "name": ("validation.required", "必填字段缺少数据。"),
        "acronym": ("validation.length", "超过最大长度40。"),
        "website": ("validation.url", "不是有效的网址。"),
        "colour": ("validation.unknown_field", "未知字段。"),
        "email": ("validation.unknown_field", "未知字段。"),
    }
    assert fields["acronym"]["params"] == {"max": 40}
    assert {name: entry["message"] for name, entry in entries_by_field(english).items()} == {
        "name": "Missing data for required field.",
        "acronym": "Longer than maximum length 40.",
        "website": "Not a valid URL.",
        "colour": "Unknown field.",
        "email": "Unknown field.",
    }


def test_validators_and_our_own_field_rules_read_in_chinese(organizer_client):
    person = {"full_name": "   ", "email": "not-an-email", "honorific": "Dr.\nDr."}
    fields = entries_by_field(problem(organizer_client.post(
        "/api/v1/people", json=person, headers=ZH), 422, "zh"))

    assert (fields["full_name"]["code"], fields["full_name"]["message"]) == (
        "validation.blank", "不能为空白。")
    assert (fields["email"]["code"], fields["email"]["message"]) == (
        "validation.email", "电子邮箱地址无效。")
    assert fields["honorific"]["code"] == "validation.one_line"
    assert fields["honorific"]["message"].startswith("必须为单行文字")

    kinds = entries_by_field(problem(organizer_client.post(
        ORGANIZATIONS, json={"name": "A", "kind": "club"}, headers=ZH), 422, "zh"))["kind"]
    assert kinds["code"] == "validation.choice"
    assert kinds["message"].startswith("必须为下列值之一：")
    assert "national_authority" in kinds["params"]["choices"]


def test_query_parameters_out_of_range_read_in_chinese(organizer_client):
    body = problem(organizer_client.get(f"{ORGANIZATIONS}?page=0", headers=ZH), 422, "zh")

    page = entries_by_field(body)["page"]
    assert (page["code"], page["params"], page["message"]) == (
        "validation.range", {"min": 1}, "必须大于或等于1。")


def test_pages_show_validation_messages_in_the_pages_language(app, organizer_client):
    open_edition(organizer_client)
    organizer = browser_for_role(app, Role.ORGANIZER, "org@example.org")

    chinese = organizer.get(f"/manage/{SLUG}/registrations?country_code=Thailand&lang=zh")
    english = organizer.get(f"/manage/{SLUG}/registrations?country_code=Thailand&lang=en")

    assert chinese.status == english.status == 422
    assert "请使用ISO 3166-1二位字母代码。" in chinese.text
    assert "Use an ISO 3166-1 alpha-2 code." not in chinese.text
    assert "Use an ISO 3166-1 alpha-2 code." in english.text


def test_lang_in_the_address_wins_over_accept_language(client):
    body = problem(client.get("/api/v1/no-such-thing?lang=zh", headers=EN), 404, "zh")

    assert body["detail"] == "此地址没有任何资源。"


# The catalogue of codes --------------------------------------------------------------------

_CODE_LITERALS = (
    re.compile(r"""\bcode\s*=\s*["']([a-z][a-z0-9_.]*)["']"""),
    re.compile(r"""["']code["']\s*:\s*["']([a-z][a-z0-9_.]*)["']"""),
    re.compile(r"""\bdefault_code\s*=\s*["']([a-z][a-z0-9_.]*)["']"""),
    re.compile(r"""\b[A-Z_]*CODE\s*=\s*["']([a-z][a-z0-9_.]*)["']"""),
)


def code_literals() -> dict[str, set[str]]:
    package = Path(__file__).resolve().parent.parent / "eventhub"
    found: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in _CODE_LITERALS:
            for code in pattern.findall(text):
                found.setdefault(code, set()).add(str(path.relative_to(package)))
    return found


def test_every_code_the_sources_use_is_in_the_catalogue():
    from eventhub.errors import _STATUS_CODES

    used = code_literals()
    assert "registration.quota_exceeded" in used  # the scan finds what it should
    unlisted = {code: sorted(where) for code, where in used.items() if code not in CODES}
    assert unlisted == {}
    assert set(_STATUS_CODES.values()) <= set(CODES)


def test_every_code_is_documented_in_the_openapi_problem_schema(client):
    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]

    for name in ("Problem", "FieldError"):
        code = schemas[name]["properties"]["code"]
        assert sorted(code["enum"]) == sorted(CODES)
        for listed, meaning in CODES.items():
            assert f"`{listed}`: {meaning}" in code["description"]
    problem_schema = schemas["Problem"]
    assert "code" in problem_schema["required"]
    assert problem_schema["properties"]["params"]["type"] == "object"
    assert problem_schema["properties"]["errors"]["items"] == {
        "$ref": "#/components/schemas/FieldError"}
    default = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert default == {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}


def test_codes_are_dotted_lowercase_names():
    for code in CODES:
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*", code), code
        assert CODES[code].strip(), code


def test_every_marshmallow_message_is_ours_to_translate(app):
    """A marshmallow upgrade that adds a message would otherwise answer in English only."""
    import inspect

    import marshmallow as ma
    import marshmallow.validate as mv

    from eventhub.validation_messages import Choice, Template

    ours = (Template, Choice)
    english_only = {}
    for name, field_class in inspect.getmembers(ma.fields, inspect.isclass):
        own = field_class.__dict__.get("default_error_messages") or {}
        english_only.update({f"fields.{name}.{key}": text for key, text in own.items()
                             if not isinstance(text, ours)})
    for key, text in ma.Schema._default_error_messages.items():
        if not isinstance(text, ours):
            english_only[f"Schema.{key}"] = text
    for name, validator_class in inspect.getmembers(mv, inspect.isclass):
        for attribute in ("default_message", "message_min", "message_max", "message_all",
                          "message_equal"):
            text = validator_class.__dict__.get(attribute)
            if text is not None and not isinstance(text, ours):
                english_only[f"validate.{name}.{attribute}"] = text
    assert english_only == {}
