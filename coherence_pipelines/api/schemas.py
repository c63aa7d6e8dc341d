"""Request bodies, as the API document types them; anything else in a body is refused, not ignored."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coherence_pipelines.errors import InvalidOption


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
