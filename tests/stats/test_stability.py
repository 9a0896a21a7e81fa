"""The smaller look beside a subsample verdict: what moved is unsettled, and says why."""

from __future__ import annotations

import pytest

from pytest_experiments.spec.expectations import parse_expectation
from pytest_experiments.stats.estimates import Estimate, proportion
from pytest_experiments.stats.evidence import Judging, Unsettled, settle
from pytest_experiments.stats.sequential import Sample, run_looks
from pytest_experiments.stats.stability import pilot_rows, unsettle, unsettle_unchecked
from pytest_experiments.stats.verdicts import Verdict


def verdict(expectation: str, answer: object) -> tuple[Verdict, list[str]]:
    judging = Judging(level=0.95, subsample=True)
    found = parse_expectation((expectation,), {}).evaluate(answer, judging)
    return found, judging.all_notes()


def score(value: float, width: float = 0.02, trend: str | None = "rises") -> Estimate:
    return Estimate(value, value - width, value + width, 0.95, 25, "t", trend=trend)  # type: ignore[arg-type]


def test_a_plain_value_that_did_not_move_keeps_its_verdict() -> None:
    answer = {"classes": 3, "features": 64, "name": "svc", "flag": True}
    checked = unsettle(answer, dict(answer), 400, 100)
    assert checked == answer
    assert verdict("classes == 3 and features > 60 and flag", checked)[0] is Verdict.CONFIRMED


def test_a_plain_value_that_moved_is_unsettled_and_the_rest_still_decides() -> None:
    accuracy = score(0.9, trend=None)  # a held-out accuracy, say
    checked = unsettle(
        {"accuracy": accuracy, "leaves": 20}, {"accuracy": accuracy, "leaves": 9}, 400, 100
    )
    assert isinstance(checked["leaves"], Unsettled) and not isinstance(
        checked["accuracy"], Unsettled
    )
    found, notes = verdict("accuracy >= 0.8 and leaves <= 30", checked)
    assert found is Verdict.INCONCLUSIVE
    assert notes == [
        "leaves was 9 on 100 rows and is 20 on 400 rows: a plain value that moves with the size "
        "of the sample is not settled by a subsample; return an estimate (exp.score, "
        "exp.compare) or run --full"
    ]
    # Kleene logic: an unsettled part does not hide what the rest refutes
    assert verdict("accuracy >= 0.95 and leaves <= 30", checked)[0] is Verdict.REFUTED
    assert settle(checked) == {"accuracy": checked["accuracy"], "leaves": 20}


@pytest.mark.parametrize(
    ("expectation", "answer"),
    [(">= 0.9", 0.93), ("== 'svc'", "svc"), ("answer", True), ("abs(answer - 1) < 0.1", 1.02)],
)
def test_every_use_of_an_unsettled_value_is_inconclusive(expectation: str, answer: object) -> None:
    assert verdict(expectation, Unsettled(answer, "moved"))[0] is Verdict.INCONCLUSIVE
    if not isinstance(answer, str):  # a string expectation is an expression
        equals = parse_expectation((answer,), {}).evaluate(Unsettled(answer, "moved"), Judging())
        assert equals is Verdict.INCONCLUSIVE


def test_a_predicate_is_not_handed_a_value_that_may_still_move() -> None:
    called: list[object] = []
    expectation = parse_expectation((lambda answer: called.append(answer) or True,), {})
    assert expectation.evaluate(Unsettled(3, "moved"), Judging()) is Verdict.INCONCLUSIVE
    assert called == []


def test_a_score_that_falls_between_the_looks_is_unsettled() -> None:
    # A leak: features chosen on the whole sample look better the fewer rows there are.
    checked = unsettle(score(0.69, 0.04), score(0.85, 0.08), 500, 125)
    assert isinstance(checked, Unsettled)
    assert "falls as the data grows" in checked.reason and "a leak?" in checked.reason
    assert unsettle(score(0.80, 0.04), score(0.78, 0.08), 500, 125) == score(0.80, 0.04)


def test_a_loss_that_rises_and_a_data_statistic_that_moves_are_unsettled() -> None:
    assert isinstance(
        unsettle(score(3.0, 0.1, "falls"), score(2.0, 0.1, "falls"), 400, 100), Unsettled
    )
    moved = unsettle(proportion(80, 100, 0.95), proportion(20, 100, 0.95), 400, 100)
    assert isinstance(moved, Unsettled) and "moves with the size" in moved.reason
    steady = proportion(50, 100, 0.95)
    assert unsettle(steady, proportion(12, 25, 0.95), 100, 25) == steady


