"""Message templates: Notify-style placeholders, optional text, and text-message lengths."""

import pytest

from commonweal.messaging.templating import (
    MissingData,
    SmsLength,
    TemplateError,
    check,
    flag_names,
    placeholders,
    preview,
    render,
    sample_data,
    sms_length,
)

ALLOWED = ["name", "reference", "service", "has_deadline", "due_date"]


def problems_of(text: str, allowed=ALLOWED) -> list[str]:
    with pytest.raises(TemplateError) as raised:
        check(text, allowed)
    return raised.value.problems


# render -------------------------------------------------------------------------------------


def test_render_fills_in_placeholders():
    text = "Dear ((name)), your reference is ((reference))."
    assert render(text, {"name": "Sam", "reference": "HB-1234"}) == (
        "Dear Sam, your reference is HB-1234."
    )


def test_render_converts_values_with_str():
    assert render("You owe £((amount)) in ((count)) parts", {"amount": 12.5, "count": 3}) == (
        "You owe £12.5 in 3 parts"
    )


@pytest.mark.parametrize("value", [True, "yes", "Yes", "2025-03-17", 1, -1, 0.5])
def test_optional_text_shows_when_flag_is_truthy(value):
    text = "Thanks.((has_deadline?? Reply by Friday.))"
    assert render(text, {"has_deadline": value}) == "Thanks. Reply by Friday."


@pytest.mark.parametrize("value", [False, None, "", "  ", "no", "No", "FALSE", "0", 0, 0.0])
def test_optional_text_hidden_when_flag_is_falsey(value):
    text = "Thanks.((has_deadline?? Reply by Friday.))"
    assert render(text, {"has_deadline": value}) == "Thanks."


def test_names_compare_ignoring_case_and_surrounding_spaces():
    text = "Dear (( Name )), ((REFERENCE)) ((Has_Deadline ??due soon))"
    data = {" name": "Sam", "Reference ": "HB-1", "HAS_DEADLINE": "yes"}
    assert render(text, data) == "Dear Sam, HB-1 due soon"


def test_missing_data_names_everything_missing():
    text = "((name)) ((reference)) ((service)) ((urgent??Now)) ((name))"
    with pytest.raises(MissingData) as raised:
        render(text, {"reference": None, "service": "Parking"})
    assert raised.value.missing == ["name", "reference", "urgent"]


def test_flag_with_none_is_falsey_not_missing():
    assert render("a((urgent??!))", {"urgent": None}) == "a"


def test_render_refuses_a_broken_template():
    with pytest.raises(TemplateError):
        render("Dear ((name", {"name": "Sam"})


def test_render_never_leaves_placeholders():
    # Values that look like placeholders are not left for a later pass to fill in.
    out = render("Dear ((name)), ((note))", {"name": "((reference))", "note": "(((x)))"})
    assert "((" not in out
    # Brackets around a placeholder stay as text.
    assert render("(((name)))", {"name": "Sam"}) == "(Sam)"
    assert render("(((name)))", {"name": "(a)"}) == "( (a))"


def test_closing_brackets_alone_are_text():
    assert render("Smile :)) ((name))", {"name": "Sam"}) == "Smile :)) Sam"
    check("Smile :))", [])


def test_text_without_placeholders_is_unchanged():
    text = "Diolch am eich cais. Call (01234) 567890."
    assert render(text, {}) == text


# check --------------------------------------------------------------------------------------


def test_check_accepts_a_good_template():
    check("Dear ((Name)), ((has_deadline??reply by the due date))", ALLOWED)


def test_check_names_unknown_placeholders_and_what_is_allowed():
    problems = problems_of("Dear ((nmae)), ((refrence))", ["name", "reference"])
    assert problems == [
        "Unknown placeholder ((nmae)): use one of ((name)), ((reference))",
        "Unknown placeholder ((refrence)): use one of ((name)), ((reference))",
    ]


def test_check_unknown_flag():
    assert problems_of("((urgent??Now))", ["name"]) == [
        "Unknown placeholder ((urgent)): use one of ((name))"
    ]


