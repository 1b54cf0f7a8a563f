"""YAML no real task, scenario or rule file has is refused at its line before it is loaded —
quickly, by every command that reads such files — and real files pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jianguan.cli import main
from jianguan.yaml_shape import RULE_FILE, shape_problem
from tests.jianguan import samples

ROOT = Path(__file__).resolve().parents[2]
# Nine levels of nine aliases: 9**9 nodes once expanded, from a 600-byte file.
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
DEEP = "a: " + "[" * 3000 + "]" * 3000 + "\n"
LONG = "a: 1\nb: " + "9" * 5000 + "\n"


@pytest.mark.parametrize(
    ("text", "zh", "line"),
    [(BOMB, "展开别名后超过", 5), (DEEP, "嵌套超过", 1), (LONG, "5000 个字符", 2)],
    ids=["aliases", "depth", "long-value"],
)
def test_absurd_shapes_are_refused_at_their_line(text: str, zh: str, line: int) -> None:
    found = shape_problem(text)
    assert found is not None and zh in found.zh and found.line == line
    assert found.en  # English on request


@pytest.mark.parametrize(
    ("path", "limits"),
    [
        *[(p, RULE_FILE) for p in sorted((ROOT / "rules" / "packages").rglob("*.yaml"))],
        (ROOT / "web" / "demo_task.yaml", None),
        (ROOT / "simulations" / "demo_scenario.yaml", None),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_the_files_we_ship_pass(path: Path, limits: object) -> None:
    text = path.read_text(encoding="utf-8")
    assert (shape_problem(text, RULE_FILE) if limits else shape_problem(text)) is None


@pytest.mark.parametrize(
    "command",
    [
        ["rules", "check", "{f}"],
        ["sim", "run", "{f}", "--out", "{out}"],
        [
            "plan",
            "generate",
            "--enterprises",
            "{e}",
            "--inspectors",
            "{i}",
            "--task",
            "{f}",
            "--seed",
            "ab" * 16,
            "--out",
            "{out}",
        ],
    ],
    ids=["rules-check", "sim-run", "plan-generate"],
)
def test_commands_refuse_an_alias_bomb_with_file_and_line(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    out = tmp_path / "out.json"
    e, i = samples.enterprises_csv(tmp_path), samples.officers_csv(tmp_path)
    args = [a.format(f=bomb, out=out, e=e, i=i) for a in command]
    assert main(args) == 1
    assert re.search(rf"{re.escape(str(bomb))}:\d+: 展开别名后超过", capsys.readouterr().err)
    assert not out.exists()
