"""The demo province as `tinhso demo` builds it, on the small register: names in the official
style, reports entered by their own officers and approved by the department in charge."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.world import write_register
from tinhso.audit.service import Actor, bind_actor
from tinhso.db import Database
from tinhso.demo.generate import build_demo
from tinhso.models import Agency, Submission, Unit, User
from tinhso.units import register
from tinhso.units.service import inside_name


def test_inside_name_lowers_the_kind_only() -> None:
    def unit(kind: str, name: str) -> Unit:
        return Unit(kind=kind, name=name, code="1", level="commune")

    assert inside_name(unit("tinh", "Tỉnh Lai Châu")) == "tỉnh Lai Châu"
    assert inside_name(unit("phuong", "Phường Đoàn Kết")) == "phường Đoàn Kết"
    assert inside_name(unit("thanh_pho_tw", "Thành phố Hà Nội")) == "thành phố Hà Nội"
    assert inside_name(unit("dac_khu", "Đặc khu Phú Quốc")) == "đặc khu Phú Quốc"
    # A name without its kind gets it, in lower case; the proper name keeps its capitals.
    assert inside_name(unit("xa", "Bình Lư")) == "xã Bình Lư"


def test_demo_names_and_approvals(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        bind_actor(s, Actor(name="test-setup", client="test"))
        register.load_register(s, data_dir=write_register(tmp_path / "register"))
        build_demo(s, province_code="12", dossiers_per_year=40, work=tmp_path)
    with db.session() as s:
        names = set(s.scalars(select(Agency.name)))
        assert {"Ủy ban nhân dân tỉnh Lai Châu", "Ủy ban nhân dân phường Đoàn Kết"} <= names
        assert not [n for n in names if " Tỉnh " in n or " Phường " in n or " Xã " in n]
        users = {u.username: u for u in s.scalars(select(User))}
        assert users["canbo.xa"].full_name == "Cán bộ phường Đoàn Kết"
        approvers = set(
            s.scalars(select(Submission.approved_by).where(Submission.status == "approved"))
        )
        # The department in charge approves (its own report is approved above it).
        assert users["canbo.so"].id in approvers
        assert users["admin"].id not in approvers
