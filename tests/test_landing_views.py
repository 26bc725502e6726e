"""The landing calculator's view: its sentences are true at every allowed factor and depth."""

import math
import re

from hypothesis import given
from hypothesis import strategies as st

from gradviz.products import depth_to_reach, factor_power
from tests.fuzz_kit import unmarked_non_finite
from views.landing import chain_view, metric_value, seed_numbers_text

# The landing sliders: factor 0.05..3.0 in steps of 0.05, depth 1..1000.
FACTORS = st.integers(1, 60).map(lambda k: round(0.05 * k, 2))
DEPTHS = st.one_of(st.sampled_from([1, 2, 10, 300, 1000]), st.integers(1, 1000))


def crossing_claims(text: str) -> list[tuple[str, int, bool]]:
    """(milestone, depth, "deeper than shown") for every crossing the text quotes."""
    pattern = (
        r"(below one millionth|below 0\.1 \(the shaded vanishing zone\)|passes a million|"
        r"leaves the stable zone) at depth (\d+)( \(deeper than the \d+ layers shown\))?"
    )
    return [(m[0], int(m[1]), bool(m[2])) for m in re.findall(pattern, text)]


LEVELS = {
    "below one millionth": 1e-6,
    "below 0.1 (the shaded vanishing zone)": 0.1,
    "passes a million": 1e6,
    "leaves the stable zone": 10.0,
}


@given(FACTORS, DEPTHS)
def test_every_sentence_holds_at_every_allowed_setting(factor, depth):
    view = chain_view(factor, depth)
    chain = factor_power(factor, depth)
    assert not unmarked_non_finite(view.text)
    if factor == 1.0:
        assert "passes the signal unchanged" in view.text
        return
    claims = crossing_claims(view.text)
    assert len(claims) == 2
    for milestone, reached, deeper in claims:
        level = LEVELS[milestone]
        assert reached == depth_to_reach(factor, level)
        assert deeper == (reached > depth)
        # The crossing is where the float64 chain itself crosses, strictly.
        powers = factor_power(factor, reached).frame["product"].to_numpy()
        after, before = powers[-1], powers[-2]
        assert (after < level <= before) if level < 1 else (before <= level < after)
    broke = chain.breakdown.kind
    assert ("overflowed to inf at layer" in view.text) == (broke == "inf")
    assert ("underflowed to 0 at layer" in view.text) == (broke == "underflow")
    if broke:
        assert f"10^{chain.log10_magnitude:.1f}" in view.text
        assert f"at layer {chain.breakdown.index + 1}." in view.text


def test_metric_names_the_overflow_and_underflow():
    assert metric_value(factor_power(0.25, 10)) == "9.537e-07"
    assert metric_value(factor_power(3.0, 1000)) == "inf (overflow)"
    assert metric_value(factor_power(0.05, 1000)) == "0 (underflow)"
    assert chain_view(0.25, 10).metric == ("a^L = 0.25^10", "9.537e-07")


def test_log10_magnitude_is_the_exact_size():
    assert factor_power(3.0, 1000).log10_magnitude == 1000 * math.log10(3.0)
    assert factor_power(0.25, 10).log10_magnitude == math.log10(0.25**10)
    assert factor_power(0.0, 5).log10_magnitude == -math.inf


def test_caption_counts_the_layers_the_log_axis_drops():
    view = chain_view(3.0, 1000)
    dropped = int((~factor_power(3.0, 1000).frame["product"].map(math.isfinite)).sum())
    assert view.chart.caption.startswith(f"{dropped} of 1001 layers are not drawn")
    assert chain_view(0.25, 10).chart.caption == ""


def test_seed_numbers_are_computed():
    assert seed_numbers_text() == (
        "Seed numbers, computed: **0.25^10 = 9.5367431640625e-07** and **2^10 = 1024**."
    )
