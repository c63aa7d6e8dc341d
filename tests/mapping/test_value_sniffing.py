from coherence_pipelines.mapping.value_sniffing import profile_values


def test_emails():
    p = profile_values(["a@x.com", "b@y.org", "", None, "not an email"])
    assert p.count == 3
    assert p.email == 2 / 3


def test_phones_and_amounts_and_dates():
    phones = profile_values(["555-0100", "+1 (555) 010-0199", "0049 30 1234567", "030 1234567 ext. 12"])
    assert phones.phone == 1.0 and phones.phone_strong == 1.0
    amounts = profile_values(["$1,234.50", "1.234,50", "45%", "0.45", "1000"])
    assert amounts.amount == 1.0
    assert amounts.phone_strong == 0.0
    dates = profile_values(["2024-01-15", "01/15/2024", "15.01.2024", "15 Jan 2024", "Jan 15, 2024"])
    assert dates.date == 1.0
    assert dates.phone == 0.0


def test_urls_linkedin_booleans():
    urls = profile_values(["acme.com", "https://www.example.org/about", "https://linkedin.com/in/jane"])
    assert urls.url == 1.0
    assert urls.linkedin == 1 / 3
    bools = profile_values(["yes", "No", "TRUE", "0", "ja", "oui"])
    assert bools.boolean == 1.0


def test_select_options():
    p = profile_values(["New", "contacted", "Qualifed", "New"])
    assert p.option_share(("new", "contacted", "qualified", "unqualified", "customer")) == 1.0
    assert p.option_share(("web", "referral")) == 0.0


def test_too_few_values_are_unknown():
    assert not profile_values(["a@x.com"]).known
    assert not profile_values([]).known
