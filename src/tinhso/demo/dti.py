"""The demo province's DTI data: the catalogs loaded, and a year of the figures the provincial
and commune DTI are computed from, reported through the yearly DTI forms (so the indicators page
of the demo shows scores, ranks and targets, and drills from the province into each commune)."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.indicators import loader


def load_catalogs(session: Session) -> int:
    """Load every catalog file shipped in ``catalog/`` (idempotent); return how many changed."""
    reports = loader.load(session, principal=SYSTEM_PRINCIPAL, paths=loader.default_files())
    return sum(1 for r in reports if r.status == "loaded")


def _yes(rng: random.Random, p: float) -> str:
    return "Có" if rng.random() < p else "Không"


def commune_values(rng: random.Random, base: dict[str, float], _age: int) -> dict[str, object]:
    """Return one commune's DTI figures for a year (BC-DTI-XA-NAM), consistent with its size."""
    villages = int(base["villages"])
    households = villages * rng.randint(90, 160)
    adults = int(households * rng.uniform(2.2, 2.8))
    staff = rng.randint(18, 30)
    computers = rng.randint(15, 40)
    shops = rng.randint(20, 150)
    ocop = rng.randint(0, 8)
    documents = rng.randint(900, 2500)
    planned_news = rng.randint(12, 36)
    return {
        "dtix.bcd_truong_ban": rng.choices([2, 1, 0], weights=[7, 2, 1])[0],
        "dtix.tin_bai_dang": int(planned_news * rng.uniform(0.5, 1.2)),
        "dtix.tin_bai_ke_hoach": planned_news,
        "dtix.ke_hoach_cds": _yes(rng, 0.9),
        "dtix.quy_che_to_cnscd": _yes(rng, 0.75),
        "dtip.cbccvc_tong": staff,
        "dtix.may_tinh": computers,
        "dtix.may_tinh_pcmd": int(computers * rng.uniform(0.4, 1.0)),
        "dtip.su_co_cham_xu_ly": rng.choices([0, 1, 2], weights=[8, 3, 1])[0],
        "dtip.van_ban_tong": documents,
        "dtip.van_ban_dien_tu": int(documents * rng.uniform(0.8, 0.99)),
        "dtix.hkd_tong": shops,
        "dtix.hkd_ttktm": int(shops * rng.uniform(0.2, 0.8)),
        "dtix.ocop_tong": ocop,
        "dtix.ocop_san_tmdt": rng.randint(0, ocop),
        "dtip.dan_so_truong_thanh": adults,
        "dtip.tk_thanh_toan": int(adults * rng.uniform(0.35, 0.8)),
        "dtip.dinh_danh_muc2": int(adults * rng.uniform(0.5, 0.9)),
        "dtip.pho_cap_ky_nang": int(adults * rng.uniform(0.2, 0.6)),
        "dtip.nguoi_co_dtdm": int(adults * rng.uniform(0.6, 0.9)),
    }


def province_values(rng: random.Random, _base: dict[str, float], _age: int) -> dict[str, object]:
    """Return the province's own DTI figures for a year (BC-DTI-TINH-NAM)."""
    businesses = rng.randint(1400, 1800)
    grdp = rng.randint(24000, 28000)
    return {
        "dtip.bcd_truong_ban": 2,
        "dtip.nghi_quyet_cds": "Có",
        "dtip.tin_bai_dang": 412,
        "dtip.tin_bai_ke_hoach": 450,
        "dtip.lanh_dao_boi_duong": 102,  # seed 000: "lãnh đạo cấp xã với 102 học viên"
        "dtip.lanh_dao_tong": 130,
        "dtip.ke_hoach_cds": "Có",
        "dtip.kien_truc_cqs": "Có",
        "dtip.kinh_phi_cds": rng.randint(60000, 90000),
        "dtip.tong_chi_ngan_sach": rng.randint(9_000_000, 11_000_000),
        "dtip.chinh_sach_nhan_luc": "Không",
        "dtip.ttdl_dat_chuan": "Có",
        "dtip.chuyen_trach_cntt": rng.randint(40, 70),
        "dtip.so_co_quan": 54,
        "dtip.cbccvc_tong": 1_450,  # the provincial bodies' own; the communes report theirs
        "dtip.httt_tong": 52,
        "dtip.httt_phe_duyet": 31,
        "dtip.mo_hinh_4_lop": "Có",
        "dtip.giao_dich_lgsp": rng.randint(150_000, 250_000),
        "dtip.dan_so": 482_100,
        "dtip.gia_tri_kts": int(grdp * rng.uniform(0.06, 0.12)),
        "dtip.grdp": grdp,
        "dtip.dn_tong": businesses,
        "dtip.dn_hddt": int(businesses * 0.93),
        "dtip.dn_nen_tang_so": int(businesses * 0.4),
    }


# Form code → (periods to fill, values of one organisation), as the demo's report forms.
FORMS = (("BC-DTI-XA-NAM", 1, commune_values), ("BC-DTI-TINH-NAM", 1, province_values))
