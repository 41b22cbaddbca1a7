"""The steering committee's tiles on the operations centre: the year's tasks done and overdue
per province and lead agency, and the share of the plans' targets reached (``tasks.*``)."""

from __future__ import annotations

from tinhso.tiles import Tile, TileSet, figure_drill, figure_values

GROUP = "Kế hoạch, nhiệm vụ"

TILES = TileSet(
    domain="tasks",
    name="Kế hoạch, nhiệm vụ",
    tiles=(
        Tile(
            code="tasks.done",
            name="Tỷ lệ nhiệm vụ đã hoàn thành",
            group=GROUP,
            measure="%",
            values=figure_values("tasks.done", "tasks.total", 100),
            kinds=("year",),
            target=100,
            warn=70,
            levels=("province", "agency"),
            drill=figure_drill("tasks.done"),
            order=60,
        ),
        Tile(
            code="tasks.overdue",
            name="Số nhiệm vụ quá hạn",
            group=GROUP,
            measure="nhiệm vụ",
            values=figure_values("tasks.overdue"),
            direction="lower",
            decimals=0,
            kinds=("year",),
            target=0,
            warn=3,
            levels=("province", "agency"),
            drill=figure_drill("tasks.overdue"),
            order=61,
        ),
        Tile(
            code="tasks.targets_reached",
            name="Tỷ lệ chỉ tiêu kế hoạch hoàn thành, vượt",
            group=GROUP,
            measure="%",
            values=figure_values("tasks.targets_dat", "tasks.targets_total", 100),
            kinds=("year",),
            target=100,
            warn=70,
            levels=("province",),
            drill=figure_drill("tasks.targets_dat"),
            order=62,
        ),
    ),
)
