"""The columns of a dossier record as systems send them: names, aliases, types, limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tinhso.config import get_settings
from tinhso.fmt import LOCAL_TZ, local_today, vn_date

# The largest value of the storage columns: SMALLINT in the system of record and in the
# analytics copy; the 766 works on whole working days of ``supplement_days`` as an INTEGER.
SMALLINT_MAX = 32_767
# A fee or charge in đồng: BIGINT can hold 9.2 × 10^18, but no fee of an administrative
# procedure comes near a thousand billion đồng; larger is a typing or export error.
FEE_MAX = 1_000_000_000_000


@dataclass(frozen=True)
class Field:
    """One column of a dossier record."""

    name: str
    kind: str  # text, int, float, bool, ts
    required: bool = False
    aliases: tuple[str, ...] = ()
    allowed: tuple[int, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None  # a text's column length
    label: str = ""


DOSSIER_FIELDS: tuple[Field, ...] = (
    Field(
        "code",
        "text",
        True,
        ("mã hồ sơ", "ma_ho_so", "ma_hs", "dossier_code"),
        max_length=60,
        label="mã hồ sơ",
    ),
    Field(
        "procedure_code",
        "text",
        True,
        ("mã thủ tục", "ma_thu_tuc", "ma_tthc"),
        max_length=40,
        label="mã thủ tục",
    ),
    Field(
        "agency_code",
        "text",
        True,
        ("mã cơ quan", "ma_co_quan", "ma_don_vi"),
        max_length=20,
        label="mã cơ quan",
    ),
    Field("commune_code", "text", False, ("mã xã", "ma_xa"), max_length=20, label="mã xã"),
    Field(
        "channel", "int", True, ("kênh", "kenh", "kenh_nop"), allowed=(1, 2, 3), label="kênh nộp"
    ),
    Field(
        "status",
        "int",
        True,
        ("trạng thái", "trang_thai"),
        allowed=tuple(range(1, 11)),
        label="trạng thái",
    ),
    Field("submitted_at", "ts", False, ("ngày nộp", "ngay_nop"), label="ngày nộp"),
    Field("received_at", "ts", False, ("ngày tiếp nhận", "ngay_tiep_nhan"), label="ngày tiếp nhận"),
    Field("appointment_at", "ts", False, ("ngày hẹn trả", "ngay_hen_tra"), label="ngày hẹn trả"),
    Field(
        "finished_at", "ts", False, ("ngày xử lý xong", "ngay_xu_ly_xong"), label="ngày xử lý xong"
    ),
    Field(
        "returned_at", "ts", False, ("ngày trả kết quả", "ngay_tra_kq"), label="ngày trả kết quả"
    ),
    Field("stopped_at", "ts", False, ("ngày dừng xử lý", "ngay_dung"), label="ngày dừng xử lý"),
    Field(
        "supplement_count",
        "int",
        False,
        ("số lần bổ sung", "so_lan_bo_sung"),
        minimum=0,
        maximum=SMALLINT_MAX,
        label="số lần yêu cầu bổ sung",
    ),
    Field(
        "supplement_days",
        "float",
        False,
        ("số ngày bổ sung", "so_ngay_bo_sung"),
        minimum=0,
        maximum=SMALLINT_MAX,
        label="số ngày làm việc công dân bổ sung",
    ),
    Field(
        "fee",
        "int",
        False,
        ("phí", "le_phi", "phi_le_phi"),
        minimum=0,
        maximum=FEE_MAX,
        label="phí, lệ phí",
    ),
    Field(
        "payment_flag",
        "int",
        False,
        ("thanh toán trực tuyến", "tt_truc_tuyen"),
        allowed=(0, 1, 2),
        label="thanh toán trực tuyến",
    ),
    Field("digitized_inputs", "bool", False, ("số hóa thành phần", "so_hoa_tp"), label="số hóa"),
    Field("e_result", "bool", False, ("kết quả điện tử", "kq_dien_tu"), label="kết quả điện tử"),
    Field(
        "reused_components",
        "int",
        False,
        ("tái sử dụng", "tai_su_dung"),
        minimum=0,
        maximum=SMALLINT_MAX,
        label="số thành phần tái sử dụng",
    ),
    Field("from_data_store", "bool", False, ("kho dữ liệu cá nhân", "kho_dl"), label="kho dữ liệu"),
    Field("vneid", "bool", False, ("vneid", "xac_thuc_vneid"), label="xác thực VNeID"),
    Field("synced", "bool", False, ("đồng bộ", "dong_bo"), label="đồng bộ Cổng DVC quốc gia"),
    Field("rating", "int", False, ("đánh giá", "danh_gia"), allowed=(-1, 0, 1), label="đánh giá"),
    Field("complaint", "bool", False, ("phản ánh", "phan_anh"), label="phản ánh, kiến nghị"),
    Field(
        "as_of", "ts", False, ("cập nhật lúc", "cap_nhat_luc", "updated_at"), label="cập nhật lúc"
    ),
)

FIELDS_BY_NAME = {f.name: f for f in DOSSIER_FIELDS}
# Texts whose every character is part of an identifier: a quote there is a broken CSV quote.
CODES = ("code", "procedure_code", "agency_code", "commune_code")


@dataclass(frozen=True)
class DateWindow:
    """The plausible times of a dossier record or event (local days, both ends included)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        """Return the first instant of the window, in Việt Nam time."""
        return datetime.combine(self.first, time(), LOCAL_TZ)

    @property
    def end(self) -> datetime:
        """Return the first instant after the window, in Việt Nam time."""
        return datetime.combine(self.last + timedelta(days=1), time(), LOCAL_TZ)

    @property
    def reason(self) -> str:
        """Return the Vietnamese refusal of a time outside the window."""
        return (
            f"ngày giờ ngoài khoảng cho phép ({vn_date(self.first)} – {vn_date(self.last)}); "
            "hãy kiểm tra năm"
        )

    def holds(self, value: datetime) -> bool:
        """Return whether an aware time falls inside the window (never overflows)."""
        naive = value.replace(tzinfo=None)
        # Years 1 and 9999 cannot be moved across zones: decide on the local reading first.
        if naive < datetime.combine(self.first, time()) - timedelta(days=2):
            return False
        if naive >= datetime.combine(self.last, time()) + timedelta(days=3):
            return False
        return self.start <= value < self.end


def date_window() -> DateWindow:
    """Return the window of plausible dates the installation's settings give."""
    settings = get_settings()
    return DateWindow(settings.date_min, date(local_today().year + settings.date_max_years, 12, 31))


TIMESTAMPS = tuple(f.name for f in DOSSIER_FIELDS if f.kind == "ts")

STATUS_LABELS = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
CHANNEL_LABELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}
