def test_scheme_added_or_kept(rows):
    assert rows("contacts.website", ["acme.com", "http://x.y", "https://acme.com/about?x=1",
                                     "www.acme.co.uk", "ftp://files.acme.com"]) == [
        ("https://acme.com", None, None), ("http://x.y", None, None), ("https://acme.com/about?x=1", None, None),
        ("https://www.acme.co.uk", None, None), ("ftp://files.acme.com", None, None)]


def test_invalid_urls(rows):
    bad = ["acme com", "localhost", "https://nodot/path", "http://.", "a b.com"]
    assert rows("contacts.website", bad) == [(None, "Invalid URL", None)] * len(bad)


def test_domain_field_keeps_the_bare_host(rows):
    assert rows("accounts.domain", ["https://www.Acme.com/about", "acme.com", "ACME.COM.", "http://shop.acme.io:8080/x",
                                    "www.acme.de"]) == [
        ("acme.com", None, None), ("acme.com", None, None), ("acme.com", None, None),
        ("shop.acme.io", None, None), ("acme.de", None, None)]


def test_domain_errors(rows):
    assert rows("accounts.domain", ["acme", "acme .com"]) == [(None, "Invalid URL", None)] * 2
