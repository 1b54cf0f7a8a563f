"""Read a user's YAML configuration file (task.yaml, scenario.yaml) into a pydantic model.

One pipeline for both kinds, so a task file and a scenario file fail the same way: the shape
check first (jianguan/yaml_shape.py: no recursion, no alias bombs), then YAML syntax at its
line, then "the top level is a mapping", then the model's own validation — every problem
listed at the line it comes from (jianguan/yaml_lines.py), in Chinese and English. Nothing is
raised but the kind's own error, built from the list of `FileIssue`s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from jianguan.errors import FileIssue, JianguanError
from jianguan.yaml_lines import line_index, line_of
from jianguan.yaml_shape import shape_problem

Model = TypeVar("Model", bound=BaseModel)

_DATE = "应为日期 YYYY-MM-DD"

# pydantic's error types in the words a user reads; the kind adds its own (`extra_zh`).
_TYPE_ZH: Mapping[str, str] = {
    "missing": "缺少必填项",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "int_type": "应为整数",
    "float_type": "应为数字",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "list_type": "应为列表 [..]",
    "dict_type": "应为映射 {键: 值}",
    "model_type": "应为映射 {键: 值}",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "too_short": "不能为空",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
}


@dataclass(frozen=True, slots=True)
class YamlFileKind:
    """What one kind of file is called, how it says "the top level must be a mapping", and
    the error that carries its problems (which also says nothing was run)."""

    noun_zh: str  # 任务文件
    noun_en: str  # task file
    not_mapping_zh: str
    not_mapping_en: str
    error: Callable[[list[FileIssue]], JianguanError]
    extra_zh: Mapping[str, str] = field(default_factory=dict)

    def fail(self, file: str, line: int, zh: str, en: str) -> JianguanError:
        return self.error([FileIssue(file, line, "", zh, en)])


def parse_model(text: str, file: str, model: type[Model], kind: YamlFileKind) -> Model:
    """Validate YAML `text` as `model`; raise `kind.error` listing every problem at its line."""
    shape = shape_problem(text)
    if shape is not None:
        raise kind.fail(file, shape.line, shape.zh, shape.en)
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise kind.fail(
            file,
            line,
            f"YAML 语法错误：{exc}；请检查缩进和冒号",
            f"YAML syntax error: {exc}; check indentation and colons",
        ) from None
    if not isinstance(data, dict) or root is None:
        raise kind.fail(file, 1, kind.not_mapping_zh, kind.not_mapping_en)
    lines = line_index(root)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            # pydantic names its validator wrappers in the location; the user's file does not.
            loc = tuple(p for p in err["loc"] if p not in ("function-after", "function-before"))
            issues.append(_issue(file, line_of(loc, lines), {**err, "loc": loc}, kind))
        raise kind.error(issues) from None


def read_text(path: Path | str, kind: YamlFileKind) -> tuple[str, str]:
    """The file's UTF-8 text and the name its messages use; a `kind.error` if unreadable."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8"), str(p)
    except (OSError, UnicodeDecodeError) as exc:
        raise kind.fail(
            str(p),
            1,
            f"无法读取{kind.noun_zh}：{exc}；请检查路径和 UTF-8 编码",
            f"cannot read the {kind.noun_en}: {exc}; check the path and UTF-8 encoding",
        ) from None


def _issue(file: str, line: int, err: Mapping[str, Any], kind: YamlFileKind) -> FileIssue:
    loc = ".".join(str(p) for p in err["loc"])
    error_type = str(err["type"])
    en = f"{loc}: {err['msg']}" if loc else str(err["msg"])
    if error_type == "bilingual":  # our own validators give both languages
        zh_text = str(err["ctx"]["zh"])
    elif error_type == "value_error":
        zh_text = "取值不合理：" + str(err["msg"]).removeprefix("Value error, ")
    else:
        zh_text = kind.extra_zh.get(error_type) or _TYPE_ZH.get(error_type, str(err["msg"]))
    zh = f"{loc}：{zh_text}" if loc else zh_text
    return FileIssue(file, line, "", zh, en)
