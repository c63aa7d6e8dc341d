from dataclasses import FrozenInstanceError

import pytest

from coherence_pipelines.mapping import Suggestion, suggest_mapping
from coherence_pipelines.mapping.suggest import THRESHOLD
from coherence_pipelines.modules import merge_definitions

API_ROWS = [
    {"Name": "John Smith", "Email": "john@example.com", "Phone": "555-0100", "Company": "Acme Corp"},
    {"Name": "Jane Doe", "Email": "jane@example.com", "Phone": "555-0101", "Company": "TechStart Inc"},
]


def test_api_document_example(modules):
    columns = ["Name", "Email", "Phone", "Company"]
    result = suggest_mapping(modules["contacts"], columns, API_ROWS)
    assert [(s.source_column, s.target_field_slug) for s in result] == [
        ("Name", "displayName"), ("Email", "email"), ("Phone", "phone"), ("Company", "account")]
    for s in result:
        assert 0.0 <= s.confidence <= 1.0
        assert s.confidence >= 0.85
        assert round(s.confidence, 2) == s.confidence
    assert result[2].value_type is None  # a plain "Phone": the field's default type applies later


def test_without_sample_rows(modules):
    with_rows = suggest_mapping(modules["contacts"], ["Name", "Email"], API_ROWS)
    without = suggest_mapping(modules["contacts"], ["Name", "Email"])
    assert [s.target_field_slug for s in without] == [s.target_field_slug for s in with_rows]


def test_to_api():
    plain = Suggestion("Email", "email", 0.98)
    assert plain.to_api() == {"sourceColumn": "Email", "targetFieldSlug": "email", "confidence": 0.98}
    typed = Suggestion("Mobile", "phone", 0.93, value_type="Mobile")
    assert typed.to_api() == {"sourceColumn": "Mobile", "targetFieldSlug": "phone", "confidence": 0.93,
                              "valueType": "Mobile"}
    part = Suggestion("City", "address", 0.95, address_part="city")
    assert part.to_api()["addressPart"] == "city" and "valueType" not in part.to_api()
    none = Suggestion("Gender", None, 0.0)
    assert none.to_api() == {"sourceColumn": "Gender", "targetFieldSlug": None, "confidence": 0.0}
    with pytest.raises(FrozenInstanceError):
        plain.confidence = 0.5  # type: ignore[misc]


def test_value_types_and_address_parts(suggest):
    got = suggest("contacts", ["Name", "Email", "Mobile", "Work Phone", "Company", "Street", "City", "Zip"])
    assert got == {
        "Name": ("displayName", None, None),
        "Email": ("email", None, None),
        "Mobile": ("phone", "Mobile", None),
        "Work Phone": ("phone", "Work", None),
        "Company": ("account", None, None),
        "Street": ("address", None, "street"),
        "City": ("address", None, "city"),
        "Zip": ("address", None, "zip"),
    }


