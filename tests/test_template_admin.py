"""The message template admin: drafts are checked, published versions never change, and
the change page previews the words with sample values."""

import html
import re

import pytest

from commonweal.messaging import services
from commonweal.messaging.models import MessageTemplate

pytestmark = pytest.mark.django_db

CHANGELIST = "/staff/admin/messaging/messagetemplate/"
ADD = f"{CHANGELIST}add/"


def change_url(template: MessageTemplate) -> str:
    return f"{CHANGELIST}{template.pk}/change/"


def published(event: str, channel: str, language: str = "en") -> MessageTemplate:
    return MessageTemplate.objects.get(
        event=event, channel=channel, language=language, status=MessageTemplate.Status.PUBLISHED
    )


def draft_of(template: MessageTemplate, *, subject=None, body=None) -> MessageTemplate:
    return services.template_new_version(
        template=template,
        subject=template.subject if subject is None else subject,
        body=template.body if body is None else body,
        by=None,
    )


def page(response) -> str:
    return html.unescape(response.content.decode())


def words(response) -> str:
    """The page as text, without tags."""
    return " ".join(re.sub(r"<[^>]+>", " ", page(response)).split())


def previews(response) -> list[str]:
    return re.findall(
        r"<div class='template-preview'>(.*?)</div>", response.content.decode(), re.DOTALL
    )


