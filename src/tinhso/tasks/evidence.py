"""Evidence files of a task's progress: PDF, DOCX, XLSX, PNG and JPEG only, told by their
content (never by their name), limited in size, stored under ``var/evidence`` by their SHA-256
(never executed, never served from a path the user chose) and handed back only to those who may
read the task, as an attachment with the content type of what was found."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path, PurePath

from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.errors import FieldError, InvalidInput, NotFound
from tinhso.tasks.models import Task, TaskEvidence
from tinhso.tasks.service import get_task

MAX_BYTES = 20 * 1024 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpeg": "image/jpeg",
}
NAMES = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "png": "png", "jpg": "jpeg", "jpeg": "jpeg"}
ALLOWED = "PDF, DOCX, XLSX, PNG, JPEG"


def sniff(data: bytes) -> str | None:
    """Return the kind of file the bytes are (pdf, docx, xlsx, png, jpeg), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def store_dir(var_dir: Path) -> Path:
    return var_dir / "evidence"


def check(filename: str, data: bytes) -> str:
    """Return the file's kind, or raise InvalidInput saying why it is refused."""
    name = PurePath(filename or "tep").name
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"tệp minh chứng '{name}' lớn hơn {MAX_BYTES // 1024 // 1024} MB",
            [FieldError("file", f"lớn hơn {MAX_BYTES // 1024 // 1024} MB", value=name)],
        )
    if not data:
        raise InvalidInput(f"tệp minh chứng '{name}' rỗng", [FieldError("file", "tệp rỗng")])
    ext = NAMES.get(PurePath(name).suffix.lower().lstrip("."))
    if ext is None:
        raise InvalidInput(
            f"tệp minh chứng '{name}': chỉ nhận {ALLOWED}",
            [FieldError("file", f"loại tệp không được nhận (chỉ nhận {ALLOWED})", value=name)],
        )
    kind = sniff(data)
    if kind != ext:
        found = f"nội dung là {kind.upper()}" if kind else "nội dung không phải tệp " + ALLOWED
        raise InvalidInput(
            f"tệp minh chứng '{name}': tên là .{PurePath(name).suffix.lower().lstrip('.')} nhưng "
            f"{found}",
            [FieldError("file", "nội dung không khớp tên tệp", value=name)],
        )
    return kind


def attach(
    session: Session,
    *,
    principal: Principal,
    var_dir: Path,
    task: Task,
    update_id: int | None,
    filename: str,
    data: bytes,
) -> TaskEvidence:
    """Store a checked file (see :func:`check`) and record it on the task."""
    kind = check(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    folder = store_dir(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if not target.exists():
        tmp = folder / f".{digest}.tmp"
        tmp.write_bytes(data)
        tmp.replace(target)
    e = TaskEvidence(
        task_id=task.id,
        update_id=update_id,
        filename=PurePath(filename).name[:200],
        kind=kind,
        size=len(data),
        sha256=digest,
        uploaded_by=principal.username,
        at=utcnow(),
    )
    session.add(e)
    session.flush()
    return e


def fetch(
    session: Session, *, principal: Principal, var_dir: Path, evidence_id: int
) -> tuple[TaskEvidence, bytes]:
    """Return an evidence file and its bytes if the caller may read its task."""
    e = session.get(TaskEvidence, evidence_id)
    task = session.get(Task, e.task_id) if e is not None else None
    if e is None or task is None:
        raise NotFound("không có tệp minh chứng này")
    get_task(session, principal, task.code)  # NotFound outside the caller's scope
    path = store_dir(var_dir) / e.sha256
    if not path.exists():
        raise NotFound("tệp minh chứng không còn trong kho lưu trữ")
    return e, path.read_bytes()
