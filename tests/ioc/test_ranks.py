"""The national ranks the ministries publish, imported from the downloaded file (all or
nothing, each problem named by row and column) and shown as the province's standing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.errors import InvalidInput
from tinhso.ioc import ranks
from tinhso.ioc.models import NationalRank

GOOD = 'Tỉnh/thành phố,Điểm,Xếp hạng\nTỉnh Lào Cai,"0,6120",1\nlai châu,0.5890,2\n'


def _load(world: World, text: str, period: str = "2025", filename: str = "xh.csv") -> Any:
    with world.db.session() as s:
        return ranks.import_ranks(
            s,
            principal=SYSTEM_PRINCIPAL,
            data=text.encode(),
            filename=filename,
            index="dti",
            period=period,
        )


def test_a_ranking_loads_and_reads_as_the_province_s_standing(client: Any, world: World) -> None:
    assert _load(world, GOOD).written == 2
    assert _load(world, "Mã tỉnh,Điểm,Xếp hạng\n12,0.51,2\n15,0.55,1\n", period="2026").written == 2
    r = client.get("/api/v1/ioc/ranks", headers=world.auth("leader12")).json()["ranks"]
    assert r[0]["index"] == "dti" and (r[0]["period"], r[0]["rank"], r[0]["of"]) == ("2026", 2, 2)
    assert r[0]["previous"]["rank"] == 2 and r[0]["previous"]["period"] == "2025"
    dk = client.get("/api/v1/ioc/ranks", headers=world.auth("officer_dk")).json()["ranks"]
    assert dk[0]["rank"] == 2  # a commune's officer reads its province's standing
    from tests.accounts.test_auth import _login

    _login(client, "officer_dk")
    page = client.get("/").text
    assert "Tỉnh Lai Châu trong cả nước" in page and "xếp thứ <strong>2/2</strong>" in page
    assert _load(world, GOOD).written == 2  # loading again replaces, not adds
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(NationalRank)) == 4


def test_a_bad_ranking_is_refused_whole(client: Any, world: World) -> None:
    bad = (
        "Tỉnh/thành phố,Điểm,Xếp hạng\n"
        "Tỉnh Lào Cai,abc,1\n"
        "Tỉnh Không Có,0.5,2\n"
        "Lào Cai,0.5,3\n"
        "Lai Châu,0.5,0\n"
    )
    with pytest.raises(InvalidInput) as exc:
        _load(world, bad)
    got = {(e.row, e.field): e.reason for e in exc.value.errors}
    assert got[(2, "score")] == "phải là số"
    assert "không có tỉnh, thành phố này" in got[(3, "name")]
    assert got[(5, "rank")] == "phải là số nguyên từ 1"
    with pytest.raises(InvalidInput, match="tiêu đề"):
        _load(world, "Tỉnh,Điểm\nLai Châu,1\n")
    with pytest.raises(InvalidInput) as exc:
        _load(world, "Tỉnh,Điểm,Xếp hạng\nLai Châu,0.5,9\n")
    assert "vượt số tỉnh trong tệp (1)" in exc.value.errors[0].reason
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(NationalRank)) == 0
    r = client.post(
        "/api/v1/ioc/ranks:import",
        data={"index": "dti", "period": "2025"},
        files={"file": ("xh.csv", GOOD.encode(), "text/csv")},
        headers=world.auth("leader12"),
    )
    assert r.status_code == 403
    r = client.post(
        "/api/v1/ioc/ranks:import",
        data={"index": "khac", "period": "2025"},
        files={"file": ("xh.csv", GOOD.encode(), "text/csv")},
        headers=world.auth("admin"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "index"
