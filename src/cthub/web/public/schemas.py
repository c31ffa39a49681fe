"""Response shapes of the public API, for the OpenAPI spec and its docs page.

They document what the routes in `cthub.web.public.api` return; the routes keep building their answers from the
published files, so the models are listed as `responses` (documentation) and never filter or reshape an answer.
Extra keys a release carries are allowed (`extra="allow"`), as a client should expect them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Error(BaseModel):
    """Every 4xx answer: what was wrong and what to send instead."""

    detail: str = Field(description="What was wrong, naming the attribute or value and listing the valid ones")


class NotFound(Error):
    api: str | None = Field(None, description="The API's entry point (/api/)")
    docs: str | None = Field(None, description="This documentation")
    openapi: str | None = Field(None, description="The OpenAPI spec")


class ApiIndex(_Open):
    name: str
    description: str
    docs: str = Field(description="The documentation page")
    openapi: str = Field(description="The OpenAPI spec")
    releases: str = Field(description="The published releases")
    latest: str | None = Field(description="The latest release (null when none is published)")
    codebook: str = Field(description="The data standard")


class ReleaseSummary(_Open):
    version: str = Field(description="YYYY.MM.DD, with .N for the N-th release of a day")
    created: str | None = Field(description="ISO 8601 time the release was made")
    privacy: dict[str, Any] = Field(description="profile, unit, epsilon, delta (dp); k, threshold, "
                                                "effective_threshold (classic)")
    summary: dict[str, Any] = Field(description="countries, years and contributors named by the public outputs")
    tables: list[str] = Field(description="The tables (datasets) the release publishes")


class ReleaseFile(_Open):
    name: str = Field(description="Path inside the release, e.g. data/victims_synthetic.csv")
    size: int = Field(description="Bytes")
    sha256: str
    description: str
    purpose: str = Field(description="synthetic | kanon | aggregates | codebook | dictionary | report | "
                                     "datapackage | metadata")
    guarantee: dict[str, Any] = Field(description="The file's declared guarantee from privacy.json")
    protection: str = Field(description="The guarantee in words")
    url: str = Field(description="Download address (behind the terms of use)")


class Archive(_Open):
    name: str
    url: str = Field(description="The whole release as one zip (behind the terms of use)")
    guarantee: dict[str, Any] = Field(description="post-processing of exactly the files listed")


class ReleaseDetail(_Open):
    version: str
    created: str | None
    hub: str | None
    standard_version: str | None
    profile: str | None = Field(description="dp | classic")
    privacy: dict[str, Any]
    summary: dict[str, Any]
    tables: dict[str, Any] = Field(description="Per table: columns, files and the declared record count")
    files: list[ReleaseFile]
    archive: Archive | None


class Records(_Open):
    value: int | None = Field(description="The declared (protected) record count")
    guarantee: str | None = Field(description="dp (a noisy count) or k-anonymity (rows of the published file)")


class TableInfo(_Open):
    table: str
    records: Records
    records_text: str = Field(description="The record count in words, with its protection")
    rule: str = Field(description="What is and is not published, in words")
    reporting_length: int = Field(description="The largest number of attributes counted together")
    attributes: list[str]
    has_synthetic: bool


class Flow(BaseModel):
    origin: str = Field(description="Value of origin_attribute (ISO 3166-1 alpha-2)")
    destination: str = Field(description="Value of destination_attribute (ISO 3166-1 alpha-2)")
    count: int = Field(description="The published count of the pair")


class Flows(BaseModel):
    origin_attribute: str = Field(description="The attribute the corridors start from, e.g. citizenship")
    destination_attribute: str = Field(description="The attribute they end in, e.g. CountryOfExploitation")
    threshold: int | None = Field(description="The smallest count published (threshold rule), else null")
    rule: str
    flows: list[Flow] = Field(description="Largest first")


class AggregateAnswer(BaseModel):
    selections: str = Field(description="The combination, normalized: attribute:value joined by ';' in column order")
    length: int
    status: Literal["published", "suppressed", "too deep"] = Field(
        description="suppressed: the combination is not published; too deep: more attributes than the reporting "
                    "length")
    count: int | None = Field(description="The published count, or null")
    reporting_length: int


class ChartRow(BaseModel):
    attribute: str
    value: str
    label: str
    protected_count: int | None = Field(description="The published count, or null when suppressed")
    status: str = Field(description="published | suppressed")
    synthetic_estimate: int | None = Field(description="The count in the synthetic microdata (an estimate), or "
                                                       "null without a synthetic file")


class Chart(BaseModel):
    table: str
    attribute: str
    filter: str = Field(description="The filter, normalized")
    rows: list[ChartRow]


def errors(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for the error codes a route answers, each with the `Error` shape."""
    default = {400: "An unknown attribute or value (the message lists the published ones)",
               404: "No such release or table", 503: "The data standard could not be loaded"}
    return {code: {"model": NotFound if code == 404 else Error,
                   "description": descriptions.get(f"e{code}", default.get(code, "Error"))} for code in codes}


def described(description: str, media: str = "application/json",
              schema: dict[str, Any] | None = None) -> dict[int | str, dict[str, Any]]:
    """A 200 documented in words, for answers whose shape is the release's own (privacy.json, meta.json)."""
    return {200: {"description": description, "content": {media: {"schema": schema or {"type": "object"}}}}}


def ok(model: type[BaseModel], description: str = "Successful answer") -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": description}}
