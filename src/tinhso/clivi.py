"""The command line in Vietnamese: Click's and Typer's own messages (help, usage, errors).

Click and Typer mark every message they print with gettext's ``_`` (and ``ngettext``), bound in
each of their modules at import. Shipping a compiled ``.mo`` catalogue would need the operator's
locale set to Vietnamese, which a server's shell rarely is; so :func:`localize` binds those names
to a lookup in :data:`MESSAGES` instead, whatever the locale. A message missing here stays English
and ``tests/test_cli_texts.py`` fails on it: the help of every command is rendered and read.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

MESSAGES: dict[str, str] = {
    # help and usage
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Arguments": "Tham số",
    "Positional arguments": "Tham số theo vị trí",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "[default: {}]": "[mặc định: {}]",
    "default: {default}": "mặc định: {default}",
    "[env var: {}]": "[biến môi trường: {}]",
    "env var: {var}": "biến môi trường: {var}",
    "[required]": "[bắt buộc]",
    "required": "bắt buộc",
    "(deprecated) ": "(không còn dùng) ",
    "deprecated": "không còn dùng",
    "(dynamic)": "(tính khi chạy)",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "Xem hướng dẫn: [blue]'{command_path} {help_option}'[/]."
    ),
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    # errors
    "Error": "Lỗi",
    "Error: {message}": "Lỗi: {message}",
    "Aborted.": "Đã hủy.",
    "Aborted!": "Đã hủy.",
    "Missing command.": "Thiếu lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "Did you mean {possibility}?": "Có phải ý anh/chị là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý anh/chị là một trong: {possibilities}?)",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing {param_type}": "Thiếu {param_type}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "unknown error": "lỗi không rõ",
    "Got unexpected extra argument ({args})": "Thừa tham số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa các tham số ({args})",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Argument {name!r} takes {nargs} values.": "Tham số {name!r} nhận {nargs} giá trị.",
    "Takes {nargs} values but 1 was given.": "Cần {nargs} giá trị nhưng chỉ có 1.",
    "Takes {nargs} values but {len} were given.": "Cần {nargs} giá trị nhưng có {len}.",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} không phải {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không thuộc {choices}.",
    "{value!r} does not match the format {format}.": "{value!r} không đúng định dạng {format}.",
    "{value!r} does not match the formats {formats}.": (
        "{value!r} không đúng định dạng nào trong {formats}."
    ),
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} không phải có/không. Giá trị nhận: {states}"
    ),
    "{value!r} is not a valid {number_type}.": "{value!r} không phải {number_type} hợp lệ.",
    "{value!r} is not a valid UUID.": "{value!r} không phải UUID hợp lệ.",
    "{len_type} values are required, but {len_value} was given.": (
        "Cần {len_type} giá trị, nhưng có {len_value}."
    ),
    "{len_type} values are required, but {len_value} were given.": (
        "Cần {len_type} giá trị, nhưng có {len_value}."
    ),
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is not readable.": "Không đọc được {name} {filename!r}.",
    "{name} {filename!r} is not writable.": "Không ghi được {name} {filename!r}.",
    "{name} {filename!r} is not executable.": "Không chạy được {name} {filename!r}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    # prompts
    "Do you want to continue?": "Tiếp tục?",
    "Confirm the action without prompting.": "Xác nhận mà không hỏi lại.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không khớp nhau.",
    "Error: invalid input": "Lỗi: giá trị nhập không hợp lệ",
    "Press any key to continue...": "Nhấn một phím bất kỳ để tiếp tục…",
}

# Click's and Typer's modules that bind gettext's names at import.
_MODULES = (
    "click.core",
    "click.exceptions",
    "click.types",
    "click.decorators",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.utils",
    "typer.core",
    "typer.rich_utils",
)
# Typer's help renderer reads these once at import.
_RICH_CONSTANTS = (
    "DEPRECATED_STRING",
    "DEFAULT_STRING",
    "ENVVAR_STRING",
    "REQUIRED_LONG_STRING",
    "ARGUMENTS_PANEL_TITLE",
    "OPTIONS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "ERRORS_PANEL_TITLE",
    "ABORTED_TEXT",
    "RICH_HELP",
)


def gettext(message: str) -> str:
    """Return the Vietnamese of one of Click's or Typer's messages (the message if unknown)."""
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Return the Vietnamese of a message that has a singular and a plural form."""
    return gettext(singular if n == 1 else plural)


def localize() -> None:
    """Make Click and Typer speak Vietnamese (idempotent)."""
    binders: dict[str, Callable[..., str]] = {"_": gettext, "ngettext": ngettext}
    for name in _MODULES:
        module = importlib.import_module(name)
        for attr, fn in binders.items():
            if hasattr(module, attr):
                setattr(module, attr, fn)
    rich = importlib.import_module("typer.rich_utils")
    english = {v: k for k, v in MESSAGES.items()}
    for const in _RICH_CONSTANTS:
        value = getattr(rich, const)
        setattr(rich, const, gettext(english.get(value, value)))
    _localize_vendored()