def test_a_difference_that_narrows_is_unsettled_one_that_grows_is_not() -> None:
    def difference(value: float) -> Estimate:
        return Estimate(value, value - 0.03, value + 0.03, 0.95, 25, "t", label="score difference")

    narrowed = unsettle(difference(0.05), difference(0.20), 400, 100)
    assert isinstance(narrowed, Unsettled) and "narrows" in narrowed.reason
    assert unsettle(difference(0.20), difference(0.05), 400, 100) == difference(0.20)


def test_without_a_smaller_look_plain_values_are_unsettled_and_estimates_kept() -> None:
    checked = unsettle_unchecked({"accuracy": score(0.9), "n": 3}, "the look raised ValueError")
    assert checked["accuracy"] == score(0.9)
    assert isinstance(checked["n"], Unsettled) and "raised ValueError" in checked["n"].advice
    assert unsettle_unchecked(3, "whatever", exact_plain=True) == 3


def test_the_pilot_is_a_quarter_of_the_rows_and_never_tiny() -> None:
    assert pilot_rows(400) == 100
    assert pilot_rows(60) == 20
    assert pilot_rows(20) is None


def test_a_look_takes_a_smaller_look_only_when_its_verdict_is_decisive() -> None:
    pilots: list[int | None] = []

    def run_at(fraction: float) -> tuple[object, Sample]:
        return 3, Sample(400, 8000)

    def pilot_at(sample: Sample, fraction: float) -> tuple[object, Sample]:
        pilots.append(sample.rows)
        return 3, Sample(100, 8000)

    outcome = run_looks(run_at, parse_expectation(("== 3",), {}), (0.05,), 0.95, pilot_at=pilot_at)
    assert outcome.judgement is not None and outcome.judgement.verdict is Verdict.CONFIRMED
    assert pilots == [400]
    pilots.clear()
    run_looks(run_at, parse_expectation(("> 3",), {}), (0.05,), 0.95, pilot_at=pilot_at)
    assert pilots == [400]  # refuted on the sample: checked too
    pilots.clear()
    undecided = run_looks(
        lambda f: (proportion(50, 100, 0.95), Sample(400, 8000)),
        parse_expectation(("> 0.5",), {}),
        (0.05,),
        0.95,
        pilot_at=pilot_at,
    )
    assert undecided.judgement is not None and not undecided.judgement.verdict.decisive
    assert pilots == []


def test_auto_takes_no_smaller_look_that_would_cost_more_than_a_tenth_of_the_full_one() -> None:
    seen: list[float] = []

    def run_at(fraction: float) -> tuple[object, Sample]:
        seen.append(fraction)
        return proportion(90, 100, 0.95), Sample(round(fraction * 10_000), 10_000)

    expectation = parse_expectation(("> 0.9",), {})
    # the journal knows: a 5 % look costs 30 s and the full look 100 s (a fixed cost)
    run_looks(run_at, expectation, (0.05, 0.2, 1.0), 0.95, cost_at=lambda f: 30 + 70 * f)
    assert seen == [1.0]
    seen.clear()
    run_looks(run_at, expectation, (0.05, 0.2, 1.0), 0.95, cost_at=lambda f: 100 * f**2)
    assert seen == [0.05, 0.2, 1.0]  # a quadratic cost: 0.25 s + 4 s <= 10 s


def test_auto_goes_straight_to_all_the_data_when_that_takes_under_a_second() -> None:
    """Below a second the most smaller looks could save is lost in the timing noise, and
    their fixed costs are not: a quadratic cost that would afford them at 100 s does not at
    0.9 s."""
    seen: list[float] = []

    def run_at(fraction: float) -> tuple[object, Sample]:
        seen.append(fraction)
        return proportion(90, 100, 0.95), Sample(round(fraction * 10_000), 10_000)

    expectation = parse_expectation(("> 0.9",), {})
    run_looks(run_at, expectation, (0.05, 0.2, 1.0), 0.95, cost_at=lambda f: 0.9 * f**2)
    assert seen == [1.0]
    seen.clear()
    run_looks(run_at, expectation, (0.05, 0.2, 1.0), 0.95, cost_at=lambda f: 1.5 * f**2)
    assert seen == [0.05, 0.2, 1.0]


def test_auto_takes_no_smaller_look_at_an_experiment_the_journal_never_timed() -> None:
    # No timing, no budget: a blind first look can cost as much as all the data.
    seen: list[float] = []

    def run_at(fraction: float) -> tuple[object, Sample]:
        seen.append(fraction)
        return proportion(95, 100, 0.95), Sample(round(fraction * 10_000), 10_000)

    outcome = run_looks(
        run_at, parse_expectation(("> 0.5",), {}), (0.05, 0.2, 1.0), 0.95, cost_at=lambda f: None
    )
    assert seen == [1.0] and outcome.straight == "untimed"
    assert outcome.level == 0.95  # the only look: judged as --full judges it
    seen.clear()
    # Without an expectation there is one look whatever it costs: the first one is taken.
    answered = run_looks(run_at, None, (0.05, 0.2, 1.0), 0.95, cost_at=lambda f: None)
    assert seen == [0.05] and answered.straight is None