@pytest.mark.parametrize(("header", "expected"), [
    ("Mobile Phone", ("phone", "Mobile", None)),
    ("Cell", ("phone", "Mobile", None)),
    ("Handy", ("phone", "Mobile", None)),
    ("Business Phone", ("phone", "Work", None)),
    ("Office Phone", ("phone", "Work", None)),
    ("Home Phone", ("phone", "Home", None)),
    ("Fax", ("phone", "Fax", None)),
    ("Phone", ("phone", None, None)),
    ("Phone Number", ("phone", None, None)),
    ("Work Email", ("email", "Work", None)),
    ("Business Email", ("email", "Work", None)),
    ("Personal Email", ("email", "Personal", None)),
    ("Private Email", ("email", "Personal", None)),
    ("Home Email", ("email", "Personal", None)),
    ("Email Address", ("email", None, None)),
    ("Street Address", ("address", None, "street")),
    ("Address Line 2", ("address", None, "street2")),
    ("State", ("address", None, "state")),
    ("State/Province", ("address", None, "state")),
    ("Postal Code", ("address", None, "zip")),
    ("ZIP/Postal Code", ("address", None, "zip")),
    ("Country", ("address", None, "country")),
    ("Mailing City", ("address", None, "city")),
    ("Billing Street", ("address", None, "street")),
    ("City (Shipping)", ("address", None, "city")),
    ("First Name", ("firstName", None, None)),
    ("Last Name", ("lastName", None, None)),
    ("Surname", ("lastName", None, None)),
    ("Full Name", ("displayName", None, None)),
    ("Job Title", ("jobTitle", None, None)),
    ("Title", ("jobTitle", None, None)),
    ("Position", ("jobTitle", None, None)),
    ("Company Name", ("account", None, None)),
    ("Organization", ("account", None, None)),
    ("Account", ("account", None, None)),
    ("Account Name", ("account", None, None)),
    ("LinkedIn", ("linkedinUrl", None, None)),
    ("LinkedIn URL", ("linkedinUrl", None, None)),
    ("Date of Birth", ("birthday", None, None)),
    ("Lead Source", ("leadSource", None, None)),
    ("Email Opt Out", ("emailOptOut", None, None)),
    ("Unsubscribed", ("emailOptOut", None, None)),
    ("Contact Owner", ("owner", None, None)),
    ("Primary Email", ("email", None, None)),
    ("Contact Email", ("email", None, None)),
    ("E-mail 1 - Value", ("email", None, None)),
])
def test_single_headers_on_contacts(suggest, header, expected):
    assert suggest("contacts", [header])[header] == expected


def test_salesforce_api_names(suggest):
    columns = ["FirstName", "LastName", "Email", "MobilePhone", "Phone", "MailingStreet", "MailingCity",
               "MailingState", "MailingPostalCode", "MailingCountry", "Title", "Account Name", "AccountId",
               "LeadSource", "HasOptedOutOfEmail", "Birthdate", "Id", "OwnerId"]
    got = suggest("contacts", columns)
    assert got["FirstName"] == ("firstName", None, None)
    assert got["LastName"] == ("lastName", None, None)
    assert got["Email"] == ("email", None, None)
    assert got["MobilePhone"] == ("phone", "Mobile", None)
    assert got["Phone"] == ("phone", None, None)
    assert got["MailingStreet"] == ("address", None, "street")
    assert got["MailingCity"] == ("address", None, "city")
    assert got["MailingState"] == ("address", None, "state")
    assert got["MailingPostalCode"] == ("address", None, "zip")
    assert got["MailingCountry"] == ("address", None, "country")
    assert got["Title"] == ("jobTitle", None, None)
    assert got["Account Name"] == ("account", None, None)
    assert got["LeadSource"] == ("leadSource", None, None)
    assert got["HasOptedOutOfEmail"] == ("emailOptOut", None, None)
    assert got["Birthdate"] == ("birthday", None, None)
    # Salesforce record ids cannot be matched by name or domain: no suggestion
    assert got["AccountId"][0] is None
    assert got["Id"][0] is None
    assert got["OwnerId"][0] is None


def test_german_file(suggest):
    columns = ["Vorname", "Nachname", "E-Mail", "Telefon", "Handy", "Firma", "Straße", "PLZ", "Ort", "Land",
               "Geburtstag", "E-Mail (geschäftlich)"]
    got = suggest("contacts", columns)
    assert got == {
        "Vorname": ("firstName", None, None),
        "Nachname": ("lastName", None, None),
        "E-Mail": ("email", None, None),
        "Telefon": ("phone", None, None),
        "Handy": ("phone", "Mobile", None),
        "Firma": ("account", None, None),
        "Straße": ("address", None, "street"),
        "PLZ": ("address", None, "zip"),
        "Ort": ("address", None, "city"),
        "Land": ("address", None, "country"),
        "Geburtstag": ("birthday", None, None),
        "E-Mail (geschäftlich)": ("email", "Work", None),
    }


