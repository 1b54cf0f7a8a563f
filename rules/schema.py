"""The shape of a rule file (pydantic v2, strict, unknown keys refused).

Conditions (`when`, `error_when`) are kept as raw data here and parsed by
`rules.conditions`, which reports their mistakes with the same `file:line` precision.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,79}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Small = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Citation(Strict):
    """A legal or policy basis: law, article, paragraph, item, and a short excerpt."""

    law: Text
    article: str | None = None
    paragraph: str | None = None
    sentence: str | None = None
    item: str | None = None
    document_number: str | None = None
    issuer: str | None = None
    published: date | None = None
    url: str | None = None
    # Where the quoted text was published or found (a gazette, a website, a re-post's address).
    source: str | None = None
    excerpt: Text
    # Set when the basis is a local example or a project default rather than national law.
    local_example: str | None = None
    note: str | None = None

    def render(self) -> str:
        parts = [f"《{self.law}》"]
        if self.document_number:
            parts.append(f"（{self.document_number}）")
        for piece in (self.article, self.paragraph, self.sentence, self.item):
            if piece:
                parts.append(piece)
        return "".join(parts)


class PackageHeader(Strict):
    id: RuleId
    title_zh: Text
    title_en: Text
    version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,39}$")]
    issuer: Text
    document_number: Text
    effective_from: date
    effective_to: date | None = None
    # Set for penalty packages: the field holding the date of the conduct, used for
    # Art. 37 (从旧兼从轻) when the conduct predates the version in force on the as-of date.
    conduct_date_field: Name | None = None


class Outcome(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")]
    label_zh: Text
    label_en: Text


FieldType = Literal["bool", "enum", "date", "int", "code", "set", "string"]


class FieldSpec(Strict):
    type: FieldType
    required: bool = True
    label_zh: Text
    label_en: Text
    values: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,40}$")]] | None = None
    tables: list[Name] | None = None
    min: Small | None = None
    max: Small | None = None


class ParamValue(Strict):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)
    from_: date = Field(alias="from")
    value: bool | int | str | float | dict[str, bool | int | str | float | None]
    reference: Citation


class Parameter(Strict):
    type: Literal["bool", "int", "years", "decimal", "map"]
    label_zh: Text
    label_en: Text
    values: Annotated[list[ParamValue], Field(min_length=1)]


class TableRow(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,40}$")]
    title_zh: str | None = None
    title_en: str | None = None
    # A list item as its list prints it: the provisions violated, the conditions for no
    # penalty, the basis applied, and where that text was found.
    provisions_zh: str | None = None
    conditions_zh: str | None = None
    basis_zh: str | None = None
    source: str | None = None
    note: str | None = None


class Table(Strict):
    title_zh: Text
    title_en: Text
    source: Citation
    rows: Annotated[list[TableRow], Field(min_length=1, max_length=5000)]


class AddYears(Strict):
    field: Name
    years: Small | dict[str, str]
    # Count the years back from the date instead of forward (a look-back window).
    back: bool = False


class YearsBetween(Strict):
    from_field: Name
    to: Literal["as_of"] = "as_of"


class Derived(Strict):
    type: Literal["date", "int"]
    label_zh: Text
    label_en: Text
    first_present: list[Name] | None = None
    add_years: AddYears | None = None
    years_between: YearsBetween | None = None
    scorecard: Literal[True] | None = None


class Check(Strict):
    id: RuleId
    error_when: dict[str, Any]
    message_zh: Text
    message_en: Text


class Band(Strict):
    when: dict[str, Any]
    points: Small | dict[str, str]
    label_zh: Text
    label_en: Text


class Indicator(Strict):
    id: RuleId
    title_zh: Text
    title_en: Text
    basis: Annotated[list[Citation], Field(min_length=1)]
    bands: Annotated[list[Band], Field(min_length=1, max_length=50)]


class Scorecard(Strict):
    base: Small | dict[str, str]
    indicators: Annotated[list[Indicator], Field(min_length=1, max_length=100)]


class Rule(Strict):
    id: RuleId
    title_zh: Text
    title_en: Text
    basis: Annotated[list[Citation], Field(min_length=1)]
    when: dict[str, Any]
    outcome: str
    priority: Annotated[int, Field(ge=0, le=100_000)] | None = None
    exception_to: RuleId | None = None
    enabled_by: Name | None = None
    # A fallback (Catala's default) applies only when no other rule does; needs always: true.
    fallback: bool = False
    note: str | None = None


class ListSpec(Strict):
    id: Name
    label_zh: Text
    label_en: Text
    when: dict[str, Any]


class OutputCase(Strict):
    outcomes: list[str] | None = None
    value: str | int | None = None
    param: Name | None = None
    by: Name | None = None


class Expect(Strict):
    outcome: str | None = None
    rules: list[str] | None = None
    error: bool | None = None
    lists: list[str] | None = None
    sampling_ratio: str | None = None


class TestCase(Strict):
    name: Text
    as_of: date | None = None
    input: dict[str, Any]
    expect: Expect


class RuleFile(Strict):
    package: PackageHeader
    outcomes: Annotated[list[Outcome], Field(min_length=1, max_length=50)]
    fields: dict[Name, FieldSpec]
    derived: dict[Name, Derived] = {}
    parameters: dict[Name, Parameter] = {}
    tables: dict[Name, Table] = {}
    checks: list[Check] = []
    scorecard: Scorecard | None = None
    rules: Annotated[list[Rule], Field(min_length=1, max_length=400)]
    lists: list[ListSpec] = []
    outputs: dict[Name, list[OutputCase]] = {}
    tests: list[TestCase] = []
