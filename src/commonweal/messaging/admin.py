from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from commonweal.core import languages
from commonweal.core.admin_site import OrganisationScoped, PersonalData, PlatformSettings
from commonweal.core.registry import UnknownName

from . import services, templating, translation
from .events import EVENTS
from .models import Message, MessageTemplate, PrintBatch, SavedReply


@admin.register(Message)
class MessageAdmin(PersonalData, admin.ModelAdmin):
    list_display = [
        "notice",
        "to_address",
        "channel",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    # Filtering by notice listed every notice ever made; the event says what it was about.
    list_filter = ["status", "channel", "event", "provider", "created_at"]
    list_select_related = ["notice"]
    readonly_fields = [f.name for f in Message._meta.fields]
    page_shows = ("person", "messages")
    list_shows = ("person",)

    def rows_in_scope(self, scope):
        # A case's messages go with the case; a person's others with the person.
        return Q(case__in=scope.cases.values("pk")) | Q(
            case__isnull=True, person__in=scope.cases.values("person_id")
        )

    def has_add_permission(self, request):
        return False


@admin.register(PrintBatch)
class PrintBatchAdmin(OrganisationScoped, admin.ModelAdmin):
    """Each organisation's letters of each day. Read only: batches are made by the print
    channel and built from the workspace, where each organisation sees its own."""

    list_display = ["day", "organisation", "letters", "built_at", "built_by"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "day"]
    list_select_related = ["organisation", "built_by"]
    readonly_fields = [f.name for f in PrintBatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SavedReply)
class SavedReplyAdmin(PlatformSettings, admin.ModelAdmin):
    """Replies staff start secure messages from, per service, in English and Welsh."""

    list_display = ["title", "service"]
    list_filter = ["service"]
    search_fields = ["title", "body_en", "body_cy"]


# Message templates


def _language_choices(*, english: bool = True) -> list[tuple[str, str]]:
    """English and Welsh first, then every other ISO 639-1 language by its English name."""
    others = sorted(
        ((code, languages.language_name(code)) for code in languages.language_codes()),
        key=lambda choice: choice[1],
    )
    first = [("en", "English"), ("cy", "Welsh")] if english else [("cy", "Welsh")]
    return first + [choice for choice in others if choice[0] not in ("en", "cy")]


LANGUAGES = [("en", "English"), ("cy", "Welsh")]
# Channels whose message is short: a text message, or the script for a phone call.
SHORT_CHANNELS = ("sms", "phone")
SAVE_AS_NEW_VERSION = "_saveasnewversion"
PUBLISH = "_publish"
APPROVE = "_approve"


class TranslateForm(forms.Form):
    """The language the machine-translation action translates the selected templates into."""

    language = forms.ChoiceField(
        choices=lambda: _language_choices(english=False),
        help_text="Each selected template gets a draft in this language, marked machine "
        "translated until a person checks and approves it.",
    )


def _event_choices():
    return [(name, f"{name}: {event.description}") for name, event in EVENTS.items()]


class MessageTemplateForm(forms.ModelForm):
    """Add a version 1 draft, edit a draft, or (from a published or retired version) write
    the text of a new draft version. Every problem `template_check` finds is a form error."""

    event = forms.ChoiceField(choices=_event_choices)
    channel = forms.ChoiceField(choices=Message.Channel.choices)
    language = forms.ChoiceField(choices=_language_choices)
    # Set by the admin: the "Save as new version" button was pressed.
    as_new_version = False

    class Meta:
        model = MessageTemplate
        fields = ["event", "channel", "language", "subject", "body"]
        widgets = {
            "subject": forms.TextInput(attrs={"size": 100}),
            "body": forms.Textarea(attrs={"rows": 16, "cols": 100}),
        }

    def clean(self):
        cleaned = super().clean()
        template = self.instance
        adding = template._state.adding
        if adding:
            event, channel, language = (cleaned.get(f) for f in ("event", "channel", "language"))
            if not (event and channel and language):
                return cleaned
            if MessageTemplate.objects.filter(
                event=event, channel=channel, language=language
            ).exists():
                self.add_error(
                    None,
                    f"There is already a template for {event} by {channel} in "
                    f"{languages.language_name(language)}: change its latest version instead",
                )
                return cleaned
        else:
            event, channel = template.event, template.channel
            # Read the status again, locking the row until the admin's transaction ends, so
            # a version published meanwhile is not changed in place.
            status = (
                MessageTemplate.objects.select_for_update()
                .values_list("status", flat=True)
                .get(pk=template.pk)
            )
            if status != MessageTemplate.Status.DRAFT and not self.as_new_version:
                self.add_error(
                    None,
                    f"Version {template.version} is {status} and never changes: use "
                    "“Save as new version” to make a draft with your changes",
                )
                return cleaned
            if status == MessageTemplate.Status.DRAFT and self.as_new_version:
                self.add_error(None, "This version is a draft: save your changes to it")
                return cleaned
        subject = cleaned.get("subject", "")
        body = cleaned.get("body")
        if body is None or "subject" in self.errors:
            return cleaned
        try:
            services.template_check(event=event, channel=channel, subject=subject, body=body)
        except services.TemplateRefused as refused:
            self._add_problems(refused.problems, event, subject)
        return cleaned

    def _add_problems(self, problems: list[str], event: str, subject: str) -> None:
        """Each problem under the field it is in: the subject's problems are the ones
        `templating.check` finds in the subject (the same ones may be in the body too)."""
        in_subject = []
        if subject and event in EVENTS:
            try:
                templating.check(subject, EVENTS[event].placeholders)
            except templating.TemplateError as error:
                in_subject = list(error.problems)
        by_field: dict[str | None, list[str]] = {}
        for problem in problems:
            if problem in in_subject:
                in_subject.remove(problem)
                field = "subject"
            elif problem == "An email needs a subject":
                field = "subject"
            elif problem.startswith("Unknown event"):
                field = None
            else:
                field = "body"
            by_field.setdefault(field, []).append(problem)
        for field, field_problems in by_field.items():
            self.add_error(field, field_problems)


def _shown(character: str) -> str:
    """A character as the admin can see it: spaces and control characters by code."""
    if character.isprintable() and not character.isspace():
        return character
    return f"U+{ord(character):04X}"


def _sms_length_html(text: str):
    length = templating.sms_length(text)
    costly = ", ".join(_shown(character) for character in length.costly)
    fragments = f"{length.fragments} text message{'' if length.fragments == 1 else 's'}"
    if length.encoding == "GSM":
        encoding = "GSM"
        costs = (
            format_html("{} count as two characters each", costly)
            if length.costly
            else "160 characters per text message, 153 each when it needs more than one"
        )
    else:
        encoding = "Unicode"
        costs = format_html(
            "{} make this message Unicode: 70 characters per text message, 67 each when it "
            "needs more than one",
            costly,
        )
    return format_html(
        "<p><strong>{} characters, {}, {}</strong></p><p>{}</p><p class='help'>Counted with "
        "the sample values: real names, references and dates change the length.</p>",
        length.characters,
        fragments,
        encoding,
        costs,
    )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(PlatformSettings, admin.ModelAdmin):
    """The words of each notice. A published version never changes: editing it makes a new
    draft version, which is published (retiring the old one) when ready."""

    form = MessageTemplateForm
    list_display = [
        "event",
        "channel",
        "language",
        "version",
        "status",
        "machine_translation",
        "published_at",
    ]
    list_filter = ["event", "channel", "language", "status"]
    search_fields = ["subject", "body"]
    actions = ["publish", "machine_translate", "approve_translations"]

    # Pages

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": ["event", "channel", "language"],
                        "description": "Makes version 1, as a draft, of a template that does "
                        "not exist yet. To change an existing template, open its latest "
                        "version.",
                    },
                ),
                ("Words", {"fields": ["subject", "body"]}),
                ("Placeholders each event can use", {"fields": ["all_placeholders"]}),
            ]
        words = {"fields": ["subject", "body"]}
        if obj.status != MessageTemplate.Status.DRAFT:
            words["description"] = (
                "This version is "
                f"{obj.get_status_display().lower()} and never changes. Edit the words here "
                "and press “Save as new version” to make a draft of the next version."
            )
        preview = ["preview_subject", "preview_body"]
        if obj.channel in SHORT_CHANNELS:
            preview.append("text_message_length")
        return [
            (
                None,
                {
                    "fields": [
                        "event",
                        "channel",
                        "language",
                        "version",
                        "status",
                        "machine_translation",
                    ]
                },
            ),
            ("Words", words),
            ("Preview with sample values (as saved)", {"fields": preview}),
            ("Placeholders", {"fields": ["allowed_placeholders"]}),
            ("History", {"fields": ["created_by", "created_at", "published_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["all_placeholders"]
        return [
            "event",
            "channel",
            "language",
            "version",
            "status",
            "machine_translation",
            "preview_subject",
            "preview_body",
            "text_message_length",
            "allowed_placeholders",
            "created_by",
            "created_at",
            "published_at",
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.as_new_version = SAVE_AS_NEW_VERSION in request.POST
        return form

    def has_delete_permission(self, request, obj=None):
        # Messages record the version they used: only drafts (never used) can go.
        if obj is not None and obj.status != MessageTemplate.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.status != MessageTemplate.Status.DRAFT:
            context.update(
                show_save=False,
                show_save_and_continue=False,
                show_save_and_add_another=False,
                show_save_as_new_version=self.has_change_permission(request, obj),
            )
        elif obj is not None and obj.machine_translated:
            # A machine translation is published by approving it, never before.
            context["show_approve"] = self.has_change_permission(request, obj)
        elif obj is not None:
            context["show_publish"] = self.has_change_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Saving

    def save_model(self, request, obj, form, change):
        if not change:
            services.template_draft_create(template=obj, by=request.user)
        elif form.as_new_version:
            # The form checked the text; `obj` holds it, but the version itself never changes.
            original = MessageTemplate.objects.get(pk=obj.pk)
            draft = services.template_new_version(
                template=original,
                subject=form.cleaned_data.get("subject", ""),
                body=form.cleaned_data["body"],
                by=request.user,
            )
            self.log_addition(request, draft, [{"added": {}}])
            request._template_new_version = draft
        else:
            services.template_draft_edit(template=obj, subject=obj.subject, body=obj.body)

    def log_change(self, request, obj, message):
        if getattr(request, "_template_new_version", None) is not None:
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        draft = getattr(request, "_template_new_version", None)
        if draft is not None:
            self.message_user(
                request,
                f"Made version {draft.version}, a draft, from version {obj.version}: check "
                "it and publish it to use it.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._change_url(draft))
        if PUBLISH in request.POST:
            self._publish_one(request, obj, saved=True)
            return HttpResponseRedirect(self._change_url(obj))
        if APPROVE in request.POST:
            self._approve_one(request, obj)
            return HttpResponseRedirect(self._change_url(obj))
        return super().response_change(request, obj)

    def _change_url(self, template: MessageTemplate) -> str:
        return reverse("admin:messaging_messagetemplate_change", args=[template.pk])

    # Publishing

    def _publish_one(self, request, template: MessageTemplate, *, saved: bool = False) -> bool:
        try:
            with transaction.atomic():
                services.template_publish(template=template, by=request.user)
        except services.TemplateRefused as refused:
            self.message_user(
                request,
                f"{'Saved, but did not publish' if saved else 'Did not publish'} {template}: "
                + "; ".join(refused.problems),
                messages.ERROR,
            )
            return False
        self.message_user(
            request,
            f"Published {template}; earlier versions are retired.",
            messages.SUCCESS,
        )
        return True

    @admin.action(description="Publish the selected drafts (retires the version in use)")
    def publish(self, request, queryset):
        # Oldest first, so that of two drafts of one template the newest ends up in use.
        for template in queryset.order_by("version"):
            if template.status != MessageTemplate.Status.DRAFT:
                self.message_user(
                    request, f"{template} is not a draft: nothing to publish", messages.WARNING
                )
                continue
            self._publish_one(request, template)

    # Machine translation

    @admin.action(description="Machine-translate the selected templates into another language")
    def machine_translate(self, request, queryset):
        form = TranslateForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            language = form.cleaned_data["language"]
            for template in queryset.order_by("event", "channel", "language", "version"):
                try:
                    draft = services.template_translate(
                        template=template, language=language, by=request.user
                    )
                except (translation.TranslationFailed, services.TemplateRefused) as error:
                    problem = (
                        "; ".join(error.problems)
                        if isinstance(error, services.TemplateRefused)
                        else str(error)
                    )
                    self.message_user(
                        request, f"Did not translate {template}: {problem}", messages.ERROR
                    )
                    continue
                except UnknownName as error:
                    self.message_user(request, str(error), messages.ERROR)
                    return None
                self.log_addition(request, draft, [{"added": {}}])
                self.message_user(
                    request,
                    f"Made {draft}, machine translated: check its words and approve it to "
                    "publish it.",
                    messages.SUCCESS,
                )
            return None
        return TemplateResponse(
            request,
            "admin/messaging/messagetemplate/translate.html",
            {
                **self.admin_site.each_context(request),
                "title": "Machine-translate message templates",
                "opts": self.model._meta,
                "form": form,
                "templates": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "provider": translation.provider_configured(),
            },
        )

    @admin.action(description="Approve the selected machine translations (publishes them)")
    def approve_translations(self, request, queryset):
        for template in queryset.order_by("version"):
            self._approve_one(request, template)

    def _approve_one(self, request, template: MessageTemplate) -> bool:
        try:
            with transaction.atomic():
                services.template_translation_approve(template=template, by=request.user)
        except services.TemplateRefused as refused:
            self.message_user(
                request,
                f"Did not approve {template}: " + "; ".join(refused.problems),
                messages.ERROR,
            )
            return False
        self.message_user(
            request,
            f"Approved and published {template}; earlier versions are retired.",
            messages.SUCCESS,
        )
        return True

    @admin.display(description="Translation")
    def machine_translation(self, obj):
        if not obj.machine_translated_by:
            return "-"
        if obj.approved_at is None:
            return f"Machine translated ({obj.machine_translated_by}): not approved"
        return f"Machine translated ({obj.machine_translated_by}), approved by {obj.approved_by}"

    # What the page shows

    @admin.display(description="Subject")
    def preview_subject(self, obj):
        if not obj.subject:
            return "(no subject)"
        return self._preview(obj.subject)

    @admin.display(description="Body")
    def preview_body(self, obj):
        return self._preview(obj.body)

    def _preview(self, text: str):
        try:
            rendered = templating.preview(text)
        except templating.TemplateError as error:
            # Saved drafts are checked; an old version may predate a check.
            return format_html("<p>Cannot preview: {}</p>", "; ".join(error.problems))
        return format_html("<div class='template-preview'>{}</div>", linebreaksbr(rendered))

    @admin.display(description="Length as a text message")
    def text_message_length(self, obj):
        try:
            rendered = templating.preview(obj.body)
        except templating.TemplateError:
            return "-"
        return _sms_length_html(rendered)

    @admin.display(description="This event can use")
    def allowed_placeholders(self, obj):
        event = EVENTS.get(obj.event)
        if event is None:
            return f"{obj.event} is not an event the platform sends"
        return self._placeholders_html(event)

    @admin.display(description="Events")
    def all_placeholders(self, obj):
        return format_html_join(
            "",
            "<h3>{}</h3>{}",
            ((name, self._placeholders_html(event)) for name, event in EVENTS.items()),
        )

    def _placeholders_html(self, event):
        samples = templating.sample_data(event.placeholders)
        return format_html(
            "<p>{}</p><ul>{}</ul><p class='help'>Optional text: ((name??text)) shows the text "
            "only when name has a value.</p>",
            event.description,
            format_html_join(
                "",
                "<li><code>(({}))</code>, for example “{}”</li>",
                ((name, samples[name]) for name in event.placeholders),
            ),
        )