def test_check_with_nothing_allowed():
    assert problems_of("((name))", []) == [
        "Unknown placeholder ((name)): this message can't use placeholders"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "((has_deadline??Reply by ((due_date))))",
        "((has_deadline??Reply (soon)))",
        "((has_deadline??Reply by ((due_date))",
    ],
)
def test_check_rejects_brackets_inside_optional_text(text):
    problems = problems_of(text)
    assert any("can't contain brackets" in problem for problem in problems), problems


@pytest.mark.parametrize("text", ["Dear ((name", "Dear ((name and ((reference))", "(("])
def test_check_rejects_unclosed_brackets(text):
    problems = problems_of(text)
    assert any("never closed" in problem for problem in problems), problems


def test_check_reports_every_problem():
    problems = problems_of("((nmae)) ((a.b)) (()) ((??x)) ((((name)))) ((oops")
    assert len(problems) == 6, problems
    assert "((a.b)) is not a valid placeholder" in problems[0]
    assert "(()) is empty" in problems[1]
    assert "needs a name before the ??" in problems[2]
    assert "Too many brackets" in problems[3]
    assert "never closed" in problems[4]
    assert problems[5].startswith("Unknown placeholder ((nmae))")


def test_names_may_use_letters_digits_spaces_underscores_hyphens():
    check("((due date)) ((due-date2)) ((due_date))", ["due date", "due-date2", "due_date"])


# placeholders -------------------------------------------------------------------------------


def test_placeholders_in_order_of_first_use_without_duplicates():
    text = "((Reference)) ((name)) ((urgent??now)) (( name )) ((NAME)) ((service))"
    assert placeholders(text) == ["reference", "name", "urgent", "service"]


def test_placeholders_skip_broken_pieces():
    assert placeholders("((name)) ((a.b)) ((oops") == ["name"]


def test_flag_names_only_flags():
    assert flag_names("((a??x)) ((b)) ((b??y))") == ["a"]


# sample data --------------------------------------------------------------------------------


def test_sample_data():
    data = sample_data(["name", "Given_Name", "reference", "favourite colour"], flags=["urgent"])
    assert data["name"] == "Sam Evans"
    assert data["Given_Name"] == "Sam"
    assert data["reference"]
    assert data["favourite colour"] == "[favourite colour]"
    assert data["urgent"] is True


def test_preview_renders_every_placeholder():
    text = "Dear ((name)), ((due_date??Reply by ((due_date)).)) ((urgent??Urgent.)) ((other))"
    with pytest.raises(TemplateError):
        preview(text)
    out = preview("Dear ((first name)), ((urgent??Urgent. ))((service)) ((other))")
    assert out == "Dear Sam, Urgent. parking permit [other]"


# sms_length ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("characters", "fragments"), [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3)]
)
def test_gsm_fragments(characters, fragments):
    length = sms_length("a" * characters)
    assert length == SmsLength(characters, fragments, "GSM", [])


@pytest.mark.parametrize(("characters", "fragments"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_one_welsh_circumflex_makes_the_message_ucs2(characters, fragments):
    length = sms_length("ŵ" + "a" * (characters - 1))
    assert length.encoding == "UCS-2"
    assert length.characters == characters
    assert length.fragments == fragments
    assert length.costly == ["ŵ"]


def test_euro_counts_two_in_gsm():
    length = sms_length("€5")
    assert length == SmsLength(3, 1, "GSM", ["€"])
    assert sms_length("a" * 159 + "€").fragments == 2


def test_extension_characters_count_two():
    assert sms_length("^{}\\[~]|\f").characters == 18


def test_plain_welsh_stays_gsm():
    length = sms_length("Diolch am eich cais")
    assert length == SmsLength(19, 1, "GSM", [])


def test_whole_gsm_basic_set_counts_one_each():
    basic = (
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    assert sms_length(basic) == SmsLength(len(basic), 1, "GSM", [])


def test_emoji_and_curly_quotes_are_ucs2():
    length = sms_length("Diolch “Sam” 👍 €")
    assert length.encoding == "UCS-2"
    assert length.characters == 17  # the emoji is two UTF-16 code units; € counts once
    assert length.costly == ["“", "”", "👍", "€"]


@pytest.mark.parametrize("letter", "âêîôûŵŷÂÊÎÔÛŴŶ")
def test_every_welsh_circumflex_is_ucs2(letter):
    assert sms_length(f"Croeso i{letter}").encoding == "UCS-2"
