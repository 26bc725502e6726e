"""The Activations page's views and the landing chart: chart conventions and bad input."""

import math

import pytest

from gradviz import activation_views as views
from gradviz.activations import NAMES, REGISTRY
from gradviz.charts import drawable_on_log
from gradviz.charts.landing import make_chain_chart, zone_frame
from gradviz.products import chain_product

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
    chain = chain_product(0.05, 1000)
    drawable, dropped = drawable_on_log(chain.frame, "product")
    assert dropped == int((chain.frame["product"] == 0).sum()) > 0
    assert_chart_conventions(make_chain_chart(drawable, 0.05).to_dict())
    zones = zone_frame(1e-3, 1e3)
    assert list(zones["zone"]) == ["vanishing", "stable", "exploding"]
    assert math.isclose(zones["y_end"].iloc[0], 0.1) and math.isclose(zones["y_start"].iloc[2], 10)
    assert list(zone_frame(100.0, 1e6)["zone"]) == ["exploding"]