def test_the_list_loads_with_filters_and_search(admin_client):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    text = page(response)
    assert "application_received" in text
    assert "Published" in text
    response = admin_client.get(
        CHANGELIST, {"event": "delay", "channel": "sms", "language": "cy", "status": "published"}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    response = admin_client.get(CHANGELIST, {"q": "Annwyl"})
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0
    assert all(t.language == "cy" for t in response.context["cl"].result_list)


def test_a_draft_with_an_unknown_placeholder_is_refused(admin_client):
    draft = draft_of(published("delay", "email"))
    response = admin_client.post(
        change_url(draft),
        {"subject": "About ((reference))", "body": "Dear ((nmae)),\nsorry for the wait."},
    )
    assert response.status_code == 200
    text = page(response)
    assert (
        "Unknown placeholder ((nmae)): use one of ((name)), ((reference)), ((service)), "
        "((url)), ((organisation)), ((due_date))" in text
    )
    assert response.context["adminform"].form.errors["body"]
    draft.refresh_from_db()
    assert "nmae" not in draft.body

    # A subject's mistake is shown on the subject; an email needs one.
    response = admin_client.post(
        change_url(draft), {"subject": "((when))", "body": "Dear ((name))"}
    )
    errors = response.context["adminform"].form.errors
    assert "Unknown placeholder ((when))" in errors["subject"][0]
    response = admin_client.post(change_url(draft), {"subject": "", "body": "Dear ((name))"})
    assert response.context["adminform"].form.errors["subject"] == ["An email needs a subject"]


def test_a_valid_draft_saves(admin_client):
    draft = draft_of(published("delay", "email"))
    response = admin_client.post(
        change_url(draft),
        {"subject": "Your decision is delayed", "body": "Dear ((name)),\nby ((due_date))."},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == MessageTemplate.Status.DRAFT
    assert draft.subject == "Your decision is delayed"
    assert draft.body == "Dear ((name)),\nby ((due_date))."


def test_publishing_without_a_welsh_version_is_refused(admin_client, settings):
    settings.COMMONWEAL_WELSH_REQUIRED = True
    MessageTemplate.objects.filter(event="delay", channel="letter", language="cy").update(
        status=MessageTemplate.Status.RETIRED
    )
    draft = draft_of(published("delay", "letter"), body="Dear ((name)), it is late.")

    response = admin_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "There is no Welsh version of this template" in page(response)
    draft.refresh_from_db()
    assert draft.status == MessageTemplate.Status.DRAFT

    # The button on the page saves the draft, then says why it is not published.
    response = admin_client.post(
        change_url(draft),
        {"subject": draft.subject, "body": "Dear ((name)), it is later.", "_publish": "1"},
        follow=True,
    )
    assert "Saved, but did not publish" in page(response)
    assert "There is no Welsh version of this template" in page(response)
    draft.refresh_from_db()
    assert draft.status == MessageTemplate.Status.DRAFT
    assert draft.body == "Dear ((name)), it is later."
    assert published("delay", "letter").version == 1


def test_publishing_retires_the_version_in_use(admin_client, settings):
    settings.COMMONWEAL_WELSH_REQUIRED = True
    old = published("delay", "email")
    draft = draft_of(old, body="Dear ((name)), we need until ((due_date)).")
    response = admin_client.post(
        change_url(draft),
        {"subject": draft.subject, "body": draft.body, "_publish": "1"},
        follow=True,
    )
    assert "Published" in page(response)
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.status == MessageTemplate.Status.PUBLISHED
    assert draft.published_at is not None
    assert old.status == MessageTemplate.Status.RETIRED

    # And by the list's action, for the Welsh one.
    old_cy = published("delay", "email", "cy")
    draft_cy = draft_of(old_cy)
    admin_client.post(CHANGELIST, {"action": "publish", "_selected_action": [draft_cy.pk]})
    draft_cy.refresh_from_db()
    old_cy.refresh_from_db()
    assert draft_cy.status == MessageTemplate.Status.PUBLISHED
    assert old_cy.status == MessageTemplate.Status.RETIRED


def test_a_published_version_is_only_saved_as_a_new_version(admin_client):
    template = published("decision_made", "email")
    original = (template.subject, template.body)
    latest = (
        MessageTemplate.objects.filter(event="decision_made", channel="email", language="en")
        .order_by("-version")
        .first()
    )

    response = admin_client.get(change_url(template))
    text = page(response)
    assert 'name="_saveasnewversion"' in text
    assert 'name="_save"' not in text
    assert 'name="_publish"' not in text
    assert "deletelink" not in text

    edited = "Dear ((name)),\n\nWe have decided.\n\n((organisation))"
    response = admin_client.post(
        change_url(template), {"subject": template.subject, "body": edited, "_save": "1"}
    )
    assert response.status_code == 200
    assert f"Version {template.version} is published and never changes" in page(response)
    template.refresh_from_db()
    assert (template.subject, template.body) == original

    # A mistake is refused here too, and makes no version.
    response = admin_client.post(
        change_url(template),
        {"subject": template.subject, "body": "((nmae))", "_saveasnewversion": "1"},
    )
    assert response.status_code == 200
    assert "Unknown placeholder ((nmae))" in page(response)

    response = admin_client.post(
        change_url(template),
        {"subject": template.subject, "body": edited, "_saveasnewversion": "1"},
    )
    assert response.status_code == 302
    new = MessageTemplate.objects.get(
        event="decision_made", channel="email", language="en", version=latest.version + 1
    )
    assert response["Location"] == change_url(new)
    assert new.status == MessageTemplate.Status.DRAFT
    assert new.body == edited
    template.refresh_from_db()
    assert template.status == MessageTemplate.Status.PUBLISHED
    assert (template.subject, template.body) == original

    response = admin_client.get(response["Location"])
    text = page(response)
    assert f"Made version {new.version}, a draft" in text
    assert 'name="_publish"' in text


def test_a_retired_version_never_changes(admin_client):
    template = published("appointment", "portal")
    draft = draft_of(template)
    services.template_publish(template=draft)
    template.refresh_from_db()
    assert template.status == MessageTemplate.Status.RETIRED
    response = admin_client.post(
        change_url(template), {"subject": "Changed", "body": "Changed", "_continue": "1"}
    )
    assert response.status_code == 200
    assert "is retired and never changes" in page(response)
    template.refresh_from_db()
    assert template.subject != "Changed"


def test_the_preview_shows_sample_values(admin_client):
    template = published("application_received", "email")
    response = admin_client.get(change_url(template))
    assert response.status_code == 200
    shown = previews(response)
    assert len(shown) == 2
    assert all("((" not in part for part in shown)
    assert "Sam Evans" in shown[1]
    assert "HB-4K7P-2XQM" in shown[0]
    assert "<br>" in shown[1]
    text = page(response)
    assert "((what_happens_next))" in text  # in the list of placeholders the event can use
    assert "Length as a text message" not in text

    # Shown escaped.
    draft = draft_of(template, body="Dear ((name)) <script>alert(1)</script>")
    shown = previews(admin_client.get(change_url(draft)))
    assert "&lt;script&gt;" in shown[1]
    assert "<script>" not in shown[1]


def test_the_preview_of_a_text_message_shows_its_length(admin_client):
    template = published("delay", "sms", "cy")
    draft = draft_of(template, body="((organisation)): bydd eich cais ((reference)) yn hwyr ŵ.")
    response = admin_client.get(change_url(draft))
    text = words(response)
    assert "Length as a text message" in text
    assert "characters, 1 text message, Unicode" in text
    assert "ŵ make this message Unicode: 70 characters per text message" in text
    assert all("((" not in part for part in previews(response))

    draft = draft_of(template, body="((name)) ŵ â " + "x" * 150)
    text = words(admin_client.get(change_url(draft)))
    assert "characters, 3 text messages, Unicode" in text
    assert "ŵ, â make this message Unicode" in text

    plain = published("delay", "sms", "en")
    text = words(admin_client.get(change_url(plain)))
    assert "characters, 1 text message, GSM" in text
    assert "160 characters per text message" in text

    draft = draft_of(plain, body="((name)): it costs €5 [or more]")
    text = words(admin_client.get(change_url(draft)))
    assert "€, [, ] count as two characters each" in text


def test_add_makes_version_1_drafts_only_for_a_new_template(admin_client):
    response = admin_client.get(ADD)
    assert response.status_code == 200
    assert "((what_happens_next))" in page(response)

    words = {"subject": "", "body": "Your appointment is on ((date)) at ((time))."}
    response = admin_client.post(
        ADD, {"event": "appointment", "channel": "sms", "language": "cy", **words}
    )
    assert response.status_code == 200
    assert "There is already a template for appointment by sms in Welsh" in page(response)

    response = admin_client.post(
        ADD, {"event": "no_such_event", "channel": "fax", "language": "xx", **words}
    )
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"event", "channel", "language"}

    MessageTemplate.objects.filter(event="appointment", channel="sms", language="cy").delete()
    response = admin_client.post(
        ADD,
        {
            "event": "appointment",
            "channel": "sms",
            "language": "cy",
            "subject": "",
            "body": "((nmae))",
        },
    )
    assert "Unknown placeholder ((nmae))" in page(response)
    response = admin_client.post(
        ADD, {"event": "appointment", "channel": "sms", "language": "cy", **words}
    )
    assert response.status_code == 302
    made = MessageTemplate.objects.get(event="appointment", channel="sms", language="cy")
    assert made.version == 1
    assert made.status == MessageTemplate.Status.DRAFT
    assert made.created_by is not None


def test_only_drafts_can_be_deleted(admin_client):
    template = published("delay", "phone")
    assert admin_client.get(f"{CHANGELIST}{template.pk}/delete/").status_code == 403
    draft = draft_of(template)
    response = admin_client.post(f"{CHANGELIST}{draft.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not MessageTemplate.objects.filter(pk=draft.pk).exists()


def test_the_message_list_loads_with_its_filters(admin_client):
    response = admin_client.get("/staff/admin/messaging/message/", {"channel": "sms"})
    assert response.status_code == 200


def test_the_service_edits_a_draft_but_never_a_published_version(admin_client):
    template = published("decision_made", "email")
    with pytest.raises(services.TemplateRefused):
        services.template_draft_edit(template=template, subject="Changed", body="Changed")
    template.refresh_from_db()
    assert template.body != "Changed"

    draft = draft_of(template)
    services.template_draft_edit(template=draft, subject=draft.subject, body="Dear ((name)).")
    draft.refresh_from_db()
    assert draft.body == "Dear ((name))." and draft.status == MessageTemplate.Status.DRAFT