def test_french_file(suggest):
    columns = ["Prénom", "Nom", "Courriel", "Téléphone", "Société", "Ville", "Code postal", "Pays",
               "Portable"]
    got = suggest("contacts", columns)
    assert got == {
        "Prénom": ("firstName", None, None),
        "Nom": ("lastName", None, None),  # next to "Prénom", "Nom" is the family name
        "Courriel": ("email", None, None),
        "Téléphone": ("phone", None, None),
        "Société": ("account", None, None),
        "Ville": ("address", None, "city"),
        "Code postal": ("address", None, "zip"),
        "Pays": ("address", None, "country"),
        "Portable": ("phone", "Mobile", None),
    }


def test_spanish_portuguese_italian_dutch(suggest):
    es = suggest("contacts", ["Nombre", "Apellido", "Correo electrónico", "Teléfono", "Empresa", "Ciudad",
                              "Código postal", "Celular"])
    assert es["Nombre"] == ("firstName", None, None)  # next to "Apellido", "Nombre" is the given name
    assert es["Apellido"] == ("lastName", None, None)
    assert es["Correo electrónico"] == ("email", None, None)
    assert es["Teléfono"] == ("phone", None, None)
    assert es["Empresa"] == ("account", None, None)
    assert es["Ciudad"] == ("address", None, "city")
    assert es["Código postal"] == ("address", None, "zip")
    assert es["Celular"] == ("phone", "Mobile", None)
    pt = suggest("contacts", ["Nome completo", "Telefone", "Cidade", "CEP"])
    assert pt == {"Nome completo": ("displayName", None, None), "Telefone": ("phone", None, None),
                  "Cidade": ("address", None, "city"), "CEP": ("address", None, "zip")}
    it = suggest("contacts", ["Nome", "Cognome", "Cellulare", "Azienda", "CAP", "Città"])
    assert it == {"Nome": ("firstName", None, None), "Cognome": ("lastName", None, None),
                  "Cellulare": ("phone", "Mobile", None), "Azienda": ("account", None, None),
                  "CAP": ("address", None, "zip"), "Città": ("address", None, "city")}
    nl = suggest("contacts", ["Voornaam", "Achternaam", "Telefoonnummer", "Bedrijf", "Woonplaats",
                              "Postcode"])
    assert nl == {"Voornaam": ("firstName", None, None), "Achternaam": ("lastName", None, None),
                  "Telefoonnummer": ("phone", None, None), "Bedrijf": ("account", None, None),
                  "Woonplaats": ("address", None, "city"), "Postcode": ("address", None, "zip")}


def test_bare_name_alone_is_the_display_name(suggest):
    assert suggest("contacts", ["Nom", "Courriel"])["Nom"] == ("displayName", None, None)
    both = suggest("contacts", ["First Name", "Last Name", "Name"])
    assert both["Name"] == ("displayName", None, None)


@pytest.mark.parametrize("header", [
    "Nickname", "Gender", "ID", "Record ID", "Contact ID", "E-mail 1 - Type", "Phone 1 - Label", "Phone Type",
    "Salutation", "Middle Name", "Created Date", "Last Modified", "Twitter", "Custom Field 7", "",
])
def test_columns_that_fit_nothing(modules, header):
    [s] = suggest_mapping(modules["contacts"], [header])
    assert s.target_field_slug is None
    assert s.value_type is None and s.address_part is None
    assert 0.0 <= s.confidence < THRESHOLD


def test_type_columns_beside_value_columns(suggest):
    got = suggest("contacts", ["E-mail 1 - Type", "E-mail 1 - Value", "Phone 1 - Type", "Phone 1 - Value"],
                  [{"E-mail 1 - Type": "* Work", "E-mail 1 - Value": "a@x.com", "Phone 1 - Type": "Mobile",
                    "Phone 1 - Value": "+1 555 0100"}] * 3)
    assert got["E-mail 1 - Type"][0] is None
    assert got["Phone 1 - Type"][0] is None
    assert got["E-mail 1 - Value"][0] == "email"
    assert got["Phone 1 - Value"][0] == "phone"


