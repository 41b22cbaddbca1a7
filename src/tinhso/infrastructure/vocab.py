"""How operators' spreadsheets write things: operators, technologies, yes and no, coverage."""

from __future__ import annotations

from tinhso.infrastructure.models import FULL, NONE, PARTIAL
from tinhso.text import fold

# code: (name, the spellings met in files, folded)
OPERATORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "viettel": ("Viettel", ("viettel", "viettel telecom", "tap doan viettel")),
    "vnpt": ("VNPT", ("vnpt", "vinaphone", "vnpt vinaphone")),
    "mobifone": ("MobiFone", ("mobifone", "mobi", "mobiphone")),
    "vietnamobile": ("Vietnamobile", ("vietnamobile", "vnmobile")),
    "fpt": ("FPT Telecom", ("fpt", "fpt telecom")),
    "sctv": ("SCTV", ("sctv",)),
    "cmc": ("CMC Telecom", ("cmc", "cmc telecom")),
    # Not an operator: what the commune itself counts (electricity, households, population).
    "dia_phuong": ("Số liệu của địa phương", ("dia phuong", "dia_phuong", "xa", "ubnd xa")),
}
LOCAL = "dia_phuong"

# Technology spellings: "4G", "LTE", "4g" are one.
TECHNOLOGY_ALIASES: dict[str, str] = {
    "2g": "2g", "gsm": "2g",
    "3g": "3g", "umts": "3g", "wcdma": "3g", "hspa": "3g",
    "4g": "4g", "lte": "4g", "4g lte": "4g", "lte a": "4g",
    "5g": "5g", "nr": "5g", "5g nr": "5g",
}  # fmt: skip

YES = {"co", "x", "1", "true", "yes", "dat", "da co", "toan thon", "day du", "toan bo", "100%"}
NO = {"khong", "0", "false", "no", "chua", "chua co", "-"}
PARTIAL_WORDS = {"mot phan", "trung tam", "khu trung tam", "mot so", "lom", "0,5", "0.5", "yeu"}


def operator_code(raw: str) -> str | None:
    """Return the operator's code for a name as written, or None when it is not known."""
    key = fold(raw).replace("-", " ").strip()
    for code, (_name, spellings) in OPERATORS.items():
        if key == code or key in spellings:
            return code
    return None


def operator_name(code: str) -> str:
    """Return the operator's name as people write it."""
    return OPERATORS.get(code, (code, ()))[0]


def technology(raw: str) -> str | None:
    """Return the technology ("4g") of a spelling ("LTE", "4G"), or None."""
    return TECHNOLOGY_ALIASES.get(fold(raw).replace("-", " ").replace("/", " ").strip())


def yes_no(raw: str) -> bool | None:
    """Return True/False for "có"/"không" (and their spellings); raise ValueError otherwise;
    None for a blank cell (not reported)."""
    key = fold(raw).strip()
    if not key:
        return None
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValueError("phải là “có” hoặc “không”")


def quality(raw: str) -> int | None:
    """Return the coverage of a cell: full, partial (centre only) or none; None when blank."""
    key = fold(raw).strip()
    if not key:
        return None
    if key in PARTIAL_WORDS:
        return PARTIAL
    if key in YES:
        return FULL
    if key in NO:
        return NONE
    raise ValueError("phải là “có” (toàn thôn), “một phần” (khu trung tâm) hoặc “không”")
