"""plan_mapping and match_fields: a request's columnMapping, staticValues and duplicate match fields checked
against the module; every refusal a 400 naming the offending item."""

from __future__ import annotations

import pytest

from coherence_pipelines.errors import InvalidMapping, InvalidOption
from coherence_pipelines.execution import ColumnMapping
from coherence_pipelines.execution.column_mapping import match_fields, plan_mapping
from coherence_pipelines.modules import ModuleDef, builtin_modules, merge_definitions
from coherence_pipelines.store import MatchField


def cm(source: str, target: str | None, **kw) -> ColumnMapping:
    return ColumnMapping(source_column=source, target_field_slug=target, **kw)


@pytest.fixture(scope="module")
def contacts() -> ModuleDef:
    return builtin_modules()["contacts"]


@pytest.fixture(scope="module")
def accounts() -> ModuleDef:
    return builtin_modules()["accounts"]


# refusals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mappings", "static", "named"), [
    pytest.param([cm("Name", "displayName"), cm("Shoe", "shoeSize")], None,
                 ["columnMapping[1]", "'Shoe'", "'shoeSize'"], id="unknown-field"),
    pytest.param([cm("Name", "displayName"), cm("Full Name", "displayName")], None,
                 ["columnMapping[1]", "'Full Name'", "'displayName'", "'Name'"], id="single-value-twice"),
    pytest.param([cm("Title", "jobTitle", address_part="city")], None,
                 ["columnMapping[0]", "'Title'", "addressPart", "'jobTitle'"], id="address-part-on-text"),
    pytest.param([cm("Name", "displayName"), cm("Title", "jobTitle", value_type="Work")], None,
                 ["columnMapping[1]", "'Title'", "valueType", "'jobTitle'"], id="value-type-on-text"),
    pytest.param([cm("Addr", "address", value_type="Home")], None,
                 ["columnMapping[0]", "'Addr'", "valueType", "'address'"], id="value-type-on-address"),
    pytest.param([cm("Phone", "phone", value_type="Pager")], None,
                 ["columnMapping[0]", "'Phone'", "'Pager'", "Mobile"], id="unknown-value-type"),
    pytest.param([cm("Email", "email", value_type="Mobile")], None,
                 ["columnMapping[0]", "'Email'", "'Mobile'", "Work, Personal, Other"], id="phone-type-on-email"),
    pytest.param([cm("Street", "address", address_part="street"), cm("Line 1", "address", address_part="street")],
                 None, ["columnMapping[1]", "'Line 1'", "'street'", "'Street'"], id="address-part-twice"),
    pytest.param([cm("Street", "address"), cm("Line 1", "address")], None,
                 ["columnMapping[1]", "'Line 1'", "'street'"], id="default-street-twice"),
    pytest.param([cm("Where", "address", address_part="planet")], None,
                 ["columnMapping[0]", "'Where'", "'planet'"], id="unknown-address-part"),
    pytest.param([cm("Name", "displayName")], {"favouriteColour": "blue"},
                 ["staticValues.favouriteColour"], id="static-unknown-field"),
    pytest.param([cm("Name", "displayName")], {"address": "1 Main St"},
                 ["staticValues.address"], id="static-address"),
    pytest.param([cm("Name", "displayName")], {"tags": ["a", "b"]},
                 ["staticValues.tags"], id="static-not-a-single-value"),
])
def test_plan_mapping_refusals_name_the_offending_item(contacts: ModuleDef, mappings, static, named) -> None:
    with pytest.raises(InvalidMapping) as info:
        plan_mapping(contacts, mappings, static)
    assert info.value.status == 400 and info.value.code == "INVALID_MAPPING"
    for text in named:
        assert text in info.value.message, (text, info.value.message)


def test_unknown_field_names_the_module(accounts: ModuleDef) -> None:
    with pytest.raises(InvalidMapping, match="'firstName' is not a field of module 'accounts'"):
        plan_mapping(accounts, [cm("First", "firstName")])


# what a plan holds -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "canonical"), [("mobile", "Mobile"), ("MOBILE", "Mobile"), (" fax ", "Fax"),
                                                  ("Home", "Home"), (None, "Mobile"), ("", "Mobile")])
def test_value_type_is_case_insensitive_and_canonical(contacts: ModuleDef, given, canonical) -> None:
    plan = plan_mapping(contacts, [cm("Phone", "phone", value_type=given)])
    assert plan.sources["phone"].typed_columns == [("Phone", canonical)]


def test_multi_value_field_takes_several_columns(contacts: ModuleDef) -> None:
    plan = plan_mapping(contacts, [cm("Work Email", "email", value_type="work"),
                                   cm("Home Email", "email", value_type="personal"),
                                   cm("Other Email", "email")])
    assert plan.sources["email"].typed_columns == [("Work Email", "Work"), ("Home Email", "Personal"),
                                                   ("Other Email", "Work")]


def test_address_parts_are_collected(contacts: ModuleDef) -> None:
    plan = plan_mapping(contacts, [cm("Street", "address"), cm("City", "address", address_part="city"),
                                   cm("Zip", "address", address_part="zip")])
    assert plan.sources["address"].part_columns == {"street": "Street", "city": "City", "zip": "Zip"}


