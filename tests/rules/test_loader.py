"""Rule files are checked before any engine sees them; messages point at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.loader import load_text, try_load_file
from tests.rules.conftest import CREDIT, PENALTY, SUPERVISION

MINIMAL = """\
package:
  id: demo
  title_zh: 示例
  title_en: demo
  version: "1"
  issuer: 测试
  document_number: 无
  effective_from: 2024-01-01
outcomes:
  - {id: grant, label_zh: 是, label_en: grant}
  - {id: deny, label_zh: 否, label_en: deny}
fields:
  flag: {type: bool, label_zh: 标志, label_en: flag}
  count: {type: int, required: false, label_zh: 次数, label_en: count}
parameters:
  limit:
    type: int
    label_zh: 上限
    label_en: limit
    values:
      - {from: 2024-01-01, value: 3, reference: {law: 测试法, excerpt: 示例}}
rules:
  - id: r-yes
    title_zh: 是
    title_en: grant
    basis: [{law: 测试法, article: 第一条, excerpt: 示例}]
    when: {field: flag, is: true}
    outcome: grant
    priority: 1
  - id: r-no
    title_zh: 否
    title_en: deny
    basis: [{law: 测试法, article: 第二条, excerpt: 示例}]
    when: {always: true}
    outcome: deny
    priority: 9
    fallback: true
"""


def issues_of(text: str, lang: str = "zh") -> list[str]:
    package, issues = load_text(text, "demo.yaml")
    assert (package is None) == bool(issues)
    return [i.render(lang) for i in issues]


@pytest.mark.parametrize("path", [PENALTY, CREDIT, SUPERVISION])
def test_shipped_packages_load_without_issues(path: Path) -> None:
    package, issues = try_load_file(path)
    assert issues == []
    assert package is not None and package.rules


def test_minimal_file_loads() -> None:
    assert issues_of(MINIMAL) == []


def test_unknown_key_is_reported_at_its_line() -> None:
    text = MINIMAL.replace("    priority: 1\n", "    priority: 1\n    priorty: 2\n")
    [message] = issues_of(text)
    line = text.splitlines().index("    priorty: 2") + 1
    assert message.startswith(f"demo.yaml:{line}:")
    assert "未知的键" in message


def test_wrong_type_is_reported_in_english_on_request() -> None:
    text = MINIMAL.replace("priority: 1", "priority: high")
    [message] = issues_of(text, "en")
    line = text.splitlines().index("    priority: high") + 1
    assert message.startswith(f"demo.yaml:{line}:") and "rules.0.priority" in message


def test_unknown_field_operator_and_parameter_are_named() -> None:
    assert "未知字段「flg」" in issues_of(MINIMAL.replace("field: flag, is", "field: flg, is"))[0]
    assert "未知运算符「equals」" in issues_of(MINIMAL.replace("is: true}", "equals: true}"))[0]
    text = MINIMAL.replace("{field: flag, is: true}", "{field: count, gt: {param: limt}}")
    assert "未知参数「limt」" in issues_of(text)[0]


def test_operator_that_does_not_fit_the_type_is_refused() -> None:
    [message] = issues_of(MINIMAL.replace("{field: flag, is: true}", "{field: flag, gt: 3}"))
    assert "不适用于 bool" in message


def test_duplicate_keys_and_syntax_errors_are_refused() -> None:
    dup = MINIMAL.replace("    priority: 1\n", "    priority: 1\n    priority: 2\n")
    assert "重复" in issues_of(dup)[0]
    broken = MINIMAL.replace("outcomes:\n", "outcomes:\n  - [unclosed\n")
    assert "YAML" in issues_of(broken)[0]


def test_contradictory_rule_is_unreachable() -> None:
    text = MINIMAL.replace(
        "when: {field: flag, is: true}",
        "when: {all: [{field: flag, is: true}, {field: flag, is: false}]}",
    )
    [message] = issues_of(text)
    assert "永远不会适用" in message and "r-yes" in message


def test_shadowed_rule_is_reported() -> None:
    extra = """  - id: r-count
    title_zh: 次数多
    title_en: many
    basis: [{law: 测试法, excerpt: 示例}]
    when: {all: [{field: flag, is: true}, {field: count, gt: {param: limit}}]}
    outcome: deny
    priority: 5
"""
    text = MINIMAL.replace("  - id: r-no\n", extra + "  - id: r-no\n")
    [message] = issues_of(text)
    assert "「r-count」" in message and "永远不会决定结论" in message and "r-yes" in message


def test_equal_priority_conflict_is_reported() -> None:
    extra = """  - id: r-count
    title_zh: 次数多
    title_en: many
    basis: [{law: 测试法, excerpt: 示例}]
    when: {field: count, gt: {param: limit}}
    outcome: deny
    priority: 1
"""
    text = MINIMAL.replace("  - id: r-no\n", extra + "  - id: r-no\n")
    messages = issues_of(text)
    assert any("优先级相同" in m and "r-yes" in m and "r-count" in m for m in messages)


def test_input_without_outcome_is_reported_with_an_example() -> None:
    text = MINIMAL.replace("    fallback: true\n", "").replace(
        "when: {always: true}", "when: {field: count, gt: 0}"
    )
    messages = issues_of(text)
    assert any("得不到任何结论" in m and "flag=false" in m for m in messages)


def test_exception_to_wins_over_its_rule() -> None:
    text = MINIMAL.replace(
        "    priority: 9\n    fallback: true\n", "    exception_to: r-yes\n"
    ).replace("when: {always: true}", "when: {field: count, gt: 5}")
    _package, issues = load_text(text, "demo.yaml")
    # r-no is now an exception to r-yes; without a fallback, flag=false & count<=5 is a gap.
    assert any("得不到任何结论" in i.message_zh for i in issues)


def test_parameter_values_must_be_dated_in_order() -> None:
    text = MINIMAL.replace(
        "      - {from: 2024-01-01, value: 3, reference: {law: 测试法, excerpt: 示例}}",
        "      - {from: 2024-06-01, value: 3, reference: {law: 测试法, excerpt: 示例}}\n"
        "      - {from: 2024-01-01, value: 4, reference: {law: 测试法, excerpt: 示例}}",
    )
    assert any("从早到晚" in m for m in issues_of(text))


def test_rule_without_basis_is_refused() -> None:
    text = MINIMAL.replace("basis: [{law: 测试法, article: 第一条, excerpt: 示例}]", "basis: []")
    assert any("rules.0.basis" in m for m in issues_of(text))
