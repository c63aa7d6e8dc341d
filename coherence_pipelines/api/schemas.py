"""Request bodies, as the API document types them; anything else in a body is refused, not ignored."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coherence_pipelines.errors import InvalidOption
from coherence_pipelines.parsing.parsed_file import RESERVED_COLUMNS


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnMappingIn(Body):
    sourceColumn: str
    targetFieldSlug: str | None = None
    ignored: bool | None = None
    valueType: str | None = None
    addressPart: Literal["street", "street2", "city", "state", "zip", "country"] | None = None
    # suggest-mapping's answer can be sent back as it is (the document's own example does so).
    confidence: float | None = None


class SuggestMappingIn(Body):
    sourceColumns: list[str] = Field(max_length=1_000)
    sampleData: list[dict[str, Any]] | None = Field(default=None, max_length=1_000)
    # Beyond the document: apply a named mapping template instead of the remembered mapping.
    mappingTemplate: str | None = Field(default=None, min_length=1, max_length=100)


class RowsIn(Body):
    """`rows` as in the document, or the `uploadId` that parse answered with (interfaces.md)."""

    rows: list[dict[str, Any]] | None = None
    uploadId: str | None = None
    columnMapping: list[ColumnMappingIn]
    duplicateStrategy: Literal["skip", "update", "create"] = "skip"
    duplicateMatchFields: list[str] | None = None
    createMissingReferences: bool = False
    staticValues: dict[str, str | int | float | bool | None] | None = None
    dateOrder: Literal["MDY", "DMY", "YMD"] | None = None

    @field_validator("rows")
    @classmethod
    def no_reserved_column(cls, rows: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        for index, row in enumerate(rows or ()):
            reserved = RESERVED_COLUMNS.intersection(row)
            if reserved:
                raise InvalidOption(f"rows[{index}]: the column name {min(reserved)!r} is reserved (it numbers the "
                                    "rows); rename that column")
        return rows

    @model_validator(mode="after")
    def one_source(self) -> RowsIn:
        if (self.rows is None) == (self.uploadId is None):
            raise InvalidOption("Send either `rows` or `uploadId` (from parse), not both and not neither")
        return self


class ValidateIn(RowsIn):
    pass


class ExecuteIn(RowsIn):
    mergeMode: Literal["fill_empty", "overwrite", "prefer_import"] = "prefer_import"
    aiMappingUsed: bool = False
    skipValidation: bool = False
    # Beyond the document: when the import completes, its mapping is also saved as this named template.
    saveMappingAs: str | None = Field(default=None, min_length=1, max_length=100)


class FilterIn(Body):
    field: str
    op: str
    value: str | int | float | bool | list[str | int | float | bool] | None = None


class ExportConfigIn(Body):
    """The document's export `config`, plus `filters` as reports have them. Values are checked against the
    module by the export spec, which answers 400 naming the option."""

    columns: list[str] | None = Field(default=None, max_length=200)
    columnLabels: dict[str, str] | None = None
    includeHeaders: bool | None = None
    dateFormat: str | None = None
    title: str | None = None
    description: str | None = None
    sortField: str | None = None
    sortDirection: str | None = None
    limit: int | None = None
    filters: list[FilterIn] | None = Field(default=None, max_length=50)


class ExportIn(Body):
    format: str
    config: ExportConfigIn | None = None

    def config_doc(self) -> dict[str, Any]:
        return self.config.model_dump(exclude_none=True) if self.config else {}


class ScheduleIn(Body):
    cron: str
    # The wall clock the cron is read on ("0 8 * * 1-5" at 08:00 in Berlin, summer and winter): UTC when none.
    timezone: str | None = Field(default=None, max_length=64)
    format: str = "csv"
    config: ExportConfigIn | None = None


class RefreshIn(Body):
    format: str = "csv"
    config: ExportConfigIn | None = None


class _ReportDefinition(Body):
    columns: list[str] | None = Field(default=None, max_length=200)
    filters: list[FilterIn] | None = Field(default=None, max_length=50)
    sortField: str | None = None
    sortDirection: str | None = None
    schedule: ScheduleIn | None = None
    refreshAfterImport: bool | RefreshIn | None = None


class ReportIn(_ReportDefinition):
    name: str = Field(min_length=1, max_length=200)
    module: str

    def definition_doc(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"name", "module"})


class ReportUpdateIn(_ReportDefinition):
    """PUT replaces what it names; what it leaves out stays as it was (null clears schedule and refresh)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)


class MappingTemplateIn(Body):
    columnMapping: list[ColumnMappingIn] = Field(max_length=1_000)
    headers: list[str] | None = Field(default=None, max_length=1_000)
    encoding: str | None = None
    delimiter: str | None = None
    dateOrder: Literal["MDY", "DMY", "YMD"] | None = None
