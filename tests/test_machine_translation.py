"""Machine translation of message templates, against a local server speaking LibreTranslate's
documented `/translate` API: a draft marked machine translated, never published nor sent
until a person approves it; a provider's error, a timeout or a broken answer is a clear
error and nothing is written."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from commonweal.core.registry import registries
from commonweal.messaging import services as messaging
from commonweal.messaging import translation
from commonweal.messaging.models import Message, MessageTemplate
from commonweal.people.models import Person
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db

CHANGELIST = "/staff/admin/messaging/messagetemplate/"
# What the fake provider "translates" each sentence into.
POLISH = {
    "A decision has been made: [[1]] ([[2]])": "Podjęto decyzję: [[1]] ([[2]])",
}


class LibreTranslateServer(ThreadingHTTPServer):
    """LibreTranslate's POST /translate: {"q", "source", "target", "format", "api_key"} ->
    {"translatedText"}, or an error status with {"error"}. `mode` makes it misbehave."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.mode = "ok"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        """Quiet: the tests read what was asked from `server.requests`."""

    def _answer(self, status: int, body: object) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        server = self.server
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.requests.append(payload)
        if self.path != "/translate":
            return self._answer(404, {"error": "Not found"})
        if payload.get("api_key") != "secret-key":
            return self._answer(403, {"error": "Invalid API key"})
        if server.mode == "unsupported":
            return self._answer(400, {"error": f"{payload['target']} is not supported"})
        if server.mode == "slow":
            time.sleep(2)
        if server.mode == "garbled":
            return self._answer(200, b"<html>not json</html>")
        text = payload["q"]
        translated = POLISH.get(text) or f"PL: {text}"
        if server.mode == "drops_placeholder":
            translated = translated.replace("[[1]]", "")
        return self._answer(200, {"translatedText": translated})


@pytest.fixture
def libretranslate(settings):
    server = LibreTranslateServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.COMMONWEAL_TRANSLATION_PROVIDER = "libretranslate"
    settings.COMMONWEAL_LIBRETRANSLATE_URL = server.url
    settings.COMMONWEAL_LIBRETRANSLATE_API_KEY = "secret-key"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def staff(db):
    return make_staff()


def english(event: str = "decision_made", channel: str = "email") -> MessageTemplate:
    return MessageTemplate.objects.get(
        event=event, channel=channel, language="en", status="published"
    )


def test_the_provider_registry_lists_libretranslate():
    registry = next(r for r in registries() if r.name == "translation-providers")
    assert "libretranslate" in registry.names()


def test_a_draft_translation_keeps_the_placeholders(libretranslate, staff):
    source = english()
    draft = messaging.template_translate(template=source, language="pl", by=staff.leader)
    assert draft.status == "draft" and draft.language == "pl" and draft.version == 1
    assert draft.machine_translated and draft.machine_translated_by == "libretranslate"
    assert draft.translated_from == source and draft.created_by == staff.leader
    assert draft.subject == "Podjęto decyzję: ((service)) (((reference)))"
    assert draft.body.startswith("PL: Dear ((name)),")
    # The provider was asked as its API documents, the placeholders kept out of its hands.
    first = libretranslate.requests[0]
    assert first == {
        "q": "A decision has been made: [[1]] ([[2]])",
        "source": "en",
        "target": "pl",
        "format": "text",
        "api_key": "secret-key",
    }


def test_a_machine_translation_is_never_sent_until_a_person_approves_it(
    libretranslate, staff, citizen
):
    case = submit_case(citizen)
    Person.objects.filter(pk=case.person_id).update(language="pl", channels=["email"])
    case.person.refresh_from_db()
    draft = messaging.template_translate(template=english(), language="pl", by=staff.leader)

    def tell() -> Message:
        Message.objects.all().delete()
        messaging.templates_cache_clear()
        notice = messaging.notice_send(
            event="decision_made",
            person=case.person,
            case=case,
            data=messaging.notice_data(case=case, person=case.person, language="pl"),
        )
        return notice.messages.get()

    # Publishing it without approval is refused.
    with pytest.raises(messaging.TemplateRefused, match="machine translated"):
        messaging.template_publish(template=draft)
    assert tell().language == "en"
    # Even marked published some other way, it is not used.
    MessageTemplate.objects.filter(pk=draft.pk).update(status="published")
    message = tell()
    assert message.language == "en" and message.template.language == "en"
    MessageTemplate.objects.filter(pk=draft.pk).update(status="draft")

    draft.refresh_from_db()
    messaging.template_translation_approve(template=draft, by=staff.leader)
    draft.refresh_from_db()
    assert draft.status == "published" and not draft.machine_translated
    assert draft.approved_by == staff.leader
    message = tell()
    assert message.language == "pl" and message.template_id == draft.pk
    assert message.subject.startswith("Podjęto decyzję")


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("unsupported", "LibreTranslate answered 400: pl is not supported"),
        ("garbled", "LibreTranslate's answer had no translated text"),
        ("drops_placeholder", "The translation lost or repeated the placeholder ((service))"),
    ],
)
def test_a_provider_error_is_clear_and_writes_nothing(libretranslate, staff, mode, why):
    libretranslate.mode = mode
    before = MessageTemplate.objects.count()
    with pytest.raises(translation.TranslationFailed) as failed:
        messaging.template_translate(template=english(), language="pl", by=staff.leader)
    assert why in str(failed.value)
    assert MessageTemplate.objects.count() == before


def test_a_provider_that_does_not_answer_in_time(libretranslate, staff, monkeypatch):
    libretranslate.mode = "slow"
    monkeypatch.setattr(translation, "REQUEST_TIMEOUT", 0.5)
    before = MessageTemplate.objects.count()
    with pytest.raises(translation.TranslationFailed, match=r"did not answer within 0\.5 seconds"):
        messaging.template_translate(template=english(), language="pl", by=staff.leader)
    assert MessageTemplate.objects.count() == before


def test_a_wrong_key_or_no_provider_is_a_clear_error(libretranslate, staff, settings):
    settings.COMMONWEAL_LIBRETRANSLATE_API_KEY = "wrong"
    with pytest.raises(translation.TranslationFailed, match="403: Invalid API key"):
        messaging.template_translate(template=english(), language="pl", by=staff.leader)
    settings.COMMONWEAL_TRANSLATION_PROVIDER = ""
    with pytest.raises(translation.TranslationFailed, match="No machine translation provider"):
        messaging.template_translate(template=english(), language="pl", by=staff.leader)
    with pytest.raises(messaging.TemplateRefused):
        messaging.template_translate(template=english(), language="xx", by=staff.leader)
    assert not MessageTemplate.objects.filter(language="pl").exists()


def test_the_admin_translates_then_approves(admin_client, libretranslate):
    source = english(channel="sms")
    # The action first asks which language.
    response = admin_client.post(
        CHANGELIST, {"action": "machine_translate", "_selected_action": [source.pk]}
    )
    assert response.status_code == 200
    assert "Machine-translate message templates" in response.content.decode()
    response = admin_client.post(
        CHANGELIST,
        {
            "action": "machine_translate",
            "_selected_action": [source.pk],
            "apply": "yes",
            "language": "pl",
        },
        follow=True,
    )
    assert "machine translated: check its words and approve it" in response.content.decode()
    draft = MessageTemplate.objects.get(event=source.event, channel="sms", language="pl")
    assert draft.machine_translated
    page = admin_client.get(f"{CHANGELIST}{draft.pk}/change/").content.decode()
    assert "Machine translated (libretranslate): not approved" in page
    assert 'name="_approve"' in page and 'name="_publish"' not in page

    # A provider error is shown, and nothing is made.
    libretranslate.mode = "unsupported"
    response = admin_client.post(
        CHANGELIST,
        {
            "action": "machine_translate",
            "_selected_action": [english(channel="letter").pk],
            "apply": "yes",
            "language": "pl",
        },
        follow=True,
    )
    assert "Did not translate" in response.content.decode()
    assert "pl is not supported" in response.content.decode()
    assert not MessageTemplate.objects.filter(channel="letter", language="pl").exists()

    response = admin_client.post(
        CHANGELIST,
        {"action": "approve_translations", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "Approved and published" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "published" and draft.approved_at is not None