class FakeClock:
    """``time.perf_counter`` for the looks: each look takes what the test says."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def test_auto_skips_the_checks_of_a_look_that_took_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The journal expects 0.25 s at 5 % and 100 s on all the data, but the look takes 9 s: its
    # checks (another 9 s, about) would pass the 10 s budget, so the sample's verdict is not
    # taken and all the data decides.
    from pytest_experiments.stats import sequential

    clock = FakeClock()
    monkeypatch.setattr(sequential, "time", clock)
    seen: list[float] = []
    pilots: list[float] = []

    def run_at(fraction: float) -> tuple[object, Sample]:
        seen.append(fraction)
        clock.now += 9.0 if fraction < 1 else 100.0
        return 3, Sample(round(fraction * 10_000), 10_000)

    def pilot_at(sample: Sample, fraction: float) -> tuple[object, Sample]:
        pilots.append(fraction)
        return 3, Sample(100, 10_000)

    outcome = run_looks(
        run_at,
        parse_expectation(("== 3",), {}),
        (0.05, 0.2, 1.0),
        0.95,
        pilot_at=pilot_at,
        cost_at=lambda f: 100 * f**2,
    )
    assert seen == [0.05, 1.0] and pilots == []
    assert outcome.judgement is not None and outcome.judgement.verdict is Verdict.CONFIRMED
    assert outcome.spent == [(0.05, 9.0, 0.0), (1.0, 100.0, 0.0)]
    # The same look within its budget is checked, and decides.
    seen.clear()

    def quick(fraction: float) -> tuple[object, Sample]:
        seen.append(fraction)
        clock.now += 0.5
        return 3, Sample(round(fraction * 10_000), 10_000)

    decided = run_looks(
        quick,
        parse_expectation(("== 3",), {}),
        (0.05, 0.2, 1.0),
        0.95,
        pilot_at=pilot_at,
        cost_at=lambda f: 100 * f**2,
    )
    assert seen == [0.05] and pilots == [0.05]
    assert decided.judgement is not None and decided.judgement.verdict is Verdict.CONFIRMED


def test_a_curve_given_up_for_its_cost_leaves_a_subsample_verdict_inconclusive() -> None:
    from pytest_experiments.stats.estimates import without_pending_curves
    from pytest_experiments.stats.learning_curve import LazyCurve

    measured: list[bool] = []

    def measure(far: bool) -> dict[str, object]:
        measured.append(far)
        raise AssertionError("a curve given up is never measured")

    curve = LazyCurve(measure)
    pending = Estimate(0.97, 0.95, 0.99, 0.95, 25, "t", trend="rises", pending_curve=curve)
    answer = without_pending_curves({"accuracy": pending, "folds": 25}, "too dear")
    assert answer["folds"] == 25 and answer["accuracy"].curve == {"problem": "too dear"}
    found, notes = verdict("accuracy >= 0.9", answer)
    assert found is Verdict.INCONCLUSIVE and measured == []
    assert any("too dear" in note for note in notes)


def test_auto_says_why_it_went_straight_to_all_the_data() -> None:
    from pytest_experiments.running.results import ExperimentResult
    from pytest_experiments.running.summary import straight_text

    def run_at(fraction: float) -> tuple[object, Sample]:
        return proportion(90, 100, 0.95), Sample(round(fraction * 10_000), 10_000)

    claim = parse_expectation(("> 0.5",), {})
    fractions = (0.05, 0.2, 1.0)
    reasons = [
        run_looks(run_at, claim, fractions, 0.95, cost_at=cost).straight
        for cost in (lambda f: None, lambda f: 0.5 * f, lambda f: 30 + 70 * f, lambda f: 100 * f**2)
    ]
    assert reasons == ["untimed", "quick", "dear", None]
    results = [
        ExperimentResult(f"t.py::exp_{i}", i, "q", "> 0.5", 1.0, 0, straight=why)
        for i, why in enumerate(["untimed", "quick", "quick", None, "dear"])
    ]
    assert straight_text(results) == (
        "sample auto went straight to all the data, as --full, for 4 experiments: 1 not yet "
        "timed there in the journal (a blind smaller look could cost as much as all the data; "
        "later runs budget by this run's timings), 2 that take under a second there, 1 whose "
        "smaller look with its checks would cost more than a tenth of it."
    )
    assert straight_text(results[3:4]) == ""
