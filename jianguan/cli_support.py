"""Pieces every `jianguan` sub-command shares: the `--lang` option and error printing."""

from __future__ import annotations

import argparse
import sys

from jianguan.errors import DataFileError, JianguanError


def lang_parent() -> argparse.ArgumentParser:
    """A parent parser adding `--lang {zh,en}`; put it in every leaf command's `parents=`."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--lang",
        choices=["zh", "en"],
        default="zh",
        help="language of messages: zh (中文, default) or en",
    )
    return parent


def report_error(error: JianguanError, lang: str) -> None:
    """Print a user-facing error to stderr: every issue on its own line, then a summary."""
    print(error.message(lang), file=sys.stderr)
    if isinstance(error, DataFileError):
        print(error.summary(lang), file=sys.stderr)
