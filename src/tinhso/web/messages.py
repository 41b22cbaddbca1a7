"""The libraries' messages a user could meet, said in Vietnamese.

Pydantic, FastAPI and Starlette word their refusals in English ("Field required", "There was an
error parsing the body", "Missing boundary in multipart."). None of that reaches a person: every
Pydantic error type has its Vietnamese reason (with its limits, written the Vietnamese way), an
unknown type falls back to a Vietnamese phrase, and a library's own detail is replaced.
"""

from __future__ import annotations

from typing import Any

from tinhso.fmt import vn_number


def _n(value: Any) -> str:
    """Return a limit as Vietnamese write numbers (9.223.372.036.854.775.807, 0,5)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return vn_number(value, len(repr(value).split(".")[1]))
    return f"{int(value):,}".replace(",", ".")  # exact: a float would round 2^63 − 1


PYDANTIC_REASONS: dict[str, str] = {
    "missing": "bắt buộc phải có",
    "extra_forbidden": "trường này không được phép",
    "no_such_attribute": "trường này không được phép",
    "unexpected_keyword_argument": "trường này không được phép",
    "missing_argument": "bắt buộc phải có",
    "missing_keyword_only_argument": "bắt buộc phải có",
    "missing_positional_only_argument": "bắt buộc phải có",
    "frozen_field": "trường này không sửa được",
    "frozen_instance": "không sửa được",
    "json_invalid": "JSON không hợp lệ",
    "json_type": "phải là chuỗi JSON",
    "recursion_loop": "dữ liệu lồng nhau quá sâu hoặc tự tham chiếu",
    "recursion_depth_exceeded": "dữ liệu lồng nhau quá sâu",
    "model_type": "phải là một đối tượng JSON",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dataclass_type": "phải là một đối tượng JSON",
    "dataclass_exact_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "mapping_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "tuple_type": "phải là một danh sách",
    "set_type": "phải là một danh sách không trùng lặp",
    "frozen_set_type": "phải là một danh sách không trùng lặp",
    "iterable_type": "phải là một danh sách",
    "iteration_error": "không đọc được danh sách",
    "set_item_not_hashable": "phần tử không dùng được trong tập hợp",
    "invalid_key": "khóa không hợp lệ",
    "none_required": "phải để trống (null)",
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "không được nhỏ hơn {ge}",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "không được lớn hơn {le}",
    "multiple_of": "phải là bội số của {multiple_of}",
    "finite_number": "phải là số hữu hạn (không nhận NaN hay vô cùng)",
    "too_short": "phải có ít nhất {min_length} phần tử",
    "too_long": "có nhiều hơn {max_length} phần tử",
    "string_type": "phải là chuỗi ký tự",
    "string_sub_type": "phải là chuỗi ký tự",
    "string_unicode": "có ký tự không hợp lệ (không phải Unicode)",
    "string_too_short": "phải có ít nhất {min_length} ký tự",
    "string_too_long": "dài quá {max_length} ký tự",
    "string_pattern_mismatch": "không đúng dạng quy định",
    "string_not_ascii": "chỉ được dùng chữ không dấu, số và ký hiệu ASCII",
    "enum": "giá trị không nằm trong danh sách cho phép ({expected})",
    "literal_error": "giá trị không nằm trong danh sách cho phép ({expected})",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_parsing_size": "số nguyên quá lớn",
    "int_from_float": "phải là số nguyên",
    "float_type": "phải là số",
    "float_parsing": "phải là số",
    "decimal_type": "phải là số",
    "decimal_parsing": "phải là số",
    "decimal_max_digits": "có quá {max_digits} chữ số",
    "decimal_max_places": "có quá {decimal_places} chữ số thập phân",
    "decimal_whole_digits": "phần nguyên có quá {whole_digits} chữ số",
    "fraction_type": "phải là số",
    "fraction_parsing": "phải là số",
    "complex_type": "phải là số",
    "complex_str_parsing": "phải là số",
    "bytes_type": "phải là chuỗi byte",
    "bytes_too_short": "phải có ít nhất {min_length} byte",
    "bytes_too_long": "dài quá {max_length} byte",
    "bytes_invalid_encoding": "mã hóa không hợp lệ",
    "date_type": "ngày không hợp lệ (dùng dạng YYYY-MM-DD)",
    "date_parsing": "ngày không hợp lệ (dùng dạng YYYY-MM-DD)",
    "date_from_datetime_parsing": "ngày không hợp lệ (dùng dạng YYYY-MM-DD)",
    "date_from_datetime_inexact": "phải là một ngày, không kèm giờ",
    "date_past": "phải là một ngày trong quá khứ",
    "date_future": "phải là một ngày trong tương lai",
    "time_type": "giờ không hợp lệ (dùng dạng HH:MM:SS)",
    "time_parsing": "giờ không hợp lệ (dùng dạng HH:MM:SS)",
    "datetime_type": "thời điểm không hợp lệ (dùng dạng 2025-07-01T08:00:00+07:00)",
    "datetime_parsing": "thời điểm không hợp lệ (dùng dạng 2025-07-01T08:00:00+07:00)",
    "datetime_object_invalid": "thời điểm không hợp lệ",
    "datetime_from_date_parsing": "thời điểm không hợp lệ (dùng dạng 2025-07-01T08:00:00+07:00)",
    "datetime_past": "phải là một thời điểm trong quá khứ",
    "datetime_future": "phải là một thời điểm trong tương lai",
    "timezone_naive": "không được kèm múi giờ",
    "timezone_aware": "phải kèm múi giờ (ví dụ +07:00)",
    "timezone_offset": "múi giờ không đúng",
    "time_delta_type": "khoảng thời gian không hợp lệ",
    "time_delta_parsing": "khoảng thời gian không hợp lệ",
    "url_type": "phải là địa chỉ URL",
    "url_parsing": "địa chỉ URL không hợp lệ",
    "url_syntax_violation": "địa chỉ URL không hợp lệ",
    "url_too_long": "địa chỉ URL quá dài",
    "url_scheme": "địa chỉ URL có giao thức không được phép",
    "uuid_type": "phải là UUID",
    "uuid_parsing": "UUID không hợp lệ",
    "uuid_version": "phiên bản UUID không đúng",
    "union_tag_invalid": "loại đối tượng không hợp lệ",
    "union_tag_not_found": "thiếu trường cho biết loại đối tượng",
    "arguments_type": "tham số không hợp lệ",
    "unexpected_positional_argument": "tham số không được phép",
    "multiple_argument_values": "tham số có nhiều giá trị",
    "is_instance_of": "giá trị không đúng kiểu",
    "is_subclass_of": "giá trị không đúng kiểu",
    "callable_type": "giá trị không đúng kiểu",
    "needs_python_object": "giá trị không đúng kiểu",
    "get_attribute_error": "không đọc được giá trị",
    "default_factory_not_called": "không tạo được giá trị mặc định",
    "counter_type": "phải là một đối tượng JSON",
    "ordered_dict_type": "phải là một đối tượng JSON",
    "frozen_dict_type": "phải là một đối tượng JSON",
    "deque_type": "phải là một danh sách",
    "named_tuple_type": "phải là một danh sách",
    "missing_sentinel_error": "giá trị không hợp lệ",
    "ellipsis_error": "giá trị không hợp lệ",
}
FALLBACK = "giá trị không hợp lệ"


def pydantic_reason(err: dict[str, Any]) -> str:
    """Return the Vietnamese reason of one Pydantic error (its ``type`` and ``ctx``)."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        # Our own validators speak Vietnamese; anything else (English) is not passed on.
        own = str(ctx.get("error", ""))
        return own if own and not own.isascii() else FALLBACK
    template = PYDANTIC_REASONS.get(kind)
    if template is None:
        return FALLBACK
    values = {k: _n(v) for k, v in ctx.items()}
    if "expected" in values:
        values["expected"] = values["expected"].replace(" or ", " hoặc ")
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template.split(" {")[0].split("{")[0].strip() or FALLBACK


