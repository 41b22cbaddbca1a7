"""The API's face in its OpenAPI document: a current description, Vietnamese tags (one per
operation), and the bearer-token scheme that lets the explorer (Swagger UI) authorise."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

DESCRIPTION = """API của **tỉnh số**, nền tảng chuyển đổi số cấp tỉnh, cho các hệ thống kết nối
(một cửa điện tử, cổng dịch vụ công, hệ thống báo cáo) và cho người tra cứu:

- **Đơn vị hành chính** trước và sau sắp xếp ngày 01/7/2025, nguồn gốc và kế thừa; **cơ quan**
  và mã định danh điện tử;
- **Dịch vụ công**: danh mục thủ tục, hồ sơ (gửi lô, nhập tệp, gửi sự kiện) và **Chỉ số 766**
  theo kỳ và đơn vị, kèm danh sách hồ sơ sau từng chỉ số;
- **Bộ chỉ số** (DTI và các bộ do tỉnh định nghĩa): giá trị, điểm, xếp hạng, chỉ tiêu;
- **Báo cáo định kỳ**: biểu mẫu, số liệu, nộp và duyệt, tình hình nộp, mẫu Excel, báo cáo gửi Bộ;
- **Người dùng và mã truy cập**, **nhật ký thay đổi** có chuỗi băm.

**Xác thực**: `Authorization: Bearer <mã truy cập>` (nút *Authorize* ở trên; mã do quản trị
cấp ở trang Người dùng hoặc bằng lệnh `tinhso users token`). Mỗi lời gọi chỉ thấy và chỉ sửa
được phần thuộc phạm vi của người dùng; ngoài phạm vi trả lời 404 như không có.

**Lỗi** trả về dạng `application/problem+json` (RFC 9457) với danh sách `errors` nêu dòng,
trường và lý do."""

# Each router's tag (an English identifier in the code) and its name and description here.
TAGS: dict[str, tuple[str, str]] = {
    "units": (
        "Đơn vị hành chính",
        "Tỉnh, xã, thôn bản; hiệu lực, nguồn gốc và kế thừa qua sắp xếp 2025.",
    ),
    "agencies": ("Cơ quan", "Cơ quan, đơn vị và mã định danh điện tử (QCVN 102:2016/BTTTT)."),
    "services": (
        "Dịch vụ công và Chỉ số 766",
        "Thủ tục hành chính, hồ sơ và sự kiện; Chỉ số 766 (Quyết định 766/QĐ-TTg) theo kỳ, đơn vị.",
    ),
    "indicators": ("Bộ chỉ số", "Giá trị, điểm, xếp hạng và chỉ tiêu của các bộ chỉ số (DTI, …)."),
    "infrastructure": (
        "Hạ tầng số",
        "Điện, sóng di động, cáp quang của từng thôn theo ngày; trạm BTS, tổ công nghệ số cộng "
        "đồng, lớp tập huấn.",
    ),
    "tasks": (
        "Kế hoạch và nhiệm vụ",
        "Kế hoạch, nhiệm vụ của Ban Chỉ đạo, tiến độ kèm minh chứng, duyệt hoàn thành, chỉ tiêu, "
        "đồng bộ với hệ thống theo dõi nhiệm vụ của Bộ.",
    ),
    "ioc": (
        "Trung tâm điều hành",
        "Tổng quan các ô số liệu của đơn vị theo kỳ (xu hướng, mục tiêu, trạng thái), xếp hạng xã, "
        "phường và cơ quan.",
    ),
    "reporting": ("Báo cáo định kỳ", "Biểu mẫu, số liệu, nộp và duyệt, tình hình nộp, mẫu Excel."),
    "accounts": ("Người dùng và mã truy cập", "Tài khoản, vai trò, phạm vi và mã truy cập API."),
    "audit": ("Nhật ký thay đổi", "Nhật ký thay đổi có chuỗi băm và kiểm tra tính toàn vẹn."),
}


def openapi_tags() -> list[dict[str, str]]:
    """Return the tags' metadata in the order the explorer shows them."""
    return [{"name": name, "description": text} for name, text in TAGS.values()]


def localise_tags(app: FastAPI) -> None:
    """Give every API operation of the document one Vietnamese tag: the most specific of its
    router's (an agency route is tagged "units" by its router and "agencies" by itself: it is
    listed once, under "Cơ quan"). The routers keep their English identifiers."""
    generate = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = generate()
            for operations in doc.get("paths", {}).values():
                for op in operations.values():
                    tags = op.get("tags") if isinstance(op, dict) else None
                    if tags:
                        last = str(tags[-1])
                        op["tags"] = [TAGS[last][0] if last in TAGS else last]
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
