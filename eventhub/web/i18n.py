"""Texts of the pages a focal point sees, in English and Chinese.

Staff pages are in English. A page's language comes from ?lang=, else from the invitation
(its focal point's language), else from the browser's Accept-Language; English is the
fallback for any text not yet translated.
"""

from __future__ import annotations

from flask import g, request

LANGUAGES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    "site_name": {"en": "Sub-Forum on Migration Management Cooperation",
                  "zh": "移民管理合作分论坛"},
    "skip_to_content": {"en": "Skip to content", "zh": "跳到正文"},
    "language": {"en": "Language", "zh": "语言"},
    "form_has_problems": {"en": "Please correct the following",
                          "zh": "请更正以下内容"},
    # The focal point's pages (eventhub/web/rsvp.py) --------------------------------------
    "rsvp.title": {"en": "Invitation", "zh": "邀请函"},
    "rsvp.greeting": {"en": "Dear {name}, your organization is invited to take part.",
                      "zh": "尊敬的{name}：诚邀贵单位参加本次会议。"},
    "rsvp.organization": {"en": "Organization", "zh": "单位"},
    "rsvp.place": {"en": "Place", "zh": "地点"},
    "rsvp.dates": {"en": "Dates", "zh": "日期"},
    "rsvp.quota": {"en": "Delegation quota", "zh": "代表团名额"},
    "rsvp.quota_people": {"en": "up to {quota} people", "zh": "最多{quota}人"},
    "rsvp.deadline": {"en": "Reply by", "zh": "答复截止时间"},
    "rsvp.status": {"en": "Status", "zh": "状态"},
    "rsvp.invitation_status.draft": {"en": "Draft", "zh": "草稿"},
    "rsvp.invitation_status.sent": {"en": "Awaiting your reply", "zh": "待答复"},
    "rsvp.invitation_status.accepted": {"en": "Accepted", "zh": "已接受"},
    "rsvp.invitation_status.declined": {"en": "Declined", "zh": "已谢绝"},
    "rsvp.invitation_status.expired": {"en": "Expired", "zh": "已过期"},
    "rsvp.invitation_status.revoked": {"en": "Withdrawn", "zh": "已撤回"},
    "rsvp.your_reply": {"en": "Your reply", "zh": "您的答复"},
    "rsvp.reply_by": {"en": "Please reply by {deadline}.",
                      "zh": "请于{deadline}前答复。"},
    "rsvp.accept": {"en": "Accept the invitation", "zh": "接受邀请"},
    "rsvp.decline": {"en": "Decline the invitation", "zh": "谢绝邀请"},
    "rsvp.declined_note": {"en": "You have declined this invitation. Thank you for letting "
                                 "us know.",
                           "zh": "贵单位已谢绝本次邀请，感谢告知。"},
    "rsvp.already_answered": {"en": "This invitation is already answered: {status}.",
                              "zh": "本邀请已答复：{status}。"},
    "rsvp.decline_title": {"en": "Decline the invitation?", "zh": "确认谢绝邀请？"},
    "rsvp.decline_question": {"en": "Do you want to decline the invitation of {organization} "
                                    "to {edition}?",
                              "zh": "您确定代表{organization}谢绝参加{edition}的邀请吗？"},
    "rsvp.decline_final": {"en": "A declined invitation cannot be accepted later through "
                                 "this link.",
                           "zh": "谢绝后将无法再通过此链接接受邀请。"},
    "rsvp.back_to_invitation": {"en": "Back to the invitation", "zh": "返回邀请函"},
    "rsvp.delegation": {"en": "Your delegation", "zh": "贵代表团"},
    "rsvp.delegation_caption": {"en": "Members registered: {count} of {quota}",
                                "zh": "已登记成员：{count}人（名额{quota}人）"},
    "rsvp.member_status": {"en": "Registration status", "zh": "登记状态"},
    "rsvp.member_status.pending": {"en": "Pending confirmation", "zh": "待确认"},
    "rsvp.member_status.confirmed": {"en": "Confirmed", "zh": "已确认"},
    "rsvp.member_status.waitlisted": {"en": "On the waiting list", "zh": "候补"},
    "rsvp.member_status.rejected": {"en": "Not accepted", "zh": "未获接受"},
    "rsvp.member_status.cancelled": {"en": "Cancelled", "zh": "已取消"},
    "rsvp.no_members": {"en": "No member of the delegation is registered yet.",
                        "zh": "尚未登记任何代表团成员。"},
    "rsvp.register_delegation": {"en": "Register the delegation", "zh": "登记代表团"},
    "rsvp.edit_delegation": {"en": "Change the delegation", "zh": "修改代表团名单"},
    "rsvp.delegation_title": {"en": "Delegation members", "zh": "代表团成员"},
    "rsvp.delegation_help": {
        "en": "Fill in one box per member, up to {quota} people, with exactly one head of "
              "delegation. Rows left without a full name are ignored; a member you remove "
              "from the list is cancelled.",
        "zh": "每位成员填写一栏，最多{quota}人，其中须有且仅有一名代表团团长。未填写姓名的栏目"
              "将不予处理；从名单中删除的成员，其登记将被取消。"},
    "rsvp.member_n": {"en": "Member {n}", "zh": "成员{n}"},
    "rsvp.registered": {"en": "registered", "zh": "已登记"},
    "rsvp.save_delegation": {"en": "Save the delegation", "zh": "保存代表团名单"},
    "rsvp.field.full_name": {"en": "Full name", "zh": "姓名"},
    "rsvp.field.email": {"en": "E-mail", "zh": "电子邮箱"},
    "rsvp.field.position": {"en": "Position", "zh": "职务"},
    "rsvp.field.role": {"en": "Role", "zh": "身份"},
    "rsvp.field.attendance": {"en": "Attendance", "zh": "参会方式"},
    "rsvp.field.needs_visa_letter": {"en": "Needs a visa support letter",
                                     "zh": "需要签证邀请函"},
    "rsvp.field.dietary": {"en": "Dietary requirements", "zh": "饮食要求"},
    "rsvp.field.accessibility": {"en": "Accessibility needs", "zh": "无障碍需求"},
    "rsvp.role.head_of_delegation": {"en": "Head of delegation", "zh": "代表团团长"},
    "rsvp.role.delegate": {"en": "Delegate", "zh": "代表"},
    "rsvp.role.speaker": {"en": "Speaker", "zh": "发言人"},
    "rsvp.role.expert": {"en": "Expert", "zh": "专家"},
    "rsvp.role.observer": {"en": "Observer", "zh": "观察员"},
    "rsvp.role.press": {"en": "Press", "zh": "媒体记者"},
    "rsvp.role.staff": {"en": "Staff", "zh": "工作人员"},
    "rsvp.role.exhibitor": {"en": "Exhibitor", "zh": "参展方"},
    "rsvp.attendance.in_person": {"en": "In person", "zh": "现场参会"},
    "rsvp.attendance.video": {"en": "By video", "zh": "视频参会"},
    "rsvp.credential": {"en": "Credentials (note verbale)", "zh": "代表资格证明（普通照会）"},
    "rsvp.credential_received": {"en": "Received: {filename}, {when}.",
                                 "zh": "已收到：{filename}，{when}。"},
    "rsvp.credential_reviewed": {"en": "Reviewed by the organizers", "zh": "主办方已审核"},
    "rsvp.credential_awaiting_review": {"en": "Awaiting review", "zh": "待审核"},
    "rsvp.credential_missing": {"en": "Not uploaded yet", "zh": "尚未上传"},
    "rsvp.credential_label": {"en": "Note verbale (PDF, PNG or JPEG)",
                              "zh": "普通照会（PDF、PNG或JPEG格式）"},
    "rsvp.credential_upload": {"en": "Upload the note verbale", "zh": "上传普通照会"},
    "rsvp.credential_replace": {"en": "Replace the note verbale", "zh": "替换普通照会"},
    "rsvp.visa_letter": {"en": "Visa support letter", "zh": "签证邀请函"},
    "rsvp.visa.received": {"en": "Passport details received", "zh": "已收到护照信息"},
    "rsvp.visa.needed": {"en": "Passport details needed", "zh": "需提供护照信息"},
    "rsvp.visa.not_requested": {"en": "Not requested", "zh": "未申请"},
    "rsvp.visa.link": {"en": "Passport details for {name}", "zh": "填写{name}的护照信息"},
    "rsvp.visa.title": {"en": "Visa support letter", "zh": "签证邀请函"},
    "rsvp.visa.help": {
        "en": "The organizers issue a visa support letter from these passport details. They "
              "are stored encrypted and shown to the organizers only; this page never shows "
              "them again.",
        "zh": "主办方将根据以下护照信息出具签证邀请函。信息经加密保存，仅主办方可查看；"
              "本页面不会再次显示这些信息。"},
    "rsvp.visa.on_file": {"en": "Passport details are on file (last changed {when}). Sending "
                                "the form again replaces them.",
                          "zh": "护照信息已提交（最近修改：{when}）。再次提交将替换原有信息。"},
    "rsvp.visa.passport_number": {"en": "Passport number", "zh": "护照号码"},
    "rsvp.visa.nationality": {"en": "Nationality (country code)", "zh": "国籍（国家代码）"},
    "rsvp.visa.date_of_birth": {"en": "Date of birth", "zh": "出生日期"},
    "rsvp.visa.passport_expiry": {"en": "Passport expiry date", "zh": "护照有效期至"},
    "rsvp.visa.passport_hint": {"en": "Capital letters and digits, as printed in the "
                                      "passport.",
                                "zh": "请按护照所印填写大写字母和数字。"},
    "rsvp.visa.nationality_hint": {"en": "Two letters, e.g. CN, TH, FR.",
                                   "zh": "两位字母代码，例如 CN、TH、FR。"},
    "rsvp.visa.expiry_hint": {"en": "The passport must be valid after {end}.",
                              "zh": "护照有效期须晚于{end}。"},
    "rsvp.visa.submit": {"en": "Send the passport details", "zh": "提交护照信息"},
    "rsvp.flash.accepted": {"en": "Thank you: the invitation is accepted. Please register "
                                  "your delegation.",
                            "zh": "感谢您接受邀请，请登记贵代表团成员。"},
    "rsvp.flash.declined": {"en": "The invitation is declined. Thank you for your reply.",
                            "zh": "已谢绝邀请，感谢您的答复。"},
    "rsvp.flash.delegation": {"en": "The delegation is saved ({count} members).",
                              "zh": "代表团名单已保存（{count}人）。"},
    "rsvp.flash.credential": {"en": "The note verbale is uploaded; the organizers will "
                                    "review it.",
                              "zh": "普通照会已上传，主办方将进行审核。"},
    "rsvp.flash.visa": {"en": "The passport details are received.",
                        "zh": "护照信息已收到。"},
    "rsvp.sessions.title": {"en": "Breakout sessions", "zh": "分组会议"},
    "rsvp.sessions.link": {"en": "Choose breakout sessions", "zh": "选择分组会议"},
    "rsvp.sessions.help": {
        "en": "Choose a breakout session for each confirmed member of your delegation. "
              "Places are limited and given in the order of sign-up.",
        "zh": "请为贵代表团已确认的成员选择分组会议。名额有限，按报名先后顺序分配。"},
    "rsvp.sessions.none": {"en": "No breakout session is published yet.",
                           "zh": "尚未发布分组会议。"},
    "rsvp.sessions.confirmed_only": {
        "en": "Sessions can be chosen for confirmed members only; the organizers confirm "
              "members after reviewing the note verbale.",
        "zh": "仅可为已确认的成员选择分组会议；主办方审核普通照会后将确认成员。"},
    "rsvp.sessions.when": {"en": "Time", "zh": "时间"},
    "rsvp.sessions.room": {"en": "Room", "zh": "会议室"},
    "rsvp.sessions.capacity": {"en": "Places", "zh": "名额"},
    "rsvp.sessions.places_left": {"en": "{count} left", "zh": "剩余{count}个"},
    "rsvp.sessions.full": {"en": "full", "zh": "已满"},
    "rsvp.sessions.member": {"en": "Member", "zh": "成员"},
    "rsvp.sessions.sign_up": {"en": "Sign up for this session", "zh": "报名参加此会议"},
    "rsvp.sessions.choose_member": {"en": "Choose a member.", "zh": "请选择成员。"},
    "rsvp.flash.session": {"en": "Signed up for {title}.", "zh": "已报名参加：{title}。"},
    "rsvp.flash.session_left": {"en": "The place is given up.", "zh": "已取消报名。"},
    "rsvp.sessions.signed_up": {"en": "Signed up from your delegation",
                                "zh": "贵代表团已报名成员"},
    "rsvp.sessions.by_organizers": {"en": "assigned by the organizers",
                                    "zh": "由主办方安排"},
    "rsvp.sessions.leave": {"en": "Give up the place", "zh": "取消报名"},
    "rsvp.sessions.leave_label": {"en": "Give up {name}'s place in {title}",
                                  "zh": "取消{name}在“{title}”的报名"},
    "rsvp.error.title_404": {"en": "This link is not valid", "zh": "链接无效"},
    "rsvp.error.title_410": {"en": "This link can no longer be used", "zh": "链接已失效"},
    "rsvp.error.title_409": {"en": "This cannot be done now", "zh": "目前无法执行此操作"},
    "rsvp.error.contact_organizers": {
        "en": "If you think this is a mistake, please write to the organizers.",
        "zh": "如有疑问，请与主办方联系。"},
    "rsvp.error.link_invalid": {
        "en": "This invitation link is not valid. Check that the whole link was copied "
              "from the e-mail.",
        "zh": "此邀请链接无效，请确认已从邮件中完整复制链接。"},
    "rsvp.error.deadline_passed": {"en": "The response deadline of this invitation has "
                                         "passed.",
                                   "zh": "本邀请的答复截止时间已过。"},
    "rsvp.error.withdrawn": {"en": "This invitation has been withdrawn by the organizers.",
                             "zh": "主办方已撤回本邀请。"},
    "rsvp.error.edition_closed": {"en": "Registration for this edition has closed.",
                                  "zh": "本届会议的报名已截止。"},
    "rsvp.error.accept_first": {"en": "Accept the invitation before uploading the "
                                      "delegation's credentials.",
                                "zh": "请先接受邀请，再上传代表团资格证明。"},
    "rsvp.error.accept_first_delegation": {
        "en": "Accept the invitation before registering the delegation.",
        "zh": "请先接受邀请，再登记代表团成员。"},
    "rsvp.error.choose_file": {"en": "Choose the file of the note verbale.",
                               "zh": "请选择普通照会文件。"},
    "rsvp.error.file_empty": {"en": "The file is empty.", "zh": "文件为空。"},
    "rsvp.error.file_type": {"en": "Upload a PDF, PNG or JPEG document.",
                             "zh": "请上传PDF、PNG或JPEG格式的文件。"},
    "rsvp.error.file_too_large": {"en": "The file is larger than {limit} bytes.",
                                  "zh": "文件大小超过{limit}字节。"},
    "rsvp.error.one_head": {"en": "Name exactly one head of delegation.",
                            "zh": "须指定且仅指定一名代表团团长。"},
    "rsvp.error.over_quota": {"en": "The quota is {quota} people; {given} were given.",
                              "zh": "名额为{quota}人，但填写了{given}人。"},
    "rsvp.error.same_email": {"en": "Same e-mail as member {member}.",
                              "zh": "与成员{member}的电子邮箱相同。"},
    "rsvp.error.delegation_refused": {"en": "The delegation cannot be registered as given.",
                                      "zh": "代表团名单无法按所填内容登记。"},
    "rsvp.error.no_members": {"en": "Give at least one member (with a full name).",
                              "zh": "请至少填写一名成员（含姓名）。"},
    "rsvp.error.email": {"en": "Not a valid e-mail address.", "zh": "电子邮箱地址无效。"},
    "rsvp.error.required": {"en": "Fill in this box.", "zh": "此项为必填项。"},
    "rsvp.error.role": {"en": "Choose a role.", "zh": "请选择身份。"},
    "rsvp.error.date": {"en": "Give a date (YYYY-MM-DD).", "zh": "请填写日期（年-月-日）。"},
    "rsvp.error.passport_invalid": {"en": "The passport details are not valid.",
                                    "zh": "护照信息有误。"},
    "rsvp.error.passport_number": {"en": "Give 5 to 20 characters, capital letters A-Z and "
                                         "digits 0-9 only.",
                                   "zh": "请填写5至20位字符，仅限大写字母A-Z和数字0-9。"},
    "rsvp.error.nationality": {"en": "Give an ISO 3166-1 alpha-2 country code "
                                     "(e.g. CN, FR, KE).",
                               "zh": "请填写ISO 3166-1两位字母国家代码（例如 CN、FR、KE）。"},
    "rsvp.error.birth_date": {"en": "Must be a date in the past (after {earliest}).",
                              "zh": "须为过去的日期（晚于{earliest}）。"},
    "rsvp.error.expiry": {"en": "The passport must be valid beyond the last day of the "
                                "edition ({end}).",
                          "zh": "护照有效期须晚于会议最后一天（{end}）。"},
}


def choose_language(preferred: str | None = None) -> str:
    asked = request.args.get("lang")
    for candidate in (asked, preferred):
        if candidate:
            primary = candidate.lower().split("-")[0]
            if primary in LANGUAGES:
                return primary
    return request.accept_languages.best_match(LANGUAGES) or "en"


def current_language() -> str:
    return g.get("page_language", "en")


def translate(key: str, **values: object) -> str:
    texts = MESSAGES.get(key)
    if texts is None:
        return key.format(**values) if values else key
    text = texts.get(current_language()) or texts["en"]
    return text.format(**values) if values else text