def test_opt_in_is_not_opt_out(suggest, modules):
    for header in ["Accepts Email Marketing", "Email Opt In", "Subscribed to Newsletter",
                   "Marketing Consent"]:
        assert suggest("contacts", [header])[header][0] != "emailOptOut"
    rows = [{"Accepts Email Marketing": v} for v in ["yes", "no", "yes"]]
    assert suggest("contacts", ["Accepts Email Marketing"], rows)["Accepts Email Marketing"][0] is None


def test_single_value_field_taken_once(modules):
    result = suggest_mapping(modules["contacts"], ["Name", "Full Name"])
    assert [s.target_field_slug for s in result].count("displayName") == 1
    assert result[0].target_field_slug == "displayName"  # the exact label beats the synonym
    assert result[1].target_field_slug is None


def test_conflict_loser_takes_next_best(suggest):
    # "Contact Owner" and "Owner": one owner; the other has nothing else above the threshold
    got = suggest("contacts", ["Owner", "Contact Owner"])
    assert got["Owner"] == ("owner", None, None)
    assert got["Contact Owner"][0] is None


def test_multi_value_columns(suggest):
    columns = ["Email", "Work Email", "Personal Email", "Phone", "Mobile", "Home Phone", "Fax"]
    got = suggest("contacts", columns)
    assert got["Email"] == ("email", None, None)
    assert got["Work Email"] == ("email", "Work", None)
    assert got["Personal Email"] == ("email", "Personal", None)
    assert got["Phone"] == ("phone", None, None)
    assert got["Mobile"] == ("phone", "Mobile", None)
    assert got["Home Phone"] == ("phone", "Home", None)
    assert got["Fax"] == ("phone", "Fax", None)


def test_two_columns_same_value_type(suggest):
    # a multi-value field takes every column that holds one of its values, typed by the header
    got = suggest("contacts", ["Mobile", "Cell Phone"])
    assert list(got.values()) == [("phone", "Mobile", None)] * 2
    # the second and further untyped emails become "Other"
    got = suggest("contacts", ["E-mail 1 - Value", "E-mail 2 - Value", "E-mail 3 - Value"])
    assert got["E-mail 1 - Value"] == ("email", None, None)
    assert got["E-mail 2 - Value"] == ("email", "Other", None)
    assert got["E-mail 3 - Value"] == ("email", "Other", None)


def test_one_address_set(suggest):
    got = suggest("accounts", ["Name", "Billing Street", "Billing City", "Billing Zip", "Shipping Street",
                               "Shipping City", "Shipping Zip"])
    assert got["Billing Street"] == ("address", None, "street")
    assert got["Billing City"] == ("address", None, "city")
    assert got["Billing Zip"] == ("address", None, "zip")
    assert got["Shipping Street"][0] is None
    assert got["Shipping City"][0] is None
    assert got["Shipping Zip"][0] is None


def test_address_set_preference(suggest):
    # shipping seen first, but billing is preferred
    got = suggest("accounts", ["Shipping City", "Billing City", "Shipping Country", "Billing Country"])
    assert got["Billing City"] == ("address", None, "city")
    assert got["Billing Country"] == ("address", None, "country")
    assert got["Shipping City"][0] is None and got["Shipping Country"][0] is None
    # unprefixed beats a prefixed set
    got = suggest("contacts", ["Home Street", "Home City", "Street", "City"])
    assert got["Street"] == ("address", None, "street") and got["City"] == ("address", None, "city")
    assert got["Home Street"][0] is None and got["Home City"][0] is None
    # Outlook: business over home
    got = suggest("contacts", ["Home Street", "Home City", "Business Street", "Business City"])
    assert got["Business City"] == ("address", None, "city")
    assert got["Home City"][0] is None
    # unprefixed parts fill the gaps of the chosen set
    got = suggest("accounts", ["Billing Street", "Billing City", "Country"])
    assert got["Country"] == ("address", None, "country")


def test_odd_header_full_of_emails(suggest):
    rows = [{"Contact info": f"person{i}@example.com", "Notes": "hi"} for i in range(10)]
    got = suggest("contacts", ["Contact info", "Notes"], rows)
    assert got["Contact info"] == ("email", None, None)


