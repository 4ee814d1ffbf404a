"""lambda_lab.viz: each figure's data, its one-line summary, determinism, empty input, offline HTML.

One scene serves most tests: three execution environments, three cold starts, a throttle, and a
moment when three invocations run at once. Times are offsets from T0 (epoch seconds).

    env 1 (aaa)  a: cold 0.000 s, INIT 200 ms + 100 ms   c: warm 0.500 s, 20 ms   f: warm 0.600 s, 40 ms
    env 2 (bbb)  b: cold 0.100 s, INIT 250 ms + 50 ms    d: warm 0.515 s, 30 ms
    env 3 (ccc)  e: cold 0.510 s, INIT 150 ms + 10 ms
    throttled    t: 0.150 s (a and b running)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import plotly.offline
import pytest

from lambda_lab.errors import InvalidParameterValueError
from lambda_lab.invocation import Invocation
from lambda_lab.pricing import CostEstimate, estimate
from lambda_lab.viz import (COLORS, concurrency_over_time, cost_breakdown, cost_vs_memory, duration_distribution,
                            phases, summary, timeline)
from lambda_lab.viz._style import fmt_ms, fmt_usd_per_call
from lambda_lab.viz._timing import percentile

T0 = 1_764_000_000.0
AAA, BBB, CCC = ("2025/11/24/[$LATEST]aaa", "2025/11/24/[$LATEST]bbb", "2025/11/24/[$LATEST]ccc")


def ran(request_id: str, environment: str, offset_s: float, duration_ms: float, init_ms: float | None = None,
        billed_ms: int | None = None) -> Invocation:
    billed = billed_ms if billed_ms is not None else math.ceil(duration_ms + (init_ms or 0))
    return Invocation(function_name="hello", request_id=request_id, payload={"ok": True}, error=None,
                      function_error=None, cold=init_ms is not None, init_ms=init_ms, duration_ms=duration_ms,
                      billed_ms=billed, memory_mb=128, max_memory_mb=40, logs="", environment=environment,
                      started_at=None if offset_s is None else T0 + offset_s)


SCENE = [
    ran("a", AAA, 0.000, 100, init_ms=200),
    ran("b", BBB, 0.100, 50, init_ms=250),
    Invocation.throttle("hello", "Rate Exceeded.", started_at=T0 + 0.150),
    ran("c", AAA, 0.500, 20),
    ran("e", CCC, 0.510, 10, init_ms=150),
    ran("d", BBB, 0.515, 30),
    ran("f", AAA, 0.600, 40),
]


@dataclass
class FakeInvocation:
    """Only what the figures read: any object with these attributes will do."""

    started_at: float | None
    duration_ms: float
    environment: str | None = "stream"
    init_ms: float | None = None
    cold: bool = False
    throttled: bool = False
    request_id: str = "fake"
    billed_ms: int = 1


def traces(fig: go.Figure) -> dict[str, go.Figure]:
    return {trace.name: trace for trace in fig.data}


def approx(values):
    return pytest.approx(list(values), abs=1e-6)  # epoch floats carry about 0.2 µs


# --- timeline ------------------------------------------------------------------------------------

def test_timeline_draws_one_lane_per_environment_in_order_of_first_use():
    # GIVEN the scene in reverse order: lanes follow time, not the order of the list
    fig = timeline(reversed(SCENE))

    by_name = traces(fig)
    assert list(by_name) == ["INIT", "handler", "cold start", "throttled (429)"]
    assert list(fig.layout.yaxis.categoryarray) == ["env 1", "env 2", "env 3", "throttled"]
    init = by_name["INIT"]
    assert list(init.y) == ["env 1", "env 2", "env 3"]
    assert list(init.base) == approx([0.0, 0.1, 0.51])
    assert list(init.x) == approx([0.2, 0.25, 0.15])
    handler = by_name["handler"]  # each handler starts where its INIT ended
    assert list(handler.y) == ["env 1", "env 2", "env 1", "env 3", "env 2", "env 1"]
    assert list(handler.base) == approx([0.2, 0.35, 0.5, 0.66, 0.515, 0.6])
    assert list(handler.x) == approx([0.1, 0.05, 0.02, 0.01, 0.03, 0.04])
    assert AAA in handler.hovertext[0] and "env 1" in handler.hovertext[0]


def test_timeline_marks_cold_starts_and_throttles():
    by_name = traces(timeline(SCENE))

    cold = by_name["cold start"]
    assert list(cold.y) == ["env 1", "env 2", "env 3"]
    assert list(cold.x) == approx([0.0, 0.1, 0.51])
    assert cold.marker.color == COLORS["cold"] != by_name["handler"].marker.color
    throttled = by_name["throttled (429)"]
    assert list(throttled.y) == ["throttled"] and list(throttled.x) == approx([0.15])
    assert "TooManyRequestsException" in throttled.hovertext[0]


def test_a_snapstart_restore_stands_where_init_would_and_is_named_so():
    # AWS: a SnapStart cold start is Restore Duration + Duration (snapstart-monitoring.html).
    restored = Invocation(function_name="hello", request_id="r", payload=None, error=None, function_error=None,
                          cold=True, init_ms=None, duration_ms=20, billed_ms=20, memory_mb=128, max_memory_mb=40,
                          logs="", environment=AAA, started_at=T0, restore_ms=6.0, billed_restore_ms=4)
    by_name = traces(timeline([restored, ran("x", BBB, 0.1, 10, init_ms=300)]))
    assert list(by_name["restore (SnapStart)"].x) == approx([0.006]) and list(by_name["INIT"].x) == approx([0.3])
    assert list(by_name["handler"].base) == approx([0.006, 0.4])
    assert "restore 6" in by_name["restore (SnapStart)"].hovertext[0]
    box = {t.name: t for t in duration_distribution([restored]).data}["cold (INIT + handler)"]
    assert list(box.y) == [26.0]


def test_timeline_summary():
    fig = timeline(SCENE)
    assert summary(fig) == "7 invocations on 3 environments: 3 cold starts (43%), 1 throttled."
    assert fig.layout.meta["summary"] == summary(fig)
    assert summary(fig) in fig.layout.title.text and fig.layout.title.text.startswith("Invocations by")
    assert fig.layout.xaxis.title.text == "seconds since the first invocation"
    assert fig.layout.yaxis.title.text == "execution environment"


@pytest.mark.parametrize("started_at, expected", [
    pytest.param([None, None, None], [0.0, 0.001, 0.002], id="no-times: 1 ms apart"),
    pytest.param([None, T0 + 1, None], [0.0, 0.001, 0.002], id="around a known time"),
    pytest.param([T0, None, T0 + 2], [0.0, 0.001, 2.0], id="after the one before"),
])
def test_invocations_without_a_start_time_are_placed_1_ms_apart(started_at, expected):
    fakes = [FakeInvocation(started_at=t, duration_ms=0.5, request_id=str(n)) for n, t in enumerate(started_at)]

    handler = traces(timeline(fakes))["handler"]

    assert list(handler.base) == approx(expected)
    assert list(handler.x) == approx([0.0005] * 3)


def test_calls_without_an_environment_share_one_lane():
    fakes = [FakeInvocation(started_at=T0, duration_ms=5, environment=None),
             FakeInvocation(started_at=T0 + 1, duration_ms=5, environment="s1")]
    assert list(timeline(fakes).layout.yaxis.categoryarray) == ["env ?", "env 1"]


# --- duration_distribution -------------------------------------------------------------------------

def test_duration_distribution_splits_cold_from_warm():
    fig = duration_distribution(SCENE)

    warm, cold = fig.data
    assert warm.name == "warm (handler)" and sorted(warm.y) == [20, 30, 40]
    assert cold.name == "cold (INIT + handler)" and sorted(cold.y) == [160, 300, 300]  # INIT counted
    assert summary(fig) == ("Warm (handler) p50 30.0 ms, p99 39.8 ms (3 calls); "
                            "cold (INIT + handler) p50 300 ms, p99 300 ms (3 calls).")


def test_duration_distribution_without_cold_starts():
    fig = duration_distribution([ran("w", AAA, 0, 12)])
    assert [t.name for t in fig.data] == ["warm (handler)"]
    assert summary(fig) == "Warm (handler) p50 12.0 ms, p99 12.0 ms (1 call); no cold starts."


@pytest.mark.parametrize("values, p, expected", [
    ([10], 99, 10), ([1, 2, 3, 4], 50, 2.5), ([4, 1, 3, 2], 0, 1), ([1, 2, 3, 4], 100, 4), ([20, 30, 40], 99, 39.8),
])
def test_percentile_interpolates_like_numpy(values, p, expected):
    assert percentile(values, p) == pytest.approx(expected)


# --- concurrency_over_time -------------------------------------------------------------------------

def test_concurrency_peaks_when_three_run_at_once():
    fig = concurrency_over_time(SCENE)

    running = traces(fig)["running"]
    assert running.line.shape == "hv"
    assert max(running.y) == 3
    assert running.x[list(running.y).index(3)] == pytest.approx(0.515)
    assert running.y[-1] == 0  # everything finished
    assert [a.text for a in fig.layout.annotations] == ["peak: 3"]
    throttled = traces(fig)["throttled (429)"]
    assert list(throttled.y) == [2]  # a and b were running when it was refused
    assert summary(fig) == "Peak concurrency: 3 running at once, 0.515 s after the first invocation; 1 throttled."


def test_back_to_back_calls_on_one_environment_do_not_overlap():
    # GIVEN the second call starting the moment the first ends (an environment reused)
    fakes = [FakeInvocation(started_at=0.0, duration_ms=500), FakeInvocation(started_at=0.5, duration_ms=500)]
    assert max(concurrency_over_time(fakes).data[0].y) == 1


# --- phases ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("invocation, names, bases, values, line", [
    pytest.param(ran("a", AAA, 0, 101.2, init_ms=212.4, billed_ms=314),
                 ["INIT", "handler", "rounding up", "billed"], [0, 212.4, 313.6, 0], [212.4, 101.2, 0.4, 314],
                 "Cold start: INIT 212 ms + handler 101 ms + rounding 0.40 ms = 314 ms billed.", id="cold"),
    pytest.param(ran("w", AAA, 0, 12.34), ["handler", "rounding up", "billed"], [0, 12.34, 0],
                 [12.34, 0.66, 13], "Warm start: handler 12.3 ms + rounding 0.66 ms = 13 ms billed.", id="warm"),
    pytest.param(ran("p", AAA, 0, 100.3, init_ms=200, billed_ms=101),
                 ["handler", "rounding up", "billed", "INIT (not billed)"], [0, 100.3, 0, 0], [100.3, 0.7, 101, 200],
                 "Cold start: handler 100 ms + rounding 0.70 ms = 101 ms billed (INIT 200 ms not billed).",
                 id="init-not-billed"),
])
def test_phases_add_up_to_the_billed_duration(invocation, names, bases, values, line):
    fig = phases(invocation)

    assert [t.name for t in fig.data] == names
    assert [t.base[0] for t in fig.data] == approx(bases)
    assert [t.y[0] for t in fig.data] == approx(values)
    assert summary(fig) == line
    if names[0] == "INIT":
        assert fig.data[0].marker.color == COLORS["init"] != fig.data[1].marker.color


def test_phases_of_a_throttled_call():
    fig = phases(SCENE[2])
    assert fig.data == () and summary(fig).startswith("Throttled (429 TooManyRequestsException)")


# --- cost_vs_memory --------------------------------------------------------------------------------

TUNING = [  # out of order on purpose
    {"memory_mb": 1769, "duration_ms": 41.0, "cost_usd": 0.0000012, "cold_starts": 1},
    {"memory_mb": 128, "duration_ms": 400.0, "cost_usd": 0.00000104, "cold_starts": 1},
    {"memory_mb": 512, "duration_ms": 98.0, "cost_usd": 0.00000083, "cold_starts": 1},
    {"memory_mb": 1024, "duration_ms": 55.0, "cost_usd": 0.00000092, "cold_starts": 2},
]


@pytest.mark.parametrize("rows", [TUNING, pd.DataFrame(TUNING)], ids=["dicts", "dataframe"])
def test_cost_vs_memory_marks_cheapest_and_fastest(rows):
    fig = cost_vs_memory(rows)

    duration, cost = fig.data
    assert list(duration.x) == [128, 512, 1024, 1769] == list(cost.x)
    assert list(duration.y) == [400, 98, 55, 41]
    assert list(cost.y) == approx([1.04, 0.83, 0.92, 1.2])  # per 1M invocations
    assert cost.yaxis == "y2" and fig.layout.yaxis2.title.text == "cost per 1M invocations (USD)"
    assert fig.layout.yaxis.title.text == "duration (ms)"
    cheapest, fastest = fig.layout.annotations
    assert (cheapest.text, cheapest.x, cheapest.yref) == ("cheapest: 512 MB<br>$0.00000083/call", 1, "y2")
    assert (fastest.text, fastest.x, fastest.yref) == ("fastest: 1769 MB<br>41.0 ms", 3, "y")
    assert "2 cold starts" in duration.hovertext[2]
    assert summary(fig) == "Cheapest: 512 MB at $0.00000083/call; fastest: 1769 MB at 41.0 ms."


def test_cost_vs_memory_says_which_key_is_missing():
    with pytest.raises(InvalidParameterValueError, match=r"rows\[0\] has no cost_usd"):
        cost_vs_memory([{"memory_mb": 128, "duration_ms": 10}])


@pytest.mark.parametrize("usd, text", [(8.3e-7, "$0.00000083"), (8.333e-7, "$0.00000083"), (0.0021, "$0.0021"),
                                       (1.5, "$1.50"), (0, "$0")])
def test_per_call_costs_read_without_exponents(usd, text):
    assert fmt_usd_per_call(usd) == text


@pytest.mark.parametrize("ms, text", [(0.42, "0.42 ms"), (12.34, "12.3 ms"), (1250.4, "1,250 ms")])
def test_milliseconds(ms, text):
    assert fmt_ms(ms) == text


# --- cost_breakdown --------------------------------------------------------------------------------

def test_cost_breakdown_of_awss_mobile_backend_example():
    fig = cost_breakdown(estimate(requests=3_000_000, duration_ms=120, memory_mb=1536))

    charges, credits = traces(fig)["charge"], traces(fig)["free-tier credit"]
    assert list(charges.y) == ["Requests", "Duration (x86_64, first 6 billion GB-s)"]
    assert list(charges.x) == approx([0.6, 9.000018])
    assert list(credits.y) == ["Free tier (requests)", "Free tier (duration)"]
    assert list(credits.x) == approx([-0.2, -6.66668])
    assert list(credits.text) == ["−$0.20", "−$6.67"]
    assert charges.marker.color != credits.marker.color
    assert fig.layout.title.text.startswith("Monthly Lambda bill: $2.73 (us-east-1)")
    assert summary(fig) == ("Total $2.73 per month: $9.60 charged, −$6.87 in credits; "
                            "largest line: Duration (x86_64, first 6 billion GB-s), $9.00.")


def test_cost_breakdown_of_an_empty_bill():
    fig = cost_breakdown(CostEstimate(lines=(), total_usd=Decimal(0)))
    assert fig.data == () and summary(fig) == "Nothing to bill: total $0.00 per month."


# --- every figure ----------------------------------------------------------------------------------

EVERY_FIGURE = [
    pytest.param(lambda: timeline(SCENE), id="timeline"),
    pytest.param(lambda: duration_distribution(SCENE), id="duration_distribution"),
    pytest.param(lambda: concurrency_over_time(SCENE), id="concurrency_over_time"),
    pytest.param(lambda: phases(SCENE[0]), id="phases"),
    pytest.param(lambda: cost_vs_memory(TUNING), id="cost_vs_memory"),
    pytest.param(lambda: cost_breakdown(estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)),
                 id="cost_breakdown"),
]


@pytest.mark.parametrize("build", EVERY_FIGURE)
def test_figures_are_deterministic(build):
    first = build()
    assert first.to_json() == first.to_json() == build().to_json()
    assert '"uid"' not in first.to_json()
    assert build().to_html(include_plotlyjs=False, div_id="figure") == first.to_html(include_plotlyjs=False,
                                                                                      div_id="figure")


@pytest.mark.parametrize("build", EVERY_FIGURE)
def test_every_figure_has_titles_a_summary_and_large_type(build):
    fig = build()
    assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert summary(fig) and summary(fig) in fig.layout.title.text
    assert fig.layout.font.size >= 14


@pytest.mark.parametrize("build", EVERY_FIGURE)
def test_figures_render_offline(build):
    page = build().to_html(include_plotlyjs=True, full_html=True)

    bundle = plotly.offline.get_plotlyjs()
    assert bundle in page  # plotly.js is inlined, not fetched
    assert not re.search(r"<script[^>]*\bsrc=", page)
    # The bundle itself names cdn.plot.ly once, as the default topojsonURL for geo maps, which no
    # figure here draws; nothing outside it may.
    assert "cdn.plot.ly" not in page.replace(bundle, "")


@pytest.mark.parametrize("draw, message", [
    (timeline, "No invocations yet"),
    (duration_distribution, "No invocations yet"),
    (concurrency_over_time, "No invocations yet"),
    (cost_vs_memory, "No memory settings measured yet"),
])
def test_empty_input_gives_a_figure_that_says_so(draw, message):
    fig = draw([])
    assert fig.data == ()
    assert [a.text for a in fig.layout.annotations] == [message]
    assert summary(fig) == message
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_empty_inputs_of_other_shapes():
    assert summary(phases(None)) == "No invocation yet"
    assert summary(duration_distribution([SCENE[2]])) == "No invocations yet"  # only a throttle: nothing ran
    assert summary(concurrency_over_time([SCENE[2]])) == "Nothing ran: all 1 invocation throttled."
    assert summary(cost_vs_memory(pd.DataFrame(columns=["memory_mb", "duration_ms", "cost_usd"]))) == \
        "No memory settings measured yet"


def test_summary_of_a_figure_made_elsewhere_is_empty():
    assert summary(go.Figure()) == ""
