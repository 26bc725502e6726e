"""The Activations page's views and the landing chart: chart conventions and bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.activations import EVAL_COSTS, NAMES, REGISTRY
from gradviz.budget import COMPUTE_BYTES, TAB_SECONDS
from gradviz.curves import best_case_slopes
from gradviz.numerics import drawable_on_log, format_sci
from gradviz.products import factor_power
from gradviz.saturation import node_count, normal_nodes
from tests.fuzz_kit import unmarked_non_finite
from views import activations as views
from views.charts.landing import decade_bounds, make_chain_chart, zone_frame

EVERY = tuple((n, tuple((p.name, p.default) for p in REGISTRY[n].params)) for n in NAMES)
PARAMETERISED = [n for n in NAMES if REGISTRY[n].params]
AT_LOW = tuple((n, tuple((p.name, p.low) for p in REGISTRY[n].params)) for n in PARAMETERISED)
AT_HIGH = tuple((n, tuple((p.name, p.high) for p in REGISTRY[n].params)) for n in PARAMETERISED)


def marks_and_encodings(spec):
    """(mark, encoding) of every layer of a Vega-Lite spec."""
    if "layer" in spec:
        for layer in spec["layer"]:
            yield from marks_and_encodings(layer)
    else:
        yield spec["mark"], spec.get("encoding", {})


def rows_per_dataset(spec) -> list[int]:
    return [len(values) for values in spec.get("datasets", {}).values()]


def assert_chart_conventions(spec) -> None:
    for mark, encoding in marks_and_encodings(spec):
        assert "tooltip" in encoding, f"{mark} has no tooltip"
        for channel, enc in encoding.items():
            if channel in ("x2", "y2"):  # Vega-Lite takes their type from x / y
                continue
            items = enc if isinstance(enc, list) else [enc]
            for item in items:
                if isinstance(item, dict) and "field" in item:
                    assert "type" in item, f"{channel}: {item['field']} has no explicit type"
    assert all(rows < 5000 for rows in rows_per_dataset(spec))


def all_views(specs):
    yield views.curves_view(specs, 50.0, 0.001)
    yield views.depth_view(specs, 5.0, 500)
    yield views.saturation_view(specs, 3.0, 10.0, 0.2)
    yield views.products_view(500, 1000, -300, 0)
    yield views.zigzag_view("relu", -2.0, 2.0, 1.0, 500)


@pytest.mark.parametrize("specs", [EVERY, AT_LOW, AT_HIGH], ids=["all", "low", "high"])
def test_every_chart_has_tooltips_types_and_few_rows(specs):
    for view in all_views(specs):
        assert view.charts and view.text
        for spec in view.charts:
            assert_chart_conventions(spec)


def test_parameters_at_their_bounds_build_views():
    for specs in (AT_LOW, AT_HIGH):
        view = views.curves_view(specs, 1.0, 0.2)
        assert len(view.charts) == 2
        assert views.properties_view(specs).table.shape[0] == len(views.build(specs))


def test_depth_view_counts_dropped_points():
    view = views.depth_view((("elu", (("alpha", 5.0),)),), 0.1, 500)
    # 5^L overflows past L = 441 and 0.1^L underflows past L = 323
    assert "points left float64 range" in view.caption
    dropped = int(view.caption.split()[0])
    assert dropped > 0


def test_empty_selection_still_draws_the_free_factor():
    view = views.depth_view((), 1.1, 50)
    assert "free factor a" in view.text


def test_landing_chart_conventions_and_zones():
    chain = factor_power(0.05, 1000)
    drawable, dropped = drawable_on_log(chain.frame, "product")
    assert dropped == int((chain.frame["product"] == 0).sum()) > 0
    assert_chart_conventions(make_chain_chart(drawable, 0.05).to_dict())
    zones = zone_frame(1e-3, 1e3)
    assert list(zones["zone"]) == ["vanishing", "stable", "exploding"]
    assert math.isclose(zones["y_end"].iloc[0], 0.1) and math.isclose(zones["y_start"].iloc[2], 10)
    assert list(zone_frame(100.0, 1e6)["zone"]) == ["exploding"]


@pytest.mark.parametrize(
    ("values", "bounds"),
    [
        ([1.0, 0.25**10], (1e-7, 1e3)),
        ([1.0, 2.0], (1e-3, 1e3)),
        ([3.0**646], (1e-3, 3.0**646)),  # 1e309 is no float64: the axis ends at the value
        ([5e-324, 1.0], (5e-324, 1e3)),  # 1e-324 rounds to 0: the axis starts at the value
        ([4.4e-323], (1e-323, 1e3)),
    ],
)
def test_landing_axis_stays_within_float64(values, bounds):
    # Regression: the bounds were Python ints (10**309) that broke the zone frame's Arrow table.
    low, high = decade_bounds(np.array(values))
    assert (low, high) == pytest.approx(bounds, rel=1e-12)
    assert isinstance(low, float) and isinstance(high, float) and 0 < low and high < math.inf
    zones = zone_frame(low, high)
    assert zones["y_start"].dtype == zones["y_end"].dtype == np.float64


EVERY_AT_DEFAULTS = tuple((n, ()) for n in NAMES)


def test_every_tab_fits_the_budget_at_its_most_expensive_settings():
    # The slider maxima of pages/1_Activations.py, with every activation chosen.
    costs = {
        "Curves": views.curves_view_cost(EVERY_AT_DEFAULTS),
        "Properties": views.properties_view_cost(EVERY_AT_DEFAULTS),
        "Depth": views.depth_view_cost(EVERY_AT_DEFAULTS, 500),
        "Saturation, s = 10": views.saturation_view_cost(EVERY_AT_DEFAULTS, 3.0, 10.0),
        "Saturation, s = 0.1": views.saturation_view_cost(EVERY_AT_DEFAULTS, -3.0, 0.1),
        "Random products": views.products_view_cost(500, 100_000),
        "Zero-centred, sigmoid": views.zigzag_view_cost("sigmoid", 500),
        "Zero-centred, ReLU": views.zigzag_view_cost("relu", 500),
    }
    for tab, cost in costs.items():
        assert cost.fits(TAB_SECONDS, COMPUTE_BYTES), f"{tab}: {cost}"


def test_costs_grow_with_the_settings_that_make_work():
    small, default, largest = (
        views.products_view_cost(n, t) for n, t in ((1, 1_000), (50, 10_000), (500, 100_000))
    )
    assert small.seconds < default.seconds < largest.seconds
    assert small.peak_bytes < default.peak_bytes < largest.peak_bytes
    three = EVERY_AT_DEFAULTS[:3]
    assert views.curves_view_cost(three).seconds < views.curves_view_cost(EVERY_AT_DEFAULTS).seconds
    assert views.depth_view_cost(three, 10).seconds < views.depth_view_cost(three, 500).seconds
    assert (
        views.saturation_view_cost(three, 0.0, 1.0).seconds
        < views.saturation_view_cost(three, 0.0, 10.0).seconds
    )
    assert views.zigzag_view_cost("relu", 20).seconds < views.zigzag_view_cost("relu", 500).seconds


def test_every_activation_has_an_evaluation_cost():
    assert set(EVAL_COSTS) == set(NAMES)


@given(st.floats(-3.0, 3.0), st.floats(0.1, 10.0))
def test_node_count_is_the_number_of_quadrature_nodes(mu, s):
    z, w = normal_nodes(mu, s)
    assert z.size == w.size == node_count(mu, s)


def test_depth_text_gives_the_exact_size_of_products_out_of_float64_range():
    # Regression: "inf after 500 layers" and "0 after 500 layers" with no word for either.
    text = views.depth_view((("elu", (("alpha", 5.0),)),), 0.1, 500).text
    assert "10^349.5 after 500 layers (the product overflowed to inf)" in text
    assert "10^-500.0 after 500 layers (the product underflowed to 0 in float64)" in text
    assert not unmarked_non_finite(text)


def test_depth_text_says_when_a_crossing_is_deeper_than_shown():
    text = views.depth_view((("sigmoid", ()),), 1.01, 5).text
    assert "below one millionth from depth 10, deeper than the 5 layers shown" in text
    assert "above a million from depth 1,389, deeper than the 5 layers shown" in text


def test_softplus_best_case_is_its_limit_slope_one():
    # Regression: the grid's largest slope (1 - 2e-9 at x = 20) made the Depth tab claim the
    # best case falls below one millionth from depth 6,702,804,646; f' = σ(x) → 1.
    acts = views.build((("softplus", ()), ("sigmoid", ())))
    assert best_case_slopes(acts) == {"softplus": 1.0, "sigmoid": 0.25}
    text = views.depth_view((("softplus", ()),), 1.1, 50).text
    assert "**softplus** (max|f′| = 1): 1 after 50 layers; exactly 1 at every depth." in text
    curves = views.curves_view((("softplus", ()),), 6.0, 0.05).text
    assert "reached at no finite x: approached as x grows without bound" in curves
    assert not unmarked_non_finite(curves)


def test_sigmoid_claim_says_the_weights_decide_with_the_explosion_presets_factor():
    from gradviz import neuron_chain as ch
    from gradviz.activations import get_activation
    from views.activations import explosion_factor, seed_claims_note

    w, b = ch.exploding_chain(6, ch.EXPLOSION_WEIGHT, 0.7, "sigmoid")
    _, cache = ch.chain_forward(w, b, 0.7, "sigmoid")
    factors = cache.w * get_activation("sigmoid").grad(cache.z)
    factor = explosion_factor(0.25)
    assert np.allclose(factors, factor) and factor == 25.0
    note = seed_claims_note()
    assert f"**{factor:g}**" in note and "the weights decide" in note
    assert "every layer shrinks" not in note and "stay stable" not in note


@settings(max_examples=30, deadline=None)
@given(
    names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True),
    free=st.floats(0.1, 5.0),
    depth=st.integers(1, 500),
)
def test_every_claim_of_the_depth_text_holds_for_its_products(names, free, depth):
    """Across activations, free factor and depth: each series' line quotes max|f′|^L at depth L
    as the chart computes it, says "below one millionth" or "above a million" only for a peak
    below or above 1, and names the first depth where max|f′|^d crosses that level."""
    from gradviz.products import depth_to_reach, peak_slope_products

    specs = tuple((name, ()) for name in names)
    text = views.depth_view(specs, free, depth).text
    products = peak_slope_products(best_case_slopes(views.build(specs)), free, depth)
    lines = {line.split("**")[1]: line for line in text.split("\n- ")[1:]}
    at_depth = products[products["depth"] == depth]
    assert set(lines) == set(at_depth["series"])
    for row in at_depth.itertuples(index=False):
        line = lines[row.series]
        assert f"(max|f′| = {row.peak:.4g})" in line
        if math.isfinite(row.product) and row.product > 0:
            assert f"{format_sci(row.product, 3)} after {depth} layers" in line
        assert ("below one millionth" in line) == (row.peak < 1)
        assert ("above a million" in line) == (row.peak > 1)
        assert ("exactly 1 at every depth" in line) == (row.peak == 1)
        if row.peak != 1:
            reached = depth_to_reach(row.peak, 1e-6 if row.peak < 1 else 1e6)
            assert f"from depth {reached:,}" in line
            assert (reached > depth) == ("deeper than the" in line)
