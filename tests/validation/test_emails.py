def test_emails_kept_as_written(rows):
    assert rows("contacts.email", [" Ann@Example.COM ", "bob.smith+crm@mail.example.co.uk"]) == [
        (["Ann@Example.COM"], None, None), (["bob.smith+crm@mail.example.co.uk"], None, None)]


def test_several_emails_in_one_cell(rows):
    assert rows("contacts.email", ["a@x.com; b@y.com", "a@x.com , b@y.com,", "a@x.com;;b@y.com"]) == [
        (["a@x.com", "b@y.com"], None, None)] * 3


def test_display_name_and_mailto_give_the_address(rows):
    assert rows("contacts.email", ["Ann Lee <ann@x.com>", "mailto:ann@x.com"]) == [
        (["ann@x.com"], None, None)] * 2


def test_invalid_emails_are_errors_for_the_whole_cell(rows):
    bad = ["a@b", "a b@c.com", "no-at-sign.com", "a@@b.com", "a@b.", "good@x.com; bad@", "@x.com"]
    assert rows("contacts.email", bad) == [(None, "Invalid email format", None)] * len(bad)


def test_only_separators_is_empty(rows):
    assert rows("contacts.email", [";", " , ", None]) == [(None, None, None)] * 3
