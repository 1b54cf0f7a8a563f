"""统一社会信用代码 (GB 32100-2015) validation, with messages that say what is wrong.

The check character comes from `python-stdnum` (`stdnum.cn.uscc`), never from weights typed
here: a well-formed code is checked against a table stdnum fills once (each position's share
of the weighted sum, read back from `uscc.calc_check_digit`), because stdnum's own call cleans
and re-cleans the text and costs some 10 µs a code, most of a million-row file's time
(issue 18). Any other text goes through `uscc.validate` itself, so its leniencies and its
verdicts stay stdnum's.
"""

from __future__ import annotations

import re
from functools import cache
from operator import getitem

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from jianguan.cell_values import CellError

# GB 32100-2015's characters: digits and capitals without I, O, S, V, Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Eight digits (registration authority, type, district), then ten of the alphabet.
_WELL_FORMED = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RTUWXY]{10}")


@cache
def _shares() -> tuple[dict[str, int], ...]:
    """For each of the 17 body positions, each character's share of the sum (mod 31), as
    stdnum computes it: the check character of a body that is all zeros but this one."""
    shares = []
    for position in range(17):
        share = {}
        for char in ALPHABET:
            body = "0" * position + char + "0" * (16 - position)
            # stdnum's check character is ALPHABET[-total mod 31].
            share[char] = -ALPHABET.index(uscc.calc_check_digit(body)) % 31
        shares.append(share)
    return tuple(shares)


def _check_character(code: str) -> str:
    # map stops at the 17 tables, so the 18th character (the check) is not summed.
    return ALPHABET[-sum(map(getitem, _shares(), code)) % 31]


def _wrong_check_words(code: str, expected: str) -> tuple[str, str]:
    return (
        f"统一社会信用代码“{code}”校验码错误（按 GB 32100-2015 应为 {expected}），请核对代码",
        f"credit code '{code}' has a wrong check character (GB 32100-2015 gives "
        f"{expected}); check the code",
    )


def _wrong_check(code: str, expected: str) -> CellError:
    return CellError.later(_wrong_check_words, code, expected)


def check_credit_code(code: str) -> str:
    """Return the code if valid; raise `CellError` naming the defect otherwise."""
    if _WELL_FORMED.fullmatch(code):
        expected = _check_character(code)
        if code[17] != expected:
            raise _wrong_check(code, expected)
        return code
    if code != code.strip() or code != code.upper():
        raise CellError.later(_spaces_or_lower, code)
    if code.isascii() and " " not in code and "-" not in code:
        # stdnum's compact() leaves such text as it is, so its verdict is known without the
        # call: a wrong length, or (18 characters, not well-formed) a malformed code.
        raise _wrong_length(code) if len(code) != 18 else _malformed(code)
    try:
        uscc.validate(code)
    except InvalidLength:
        raise _wrong_length(code) from None
    except InvalidChecksum:
        raise _wrong_check(code, uscc.calc_check_digit(code[:17])) from None
    except (InvalidFormat, InvalidComponent):
        raise _malformed(code) from None
    return code


def _spaces_or_lower(code: str) -> tuple[str, str]:
    return (
        f"统一社会信用代码“{code}”含空格或小写字母，请使用 18 位大写代码",
        f"credit code '{code}' has spaces or lower-case letters; use the 18 upper-case characters",
    )


def _wrong_length(code: str) -> CellError:
    return CellError.later(_wrong_length_words, code)


def _wrong_length_words(code: str) -> tuple[str, str]:
    return (
        f"统一社会信用代码“{code}”应为 18 位，实际 {len(code)} 位",
        f"credit code '{code}' must have 18 characters, it has {len(code)}",
    )


def _malformed(code: str) -> CellError:
    return CellError.later(_malformed_words, code)


def _malformed_words(code: str) -> tuple[str, str]:
    return (
        f"统一社会信用代码“{code}”格式错误：前 8 位应为数字，其余不得含 I、O、S、V、Z，请核对代码",
        f"credit code '{code}' is malformed: the first 8 characters must be digits and "
        "the rest may not contain I, O, S, V or Z; check the code",
    )
