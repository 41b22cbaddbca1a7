"""The digital infrastructure's tiles on the operations centre: villages covered by 4G/5G and
by fibre, households with fibre, community digital teams — states on the period's last day,
read from the register's figures (``infra.*``)."""

from __future__ import annotations

from tinhso.tiles import Tile, TileSet, figure_drill, figure_values

GROUP = "Hạ tầng số"


def _share(code: str, name: str, num: str, den: str, target: float, warn: float, o: int) -> Tile:
    return Tile(
        code=code,
        name=name,
        group=GROUP,
        measure="%",
        values=figure_values(num, den, 100),
        target=target,
        warn=warn,
        drill=figure_drill(num),
        levels=("province", "commune"),
        map=True,
        public=True,
        stock=True,
        order=o,
    )


TILES = TileSet(
    domain="infrastructure",
    name="Hạ tầng số",
    tiles=(
        _share(
            "infra.villages_4g",
            "Tỷ lệ thôn có sóng 4G/5G",
            "infra.villages_4g",
            "infra.villages_reported",
            100,
            90,
            40,
        ),
        _share(
            "infra.villages_fibre",
            "Tỷ lệ thôn có hạ tầng cáp quang",
            "infra.villages_fibre",
            "infra.villages_reported",
            100,
            80,
            41,
        ),
        _share(
            "infra.households_fibre",
            "Tỷ lệ hộ gia đình có Internet cáp quang",
            "infra.households_fibre",
            "infra.households_fibre_base",
            80,
            50,
            42,
        ),
        _share(
            "infra.teams",
            "Tỷ lệ tổ công nghệ số cộng đồng đã thành lập",
            "infra.teams_established",
            "infra.teams_expected",
            100,
            90,
            43,
        ),
    ),
)
