"""suggest_mapping on published header rows: the accuracy the product promises (docs/mapping-accuracy.md)."""

import pytest

from tests.mapping import scoring


@pytest.fixture(scope="module")
def corpus():
    return scoring.load_corpus()


@pytest.fixture(scope="module")
def holdout():
    return scoring.load_corpus(scoring.HOLDOUT)


def test_corpus_covers_the_formats_people_bring(corpus):
    formats = {t.format for t in corpus}
    for name in ["Google Contacts (old layout)", "Google Contacts (current layout)", "Outlook (English)",
                 "Outlook (German)", "Outlook (French)", "Outlook (Spanish)", "Outlook (Portuguese)",
                 "Outlook (Italian)", "Outlook (Dutch)", "Apple / Thunderbird", "LinkedIn Connections", "HubSpot",
                 "Salesforce", "Pipedrive", "Zoho CRM", "Mailchimp", "Shopify customers", "Stripe customers",
                 "Eventbrite attendees", "Apollo", "Close", "Freshsales"]:
        assert name in formats
    assert sum(1 for f in formats if f.startswith("Hand-made sheets")) == 7
    assert {t.module for t in corpus} == {"contacts", "accounts", "deals"}


@pytest.mark.parametrize("tables", ["corpus", "holdout"])
def test_accuracy_thresholds(request, tables):
    total = scoring.overall(scoring.score(request.getfixturevalue(tables)))
    assert total.accuracy >= 0.95
    assert total.field_accuracy >= 0.93
    assert total.confident_precision >= 0.95


def test_no_format_is_left_behind(corpus):
    for name, counts in scoring.score(corpus).items():
        assert counts.accuracy >= 0.85, name


def test_hundred_columns_answer_well_under_100_ms(corpus):
    # median of a few calls, every header matched afresh: robust on a loaded 2-core machine (~10-30 ms)
    assert scoring.timing_ms(corpus, runs=5) < 100


def test_expectations_are_checked_against_the_modules(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "format: X\nsources: [x]\ntables:\n  - name: t\n    module: contacts\n    columns:\n"
        "      - [Mobile, phone/Cell]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a value type"):
        scoring.load_corpus(tmp_path)
