"""The public services' tiles on the operations centre: the 766's main rates per province,
commune and agency, read from the 766 figures the indicator engine uses (``qd766.*``)."""

from __future__ import annotations

from tinhso.tiles import Tile, TileSet, figure_drill, figure_values

GROUP = "Dịch vụ công (Chỉ số 766)"


def _rate(code: str, ref: str, name: str, target: float, warn: float, order: int) -> Tile:
    return Tile(
        code=code,
        name=name,
        group=GROUP,
        measure="%",
        values=figure_values(ref, factor=100),  # the 766 keeps rates as shares
        target=target,
        warn=warn,
        drill=figure_drill(ref),
        map=True,
        public=True,
        order=order,
    )


TILES = TileSet(
    domain="services",
    name="Dịch vụ công",
    tiles=(
        _rate("services.on_time", "qd766.2.1", "Tỷ lệ hồ sơ giải quyết đúng hạn", 95, 85, 10),
        _rate("services.online", "qd766.3.3", "Tỷ lệ hồ sơ tiếp nhận trực tuyến", 80, 50, 11),
        _rate("services.payment", "qd766.3.6", "Tỷ lệ hồ sơ thanh toán trực tuyến", 50, 30, 12),
        _rate("services.digitised", "qd766.4.2", "Tỷ lệ hồ sơ được số hóa", 80, 50, 13),
    ),
)
