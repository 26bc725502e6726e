"""The tour: every scenario (:mod:`views.scenarios`) in the seeds' order, one step at a time.

Each step names its claim and what to look at; the learner first commits a prediction where the
scenario asks one (a bound radio, so the guess travels in the link), then sees the computed
number and how far the guess was, in decades; then opens the scenario's page with its settings
and caption. ``step`` and ``predict`` are bound widgets, so a link opens a given step, with or
without the prediction.
"""

from __future__ import annotations

from views import PAGES, Control, Header, number_input
from views.scenarios import PRESENT_KEY, SCENARIO_KEY, TOUR, Check, Scenario, prediction_text

HEADER = Header(
    "Tour: every claim, checked live",
    "One step per claim of the five seed articles and the papers behind them, in the articles' "
    "order. Each step says what to look at; where it asks, commit a prediction first, then see "
    "the number the app computed, and open the page with the settings that show it.",
)
STEPS = len(TOUR)
STEP = number_input("Step", 1, STEPS, None, key="step")
PREDICT = Control(
    "toggle",
    "Predict before the reveal",
    "predict",
    (True,),
    (("help", "Off: show every number at once (for a presenter)."),),
)
BACK = "◀ Back"
NEXT = "Next ▶"
COMMIT_FIRST = "Commit a prediction above to see the computed number."
SEED_NAMES = {
    "000": "seed 000: derivatives of activations",
    "001": "seed 001: the gradient is a product",
    "002": "seed 002: what makes a good activation",
    "003": "seed 003: Nielsen's chain, symptoms and remedies",
    "004": "seed 004: distributions, saturation, the ReLU family",
    "theory": "theory and papers",
}
PAGE_LABELS = {p.path: p.label for p in PAGES}


def scenario_at(step: int) -> Scenario:
    """The scenario of tour step ``step`` (1-based, clipped to the tour)."""
    return TOUR[min(max(int(step), 1), STEPS) - 1]


def guess_control(scenario: Scenario) -> Control:
    """The step's prediction: a radio of the scenario's choices, none chosen until committed."""
    return Control(
        "radio",
        scenario.question,
        f"guess_{scenario.id}",
        (list(scenario.choices),),
        (("index", None), ("horizontal", True)),
    )


def step_title(step: int) -> str:
    scenario = scenario_at(step)
    return f"Step {step} of {STEPS}: {scenario.title}"


def step_where(step: int) -> str:
    scenario = scenario_at(step)
    return f"{SEED_NAMES[scenario.seed]} · page: {PAGE_LABELS[scenario.page]}\n\n{scenario.look}"


def metric(scenario: Scenario, check: Check) -> tuple[str, str]:
    """The reveal: the quantity and its computed value, for ``st.metric``."""
    return scenario.measure, check.shown


def verdict(check: Check) -> str:
    return (
        "The claim holds at these settings."
        if check.holds
        else ("The claim does NOT hold at these settings.")
    )


def guess_text(guess: float, check: Check) -> str:
    return prediction_text(guess, check.value)


def open_label(scenario: Scenario) -> str:
    return f"Open {PAGE_LABELS[scenario.page]} with these settings"


def open_query(scenario: Scenario, present: bool) -> dict[str, object]:
    """The scenario's link: its settings, its caption, and presenter mode if it is on."""
    query = {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in scenario.query}
    query[SCENARIO_KEY] = scenario.id
    if present:
        query[PRESENT_KEY] = "true"
    return query
