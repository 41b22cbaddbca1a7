"""Kinds of units and agencies, their Vietnamese labels, and QCVN 102 electronic codes."""

from __future__ import annotations

import re
from datetime import date

REFORM_DATE = date(2025, 7, 1)
LAST_PRE_REFORM_DAY = date(2025, 6, 30)
# The pre-2025 register is the one of 63 provinces, in force since Hà Tây joined Hà Nội on
# 1 August 2008; changes before that date are not modelled.
PRE_REFORM_FROM = date(2008, 8, 1)

UNIT_KINDS: dict[str, tuple[str, str]] = {
    # kind: (level, Vietnamese label)
    "tinh": ("province", "Tỉnh"),
    "thanh_pho_tw": ("province", "Thành phố"),
    "quan": ("district", "Quận"),
    "huyen": ("district", "Huyện"),
    "thi_xa": ("district", "Thị xã"),
    "thanh_pho": ("district", "Thành phố"),
    "xa": ("commune", "Xã"),
    "phuong": ("commune", "Phường"),
    "thi_tran": ("commune", "Thị trấn"),
    "dac_khu": ("commune", "Đặc khu"),
    "thon": ("village", "Thôn"),
    "ban": ("village", "Bản"),
    "to_dan_pho": ("village", "Tổ dân phố"),
    "xom": ("village", "Xóm"),
    "ap": ("village", "Ấp"),
    "buon": ("village", "Buôn"),
    "lang": ("village", "Làng"),
    "khu_pho": ("village", "Khu phố"),
    "khom": ("village", "Khóm"),
}

LEVEL_LABELS = {
    "province": "Cấp tỉnh",
    "district": "Cấp huyện (trước 01/7/2025)",
    "commune": "Cấp xã",
    "village": "Thôn, bản, tổ dân phố",
}

VILLAGE_KIND_ALIASES = {
    "thôn": "thon",
    "bản": "ban",
    "tổ dân phố": "to_dan_pho",
    "tdp": "to_dan_pho",
    "xóm": "xom",
    "ấp": "ap",
    "buôn": "buon",
    "làng": "lang",
    "khu phố": "khu_pho",
    "khóm": "khom",
}

AGENCY_KINDS = {
    "ubnd_tinh": "UBND tỉnh",
    "so": "Sở",
    "ban": "Ban",
    "nganh": "Cơ quan ngành dọc",
    "don_vi": "Đơn vị sự nghiệp",
    "ubnd_xa": "UBND xã, phường, đặc khu",
    "khac": "Khác",
}

AGENCY_CODE_RE = re.compile(r"^(\d{3})\.(\d{2})\.(\d{2})\.([A-Z]\d{2})$")


def agency_code_error(code: str) -> str | None:
    """Return why a QCVN 102 electronic code is invalid, or None when it is valid."""
    if not AGENCY_CODE_RE.match(code):
        return (
            f"mã định danh '{code}' không đúng dạng NNN.NN.NN.Xnn của QCVN 102:2016/BTTTT "
            "(ví dụ 000.00.00.H41)"
        )
    return None


def agency_code_under(child: str, parent: str) -> bool:
    """Return True when ``child`` sits below ``parent`` in the QCVN 102 code hierarchy.

    The code reads right to left: Xnn is the level-1 body, then two digits for level 2, two
    for level 3, three for level 4; a parent's code has zeros where its child adds a level.
    """
    c, p = AGENCY_CODE_RE.match(child), AGENCY_CODE_RE.match(parent)
    if not c or not p:
        return False
    cg, pg = list(reversed(c.groups())), list(reversed(p.groups()))
    depth = next((i for i, g in enumerate(pg) if i > 0 and int(g) == 0), len(pg))
    return cg[:depth] == pg[:depth] and cg != pg


def unit_label(kind: str, name: str) -> str:
    """Return the unit's full name with its kind, unless the name already carries it."""
    label = UNIT_KINDS.get(kind, ("", ""))[1]
    if not label or name.lower().startswith(label.lower()):
        return name
    return f"{label} {name}"