def test_phone_header_full_of_emails(modules):
    rows = [{"Phone": f"person{i}@example.com"} for i in range(5)]
    [s] = suggest_mapping(modules["contacts"], ["Phone"], rows)
    assert s.target_field_slug == "email"
    # and with an email column beside it, it is at least never a confident phone
    result = suggest_mapping(modules["contacts"], ["Email", "Phone"],
                             [{"Email": f"a{i}@x.com", "Phone": f"b{i}@y.com"} for i in range(5)])
    assert result[1].target_field_slug != "phone"


def test_values_confirm_and_contradict(modules):
    good = [{"Phone": "+1 555 0100"}, {"Phone": "+1 555 0101"}]
    bad = [{"Phone": "Acme"}, {"Phone": "Globex"}, {"Phone": "Initech"}]
    [confirmed] = suggest_mapping(modules["contacts"], ["Phone"], good)
    [contradicted] = suggest_mapping(modules["contacts"], ["Phone"], bad)
    [plain] = suggest_mapping(modules["contacts"], ["Phone"])
    assert confirmed.confidence >= plain.confidence
    assert contradicted.target_field_slug is None
    assert contradicted.confidence < THRESHOLD


def test_linkedin_urls(suggest):
    rows = [{"Profile": f"https://www.linkedin.com/in/person-{i}", "Web": f"https://site{i}.com"}
            for i in range(5)]
    got = suggest("contacts", ["Profile", "Web"], rows)
    assert got["Profile"] == ("linkedinUrl", None, None)
    assert got["Web"] == ("website", None, None)
    # LinkedIn profiles under a "Website" header belong in the LinkedIn field
    rows = [{"Website": f"linkedin.com/in/p{i}"} for i in range(5)]
    assert suggest("contacts", ["Website"], rows)["Website"] == ("linkedinUrl", None, None)
    # accounts have no LinkedIn field: still a website
    rows = [{"Website": f"https://linkedin.com/in/p{i}"} for i in range(5)]
    assert suggest("accounts", ["Website"], rows)["Website"] == ("website", None, None)


def test_select_values(suggest, modules):
    rows = [{"Status": s} for s in ["New", "Contacted", "Qualified", "New"]]
    assert suggest("contacts", ["Status"], rows)["Status"] == ("leadStatus", None, None)
    # a pipeline of its own is still the stage column, with less confidence
    [own] = suggest_mapping(modules["deals"], ["Stage"], [{"Stage": s} for s in ["Discovery", "Demo", "Won"]])
    [known] = suggest_mapping(modules["deals"], ["Stage"], [{"Stage": s} for s in ["Proposal", "Closed Won"]])
    assert own.target_field_slug == known.target_field_slug == "stage"
    assert own.confidence < known.confidence


def test_number_values(suggest):
    rows = [{"Employees": v, "Annual Revenue": r} for v, r in [("11-50", "$1,000,000"), ("1,001-5,000", "2.5M"),
                                                               ("10000+", "EUR 300.000")]]
    got = suggest("accounts", ["Employees", "Annual Revenue"], rows)
    assert got == {"Employees": ("employeeCount", None, None), "Annual Revenue": ("annualRevenue", None, None)}
    rows = [{"Amount": v} for v in ["soon", "big", "n/a"]]
    assert suggest("deals", ["Amount"], rows)["Amount"][0] is None


