"""The source page's charts: ticks as precise as the values need and never alike, every
run plotted (one without pages too), and x labels that tell every run apart."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.console._charts import charted_runs, source_charts
from crawler.console.plots import Series, bar_chart, line_chart
from crawler.runs.progress import human_size
from tests.helpers.console_fixtures import page_tree

UTC_ZONE = ZoneInfo("UTC")


def _texts(svg: str, kind: str) -> list[str]:
    return [t.text_content() for t in page_tree(svg).xpath(f"//*[@class='{kind}']")]


def _percent(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}%"


def test_ticks_for_1_6_and_2_0_percent_are_distinct_and_precise():
    svg = line_chart("Errors", ["a", "b"], [Series("rate", [1.6, 2.0])], _percent)
    ticks = _texts(svg, "tick")
    assert ticks == ["0.0%", "0.5%", "1.0%", "1.5%", "2.0%"]
    assert _texts(svg, "value") == ["1.6%", "2.0%"]


def test_a_value_between_whole_ticks_keeps_its_decimal():
    svg = line_chart("Errors", ["a", "b"], [Series("rate", [1.8, 3.3])], _percent)
    assert _texts(svg, "tick") == ["0%", "1%", "2%", "3%", "4%"]
    assert _texts(svg, "value") == ["1.8%", "3.3%"]  # not 2% and 3%, which the ticks name


def test_tick_labels_never_repeat_even_when_the_format_cannot_tell_them_apart():
    def size(value: float, decimals: int) -> str:
        return human_size(int(value))

    svg = bar_chart("Bytes", ["a", "b"], [1_000_000, 1_100_000], size)
    ticks = _texts(svg, "tick")
    assert len(ticks) == len(set(ticks)) >= 2
    for top in (0.03, 7, 1.6, 165, 12_345):
        labels = _texts(line_chart("x", ["a"], [Series("s", [top])]), "tick")
        assert len(labels) == len(set(labels)) >= 2, (top, labels)


def _run(store, source: str, start: datetime, pages: int, errors: dict[str, int]) -> str:
    run_id = f"{start:%Y%m%dT%H%M%S}-{source}-{pages}-{len(errors)}"
    store.start_run(run_id, source, source, started_at=start)
    store.finish_run(
        run_id,
        "finished" if pages else "failed",
        pages=pages,
        errors=errors,
        finished_at=start + timedelta(seconds=30),
    )
    return run_id


def test_every_run_is_plotted_with_its_own_label(store):
    t = datetime(2026, 11, 28, 3, 0, 10, tzinfo=UTC)
    _run(store, "s", t, 40, {"http:404": 1})
    _run(store, "s", t + timedelta(seconds=20), 0, {"download:ConnectionRefusedError": 5})
    _run(store, "s", t + timedelta(minutes=5), 12, {})
    runs = charted_runs(store, "s")
    charts = source_charts(store, runs, UTC_ZONE)
    for name, svg in charts.items():
        tree = page_tree(svg)
        points = tree.xpath("//*[contains(concat(' ', @class, ' '), ' point ')]")
        assert points, name
        assert len(points) % len(runs) == 0, name  # every run, in every series
        labels = _texts(svg, "xlabel")
        assert len(labels) == len(set(labels)) == len(runs), labels
    rates = page_tree(charts["error rate"]).xpath("//*[@class='point']")
    assert [float(p.get("data-value")) for p in rates] == [2.5, 500.0, 0.0]
    assert _texts(charts["pages"], "xlabel") == [
        "11-28 03:00:10",
        "11-28 03:00:30",
        "11-28 03:05:10",
    ]


def test_runs_in_the_same_second_are_numbered(store):
    t = datetime(2026, 11, 28, 3, 0, 10, tzinfo=UTC)
    _run(store, "s", t, 4, {})
    _run(store, "s", t + timedelta(microseconds=5), 5, {})
    labels = _texts(source_charts(store, charted_runs(store, "s"), UTC_ZONE)["pages"], "xlabel")
    assert labels == ["11-28 03:00:10 #1", "11-28 03:00:10 #2"]
    assert all(re.match(r"\d\d-\d\d \d\d:\d\d", label) for label in labels)