def test_ignored_columns_and_null_targets_are_skipped(contacts: ModuleDef) -> None:
    plan = plan_mapping(contacts, [
        cm("Name", "displayName"),
        cm("Bogus", "notAField", ignored=True),  # ignored: not even checked
        cm("Second Name", "displayName", ignored=True),  # ignored: not a second mapping of displayName
        cm("Unmapped", None),
        cm("Empty", ""),
        cm("Email", "email"),
    ])
    assert list(plan.sources) == ["displayName", "email"]
    assert plan.sources["displayName"].columns == ["Name"]
    assert plan.mapped_slugs == ["displayName", "email"]


def test_from_api_reads_the_documented_keys() -> None:
    m = ColumnMapping.from_api({"sourceColumn": "Mobile", "targetFieldSlug": "phone", "valueType": "Mobile"})
    assert m == cm("Mobile", "phone", value_type="Mobile")
    m = ColumnMapping.from_api({"sourceColumn": "X", "targetFieldSlug": None, "ignored": True})
    assert m.ignored and m.target_field_slug is None
    assert ColumnMapping.from_api({"sourceColumn": "City", "targetFieldSlug": "address",
                                   "addressPart": "city"}).address_part == "city"


def test_sources_follow_module_order(contacts: ModuleDef) -> None:
    plan = plan_mapping(contacts, [cm("Notes", "notes"), cm("Email", "email"), cm("Name", "displayName")],
                        {"leadSource": "Event"})
    assert list(plan.sources) == ["displayName", "email", "leadSource", "notes"]


def test_static_values_become_text(contacts: ModuleDef) -> None:
    plan = plan_mapping(contacts, [cm("Name", "displayName")],
                        {"leadSource": "Event", "emailOptOut": True, "jobTitle": None})
    assert plan.sources["leadSource"].static_value == "Event"
    assert plan.sources["emailOptOut"].static_value == "True"
    assert plan.sources["jobTitle"].static_value is None


def test_static_value_can_join_a_mapped_column(contacts: ModuleDef) -> None:
    plan = plan_mapping(contacts, [cm("Source", "leadSource")], {"leadSource": "Event"})
    assert plan.sources["leadSource"].columns == ["Source"]
    assert plan.sources["leadSource"].static_value == "Event"


# derived displayName -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mapped", [["firstName"], ["lastName"], ["firstName", "lastName"]])
def test_contacts_derive_display_name_from_name_parts(contacts: ModuleDef, mapped: list[str]) -> None:
    plan = plan_mapping(contacts, [cm(slug.title(), slug) for slug in mapped] + [cm("Email", "email")])
    assert plan.derive_display_name
    assert "displayName" not in plan.sources
    assert plan.mapped_slugs == ["displayName", *mapped, "email"]


def test_no_derived_display_name_when_it_is_mapped_or_static(contacts: ModuleDef) -> None:
    assert not plan_mapping(contacts, [cm("Name", "displayName"), cm("First", "firstName")]).derive_display_name
    static = plan_mapping(contacts, [cm("First", "firstName")], {"displayName": "Someone"})
    assert not static.derive_display_name
    assert not plan_mapping(contacts, [cm("Email", "email")]).derive_display_name


def test_no_derived_display_name_outside_contacts() -> None:
    modules = merge_definitions({"people": {"fields": [{"slug": "displayName", "required": True},
                                                       {"slug": "firstName"}, {"slug": "lastName"}]}})
    plan = plan_mapping(modules["people"], [cm("First", "firstName"), cm("Last", "lastName")])
    assert not plan.derive_display_name
    assert plan.mapped_slugs == ["firstName", "lastName"]


# duplicate match fields --------------------------------------------------------------------------------


def test_match_fields_defaults(contacts: ModuleDef, accounts: ModuleDef) -> None:
    assert match_fields(contacts, None) == [MatchField("email", "email")]
    assert match_fields(contacts, []) == [MatchField("email", "email")]
    assert match_fields(accounts, None) == [MatchField("displayName", "text")]
    assert match_fields(builtin_modules()["deals"], None) == [MatchField("displayName", "text")]


def test_match_fields_kinds_and_dedupe(contacts: ModuleDef, accounts: ModuleDef) -> None:
    assert match_fields(contacts, ["email", "displayName", "email"]) == [MatchField("email", "email"),
                                                                        MatchField("displayName", "text")]
    assert match_fields(contacts, ["phone", "tags", "leadSource"]) == [
        MatchField("phone", "phone"), MatchField("tags", "multi_select"), MatchField("leadSource", "text")]
    assert match_fields(accounts, ["employeeCount", "annualRevenue"]) == [
        MatchField("employeeCount", "number"), MatchField("annualRevenue", "number")]


@pytest.mark.parametrize(("slug", "why"), [("address", "address"), ("account", "reference"), ("notes", "long_text"),
                                           ("shoeSize", "not a field")])
def test_match_fields_refuses_fields_that_cannot_identify_a_record(contacts: ModuleDef, slug: str, why: str) -> None:
    with pytest.raises(InvalidOption) as info:
        match_fields(contacts, ["email", slug])
    assert info.value.status == 400 and info.value.code == "INVALID_OPTION"
    assert f"duplicateMatchFields: {slug!r}" in info.value.message and why in info.value.message