def test_deals_module(suggest):
    columns = ["Deal Name", "Amount", "Stage", "Close Date", "Probability", "Company", "Contact Email",
               "Owner"]
    rows = [{"Deal Name": "Big deal", "Amount": "$12,000", "Stage": "Proposal", "Close Date": "2024-03-31",
             "Probability": "40%", "Company": "Acme", "Contact Email": "jo@acme.com",
             "Owner": "me@us.com"},
            {"Deal Name": "Small deal", "Amount": "900", "Stage": "Closed Won", "Close Date": "2024-04-15",
             "Probability": "100%", "Company": "Globex", "Contact Email": "al@globex.com",
             "Owner": "me@us.com"}]
    got = suggest("deals", columns, rows)
    assert got == {
        "Deal Name": ("displayName", None, None),
        "Amount": ("amount", None, None),
        "Stage": ("stage", None, None),
        "Close Date": ("closeDate", None, None),
        "Probability": ("probability", None, None),
        "Company": ("account", None, None),
        "Contact Email": ("contact", None, None),
        "Owner": ("owner", None, None),
    }
    more = suggest("deals", ["Opportunity Name", "Deal Stage", "Contact", "Account Name",
                             "Expected Close Date"])
    assert more == {"Opportunity Name": ("displayName", None, None), "Deal Stage": ("stage", None, None),
                    "Contact": ("contact", None, None), "Account Name": ("account", None, None),
                    "Expected Close Date": ("closeDate", None, None)}
    assert suggest("deals", ["Contact Name"])["Contact Name"] == ("contact", None, None)
    # a deals file's "State" is no stage
    assert suggest("deals", ["State"])["State"][0] is None


def test_accounts_module(suggest):
    columns = ["Company Name", "Website", "Domain", "Industry", "Employees", "Annual Revenue", "Phone",
               "Description"]
    got = suggest("accounts", columns)
    assert got == {
        "Company Name": ("displayName", None, None),
        "Website": ("website", None, None),
        "Domain": ("domain", None, None),
        "Industry": ("industry", None, None),
        "Employees": ("employeeCount", None, None),
        "Annual Revenue": ("annualRevenue", None, None),
        "Phone": ("phone", None, None),
        "Description": ("description", None, None),
    }
    for header in ["Company", "Account Name", "Organization"]:
        assert suggest("accounts", [header])[header] == ("displayName", None, None)
    more = suggest("accounts", ["Number of Employees", "Revenue", "Company Domain Name"])
    assert more == {"Number of Employees": ("employeeCount", None, None),
                    "Revenue": ("annualRevenue", None, None),
                    "Company Domain Name": ("domain", None, None)}


def test_custom_module_and_fields(modules):
    merged = merge_definitions({
        "projects": {"label": "Projects", "fields": [
            {"slug": "displayName", "label": "Project Name", "type": "text", "required": True},
            {"slug": "budget", "label": "Budget", "type": "currency"},
            {"slug": "kickoffDate", "label": "Kickoff", "type": "date"},
            {"slug": "contactEmail", "label": "Contact Email", "type": "email"},
        ]},
        "contacts": {"fields": [{"slug": "shoeSize", "label": "Shoe Size", "type": "number"}]},
    })
    columns = ["Project Name", "Budget", "Kickoff Date", "Email", "Nickname"]
    result = suggest_mapping(merged["projects"], columns)
    assert [s.target_field_slug for s in result] == ["displayName", "budget", "kickoffDate", "contactEmail",
                                                     None]
    [shoe] = suggest_mapping(merged["contacts"], ["shoe_size"])
    assert shoe.target_field_slug == "shoeSize" and shoe.confidence >= 0.95


def test_typos_and_confidence_order(modules):
    contacts = modules["contacts"]
    [exact] = suggest_mapping(contacts, ["Address Line 2"])
    [typo] = suggest_mapping(contacts, ["Adress Line 2"])
    assert typo.target_field_slug == "address" and typo.address_part == "street2"
    assert THRESHOLD <= typo.confidence < exact.confidence
    [company] = suggest_mapping(contacts, ["Compnay"])
    assert company.target_field_slug == "account" and company.confidence < 0.95


def test_deterministic_and_ordered(modules):
    columns = ["Zip", "Email", "Nickname", "Name", "Work Phone", "Email", "City"]
    first = suggest_mapping(modules["contacts"], columns, API_ROWS)
    again = suggest_mapping(modules["contacts"], list(columns), API_ROWS)
    assert first == again
    assert [s.source_column for s in first] == columns
    # a repeated column name: the second is a second email, typed "Other"
    assert first[1].target_field_slug == "email" and first[5].value_type == "Other"