# A library's own words for a refused request (FastAPI's body parsing, Starlette's multipart
# parser), by how they begin.
LIBRARY_DETAILS = (
    (
        "There was an error parsing the body",
        "không đọc được nội dung gửi lên: JSON hoặc biểu mẫu không đúng định dạng, "
        "hoặc lồng nhau quá sâu",
    ),
    ("Missing boundary", "nội dung multipart thiếu ranh giới (boundary); hãy gửi lại tệp"),
    ("Too many files", "gửi quá nhiều tệp trong một yêu cầu"),
    ("Too many fields", "biểu mẫu có quá nhiều trường"),
    ("Part exceeded maximum size", "một trường của biểu mẫu quá lớn"),
)
STATUS_DETAILS = {
    400: "không đọc được nội dung gửi lên (JSON, biểu mẫu hoặc tệp không đúng định dạng)",
    401: "cần đăng nhập hoặc gửi mã truy cập",
    403: "không có quyền thực hiện thao tác này",
    404: "không tìm thấy địa chỉ này",
    405: "địa chỉ này không nhận phương thức yêu cầu đã gửi",
    406: "không trả được nội dung theo định dạng yêu cầu",
    409: "dữ liệu xung đột với dữ liệu đã có",
    411: "thiếu độ dài nội dung (Content-Length)",
    413: "nội dung gửi lên quá lớn",
    414: "địa chỉ yêu cầu quá dài",
    415: "định dạng nội dung gửi lên không được hỗ trợ",
    422: "yêu cầu có trường không hợp lệ",
    429: "quá nhiều yêu cầu; hãy thử lại sau",
    431: "tiêu đề yêu cầu quá lớn",
    500: "lỗi hệ thống",
    503: "hệ thống đang bận, hãy thử lại sau",
}


def http_detail(status: int, detail: object) -> str:
    """Return what to tell a person of an HTTP error raised by a library (or by us)."""
    if isinstance(detail, str) and detail and not detail.isascii():
        return detail  # ours: Vietnamese
    if isinstance(detail, str):
        for start, vietnamese in LIBRARY_DETAILS:
            if detail.startswith(start):
                return vietnamese
    return STATUS_DETAILS.get(status, "yêu cầu không thực hiện được")
