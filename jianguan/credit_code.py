"""统一社会信用代码 (GB 32100-2015) validation, with messages that say what is wrong.

The check character itself is computed by `python-stdnum` (`stdnum.cn.uscc`), never by hand.
"""

from __future__ import annotations

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from jianguan.cell_values import CellError


def check_credit_code(code: str) -> str:
    """Return the code if valid; raise `CellError` naming the defect otherwise."""
    if code != code.strip() or code != code.upper():
        raise CellError(
            f"统一社会信用代码“{code}”含空格或小写字母，请使用 18 位大写代码",
            f"credit code '{code}' has spaces or lower-case letters; "
            "use the 18 upper-case characters",
        )
    try:
        uscc.validate(code)
    except InvalidLength:
        raise CellError(
            f"统一社会信用代码“{code}”应为 18 位，实际 {len(code)} 位",
            f"credit code '{code}' must have 18 characters, it has {len(code)}",
        ) from None
    except InvalidChecksum:
        expected = uscc.calc_check_digit(code[:17])
        raise CellError(
            f"统一社会信用代码“{code}”校验码错误（按 GB 32100-2015 应为 {expected}），请核对代码",
            f"credit code '{code}' has a wrong check character (GB 32100-2015 gives "
            f"{expected}); check the code",
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise CellError(
            f"统一社会信用代码“{code}”格式错误：前 8 位应为数字，其余不得含 I、O、S、V、Z，请核对代码",
            f"credit code '{code}' is malformed: the first 8 characters must be digits and "
            "the rest may not contain I, O, S, V or Z; check the code",
        ) from None
    return code