def test_odd_inputs(modules):
    assert suggest_mapping(modules["contacts"], []) == []
    rows = [{"Email": None}, {"Email": 42}, "not a row", {"Other": "x"}]
    [s] = suggest_mapping(modules["contacts"], ["Email"], rows)  # type: ignore[arg-type]
    assert s.target_field_slug == "email"


def test_entity_prefixed_exports(suggest):
    # Pipedrive: "<Entity> - <Field>"; the module's own entity is dropped, another one is a reference or nothing
    got = suggest("contacts", ["Person - Name", "Person - Email - Work", "Person - Phone - Mobile",
                               "Organization - Name", "Organization - Address - City"])
    assert got == {"Person - Name": ("displayName", None, None), "Person - Email - Work": ("email", "Work", None),
                   "Person - Phone - Mobile": ("phone", "Mobile", None), "Organization - Name": ("account", None, None),
                   "Organization - Address - City": (None, None, None)}
    got = suggest("deals", ["Deal - Title", "Deal - Value", "Deal - Organization", "Deal - Contact person"])
    assert [v[0] for v in got.values()] == ["displayName", "amount", "account", "contact"]


def test_numbered_addresses_and_street_lines(suggest):
    # Google: "Address N - Part" numbers a set; the first set is the address
    got = suggest("contacts", ["Address 1 - Street", "Address 1 - City", "Address 1 - Extended Address",
                               "Address 2 - Street", "Address 2 - City", "Address 1 - PO Box"])
    assert got["Address 1 - Street"] == ("address", None, "street")
    assert got["Address 1 - City"] == ("address", None, "city")
    assert got["Address 1 - Extended Address"] == ("address", None, "street2")
    assert got["Address 2 - Street"][0] is None and got["Address 2 - City"][0] is None
    assert got["Address 1 - PO Box"][0] is None
    # Eventbrite, Thunderbird: "Address 2" alone is the second street line; a third line has no place
    got = suggest("contacts", ["Work Address 1", "Work Address 2", "Work City", "Business Street 3"])
    assert got["Work Address 1"] == ("address", None, "street")
    assert got["Work Address 2"] == ("address", None, "street2")
    assert got["Business Street 3"][0] is None


def test_address_set_named_by_an_unknown_word(suggest):
    # Xero: "PO..." (postal) and "SA..." (street address): words the vocabulary does not know name the sets
    got = suggest("accounts", ["POAddressLine1", "POCity", "POPostalCode", "SAAddressLine1", "SACity",
                               "SAPostalCode"])
    assert got["POAddressLine1"] == ("address", None, "street")
    assert got["POCity"] == ("address", None, "city")
    assert got["POPostalCode"] == ("address", None, "zip")
    assert all(got[h][0] is None for h in ["SAAddressLine1", "SACity", "SAPostalCode"])
    # one such column alone is nothing
    assert suggest("contacts", ["Birth City"])["Birth City"][0] is None


def test_localised_qualifiers(suggest):
    got = suggest("contacts", ["Rue (bureau)", "Rue (bureau) 2", "Code postal (bureau)", "Ville (bureau)",
                               "Ville (domicile)", "Telefon (privat 2)", "Tél. mobile", "Télécopie (bureau)",
                               "E-Mail 2: Adresse"])
    assert got == {"Rue (bureau)": ("address", None, "street"), "Rue (bureau) 2": ("address", None, "street2"),
                   "Code postal (bureau)": ("address", None, "zip"), "Ville (bureau)": ("address", None, "city"),
                   "Ville (domicile)": (None, None, None),
                   "Telefon (privat 2)": ("phone", "Home", None), "Tél. mobile": ("phone", "Mobile", None),
                   "Télécopie (bureau)": ("phone", "Fax", None), "E-Mail 2: Adresse": ("email", None, None)}
    got = suggest("contacts", ["Werkadres, straat", "Werkadres 2, straat", "Werkadres, plaats", "Autotelefoon"])
    assert got == {"Werkadres, straat": ("address", None, "street"),
                   "Werkadres 2, straat": ("address", None, "street2"),
                   "Werkadres, plaats": ("address", None, "city"), "Autotelefoon": ("phone", "Other", None)}


