from coherence_pipelines.modules.fields import FieldDef

STATUSES = "New, Contacted, Qualified, Unqualified, Customer"


def test_exact_matches_ignore_case_space_and_punctuation(rows):
    stage = ["closed won", "CLOSED-WON", " Closed  Won ", "proposal", "Closed Lost"]
    assert [r[0] for r in rows("deals.stage", stage)] == [
        "Closed Won", "Closed Won", "Closed Won", "Proposal", "Closed Lost"]
    assert all(r[1] is None and r[2] is None for r in rows("deals.stage", stage))


def test_close_match_with_warning(rows):
    assert rows("contacts.leadStatus", ["Qualifed", "Unqualifed", "Custmer"]) == [
        ("Qualified", None, 'Read "Qualifed" as "Qualified"'),
        ("Unqualified", None, 'Read "Unqualifed" as "Unqualified"'),
        ("Customer", None, 'Read "Custmer" as "Customer"')]


def test_closed_list_refuses_unknown_values(rows):
    assert rows("contacts.leadStatus", ["Hot lead", None, "New"]) == [
        (None, f'"Hot lead" is not one of: {STATUSES}', None), (None, None, None), ("New", None, None)]


def test_open_list_adds_new_values_with_a_warning(rows):
    field = FieldDef("source", "Source", "select", options=("Web", "Referral"), open_options=True)
    assert rows(field, ["web", "Podcast", "podcast", "Refferal"]) == [
        ("Web", None, None), ("Podcast", None, 'New option "Podcast" will be added'),
        ("Podcast", None, 'New option "Podcast" will be added'),
        ("Referral", None, 'Read "Refferal" as "Referral"')]


def test_open_list_without_options_accepts_anything(rows):
    assert rows("accounts.industry", ["Software", "Retail", "Software"]) == [
        ("Software", None, 'New option "Software" will be added'),
        ("Retail", None, 'New option "Retail" will be added'),
        ("Software", None, 'New option "Software" will be added')]


def test_long_option_lists_are_shortened_in_the_error(rows):
    field = FieldDef("size", "Size", "select", options=tuple(f"Option {i}" for i in range(15)))
    [(_, error, _)] = rows(field, ["Huge"])
    assert error.startswith('"Huge" is not one of: Option 0, Option 1') and error.endswith("Option 9, ...")


def test_multi_select_splits_and_matches_each_value(rows):
    field = FieldDef("channels", "Channels", "multi_select", options=("Email", "Phone", "Social Media"))
    assert rows(field, ["email; phone", "Phone,social media", "EMAIL, Emaill", " ; ", None]) == [
        (["Email", "Phone"], None, None), (["Phone", "Social Media"], None, None),
        (["Email"], None, 'Read "Emaill" as "Email"'), (None, None, None), (None, None, None)]


def test_multi_select_errors_and_warnings_joined_per_row(rows):
    field = FieldDef("channels", "Channels", "multi_select", options=("Email", "Phone"))
    assert rows(field, ["Fax; Pager", "Emaill; Phon"]) == [
        (None, '"Fax" is not one of: Email, Phone; "Pager" is not one of: Email, Phone', None),
        (["Email", "Phone"], None, 'Read "Emaill" as "Email"; Read "Phon" as "Phone"')]


def test_multi_select_open_list(rows):
    assert rows("contacts.tags", ["vip; hot", "VIP", "hot,new"]) == [
        (["vip", "hot"], None, 'New option "vip" will be added; New option "hot" will be added'),
        (["vip"], None, 'New option "vip" will be added'),
        (["hot", "new"], None, 'New option "hot" will be added; New option "new" will be added')]


def test_select_on_many_rows_keeps_order(normalize):
    values = ["new", "Qualifed", "nope", None] * 2500
    out = normalize("contacts.leadStatus", values)
    assert out.value.to_list()[:4] == ["New", "Qualified", None, None]
    assert out.value.to_list() == out.value.to_list()[:4] * 2500
    assert out.error.null_count() == 7500