# Typer (0.22 and later) carries its own copy of Click in ``typer._click``, whose messages are
# plain English f-strings: those are translated where they leave it — the usage line, the help
# option, and each usage error's message, by the patterns below.
_ERROR_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"^Missing option (.*)\.$", r"Thiếu tùy chọn \1."),
        (r"^Missing argument (.*)\.$", r"Thiếu tham số \1."),
        (r"^Missing parameter(?::)? ?(.*)$", r"Thiếu tham số \1"),
        (r"^Invalid value for (.+?): (.*)$", r"Giá trị không hợp lệ cho \1: \2"),
        (r"^Invalid value: (.*)$", r"Giá trị không hợp lệ: \1"),
        (r"^No such option: (.*)$", r"Không có tùy chọn: \1"),
        (r"^No such command (.*)\.$", r"Không có lệnh \1."),
        (r"^Got unexpected extra arguments? ?\(s\)? \((.*)\)$", r"Thừa tham số (\1)"),
        (r"^Got unexpected extra argument\(s\) \((.*)\)$", r"Thừa tham số (\1)"),
        (r"^Option (.*) requires an argument\.$", r"Tùy chọn \1 cần một giá trị."),
        (r"^Option (.*) does not take a value\.$", r"Tùy chọn \1 không nhận giá trị."),
        (r"\(Possible options: (.*)\)", r"(Các tùy chọn có thể: \1)"),
        (r"Value error, ", ""),
        (r"(.*) is not a valid integer\.?", r"\1 không phải số nguyên."),
        (r"(.*) is not a valid float\.?", r"\1 không phải số."),
        (r"(.*) is not a valid boolean\.?", r"\1 không phải có/không."),
        (r"(.*) is not one of (.*)\.$", r"\1 không thuộc \2."),
        (r"(.*) is not in the range (.*)\.$", r"\1 nằm ngoài khoảng \2."),
        (r"(.*) does not exist\.$", r"\1 không tồn tại."),
        (r"(.*) is a directory\.$", r"\1 là một thư mục."),
        (r"(.*) is a file\.$", r"\1 là một tệp."),
        (r"(.*) is not readable\.$", r"không đọc được \1."),
        (r"(.*) is not writable\.$", r"không ghi được \1."),
        (r"^(File|Directory|Path) ", r"Đường dẫn "),
        (r"^Could not open file (.*): (.*)$", r"Không mở được tệp \1: \2"),
    )
)
_HELP = "Hiện hướng dẫn này rồi thoát."
_METAVARS = {"[OPTIONS]": "[TÙY CHỌN]", "COMMAND [ARGS]...": "LỆNH [THAM SỐ]..."}
_USAGE = "Cách dùng: "


def translate_error(message: str) -> str:
    """Return a usage error's message in Vietnamese (each known English pattern replaced)."""
    for pattern, repl in _ERROR_PATTERNS:
        message = pattern.sub(repl, message)
    return message


def _localize_vendored() -> None:
    try:
        exceptions = importlib.import_module("typer._click.exceptions")
        formatting = importlib.import_module("typer._click.formatting")
        decorators: Any = importlib.import_module("typer._click.decorators")
    except ImportError:  # a Typer that uses Click itself: gettext above covers it
        return
    for cls in vars(exceptions).values():
        if isinstance(cls, type) and "format_message" in vars(cls):
            original = vars(cls)["format_message"]
            if getattr(original, "_vietnamese", False):
                continue

            def format_message(self: object, _original: Callable[..., str] = original) -> str:
                return translate_error(_original(self))

            format_message._vietnamese = True  # type: ignore[attr-defined]
            target: Any = cls
            target.format_message = format_message
    formatter = formatting.HelpFormatter
    write_usage = formatter.write_usage
    if not getattr(write_usage, "_vietnamese", False):

        def vietnamese_usage(
            self: object, prog: str, args: str = "", prefix: str | None = None
        ) -> None:
            write_usage(self, prog, args, _USAGE if prefix is None else prefix)

        vietnamese_usage._vietnamese = True  # type: ignore[attr-defined]
        formatter.write_usage = vietnamese_usage
    help_option = decorators.help_option
    if not getattr(help_option, "_vietnamese", False):

        def vietnamese_help(param_decls: list[str]) -> Callable[[Any], Any]:
            add = help_option(param_decls)

            def apply(command: Any) -> Any:
                command = add(command)
                command.params[-1].help = _HELP
                return command

            return apply

        vietnamese_help._vietnamese = True  # type: ignore[attr-defined]
        decorators.help_option = vietnamese_help
    core = importlib.import_module("typer.core")
    for cls in (core.TyperCommand, core.TyperGroup):
        pieces = vars(cls).get("collect_usage_pieces") or cls.collect_usage_pieces
        if getattr(pieces, "_vietnamese", False):
            continue

        def usage_pieces(
            self: object, ctx: object, _original: Callable[..., list[str]] = pieces
        ) -> list[str]:
            return [_METAVARS.get(p, p) for p in _original(self, ctx)]

        usage_pieces._vietnamese = True  # type: ignore[attr-defined]
        cls.collect_usage_pieces = usage_pieces