def test_people_and_things_that_are_not_ours(suggest):
    got = suggest("contacts", ["E-mail Display Name", "Assistant's Phone", "Manager's Name", "Custom Field 1 - Value",
                               "User 1", "Customer ID", "Account Number", "Middle Name", "Pager"])
    assert all(v == (None, None, None) for v in got.values()), got
    # a custom-field wrapper around a field we keep
    got = suggest("contacts", ["Custom Field - Company", "Custom Field - Job Title"])
    assert got == {"Custom Field - Company": ("account", None, None),
                   "Custom Field - Job Title": ("jobTitle", None, None)}


def test_salutation_values_are_no_job_title(suggest):
    # French Outlook has two "Titre" columns (our parser names the second "Titre (2)"): the values tell them apart
    rows = [{"Titre": t, "Titre (2)": j} for t, j in [("M.", "Directeur commercial"), ("Mme", "Acheteuse"),
                                                        ("Dr", "Pharmacienne")]]
    got = suggest("contacts", ["Titre", "Titre (2)"], rows)
    assert got == {"Titre": (None, None, None), "Titre (2)": ("jobTitle", None, None)}


def test_a_qualifier_alone_needs_phone_values(suggest):
    # Italian and Spanish Outlook: "Ufficio" (business phone), "Particular" (home phone)
    rows = [{"Ufficio": "02 1234567", "Ufficio 2": "", "Particular": "+34 912 345 678"}] * 3
    got = suggest("contacts", ["Ufficio", "Ufficio 2", "Particular"], rows)
    assert got == {"Ufficio": ("phone", "Work", None), "Ufficio 2": ("phone", "Work", None),
                   "Particular": ("phone", "Home", None)}
    assert suggest("contacts", ["Ufficio"])["Ufficio"][0] is None


def test_negated_channel_is_the_opt_out(suggest):
    assert suggest("contacts", ["Do not allow Emails"])["Do not allow Emails"] == ("emailOptOut", None, None)
    assert suggest("contacts", ["Keine Werbung"])["Keine Werbung"] == ("emailOptOut", None, None)
    assert suggest("contacts", ["Email Opt-In"])["Email Opt-In"][0] is None


def test_billing_person_fields_beat_shipping_ones(suggest):
    got = suggest("contacts", ["shipping_first_name", "billing_first_name", "billing_email", "billing_phone",
                               "shipping_city", "billing_city"])
    assert got == {"shipping_first_name": (None, None, None), "billing_first_name": ("firstName", None, None),
                   "billing_email": ("email", None, None), "billing_phone": ("phone", None, None),
                   "shipping_city": (None, None, None), "billing_city": ("address", None, "city")}


def test_status_of_something_else(suggest):
    orders = [{"Status": s} for s in ["processing", "completed", "on-hold", "refunded"]]
    assert suggest("contacts", ["Status"], orders)["Status"][0] is None
    leads = [{"Status": s} for s in ["warm", "cold", "hot"]]
    assert suggest("contacts", ["Status"], leads)["Status"] == ("leadStatus", None, None)


def test_the_column_with_values_wins(suggest):
    # Outlook's "Account" column is empty; "Company" holds the company
    rows = [{"Company": c, "Account": ""} for c in ["Contoso", "Fabrikam", "Northwind"]]
    got = suggest("contacts", ["Company", "Account"], rows)
    assert got == {"Company": ("account", None, None), "Account": (None, None, None)}
    # an address set with values beats an empty preferred one
    rows = [{"Home City": c, "Work City": "", "Home Street": s, "Work Street": ""}
            for c, s in [("Leeds", "1 Mill Lane"), ("York", "2 Bar Walls")]]
    got = suggest("contacts", ["Home Street", "Home City", "Work Street", "Work City"], rows)
    assert got["Home City"] == ("address", None, "city") and got["Work City"][0] is None
