"""Does the answer move with the size of the sample? A smaller look beside the sample's.

A learning curve measured inside ``exp.score`` sees only the learner; the experiment's own
code around it can depend on the sample size too: a plain number (a tree's leaf count, a
``cross_val_score(...).mean()``), features selected on the whole sample before
cross-validation (a leak whose optimism shrinks as the data grows), anything the experiment
computes. So before a subsample verdict is taken, the experiment also runs on a smaller sample
(the *pilot*: about a quarter of the rows; under ``--sample auto`` the previous look) and every
part of the answer is compared between the two:

* a plain value (number, string, bool, list) must be the same in both; one that moved is not
  settled by a subsample, whatever the verdict on it says (the number of classes of a
  stratified sample, a shape or a flag do not move and stay decisive);
* an estimate that should rise with the data (a score) must not have fallen, one that should
  fall (a loss) not have risen, a difference of two learners (``exp.compare``) not have moved
  towards zero, and an estimate without a trend (a mean of the data) not have moved at all,
  each judged by a z statistic on the two estimates' standard errors (read off their
  intervals; the two samples are treated as independent, which overstates the noise when the
  smaller sample is nested in the larger, so the checks err towards firing) at the one-sided
  level :data:`CHECK_LEVEL` of :mod:`.learning_curve`.

A part that fails is replaced by :class:`~pytest_experiments.stats.evidence.Unsettled` before
the verdict is taken, so everything resting on it is inconclusive and says why. The checks can
only withhold a verdict, never make one, so they spend no error rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pytest_experiments.formatting import number_text
from pytest_experiments.stats.estimates import Estimate
from pytest_experiments.stats.evidence import Unsettled
from pytest_experiments.stats.learning_curve import CHECK_LEVEL

#: The pilot keeps this share of the look's rows.
PILOT_SHARE = 0.25

#: ... and at least this many rows; a look with no more rows has no pilot.
PILOT_MIN_ROWS = 20

REMEDY = "return an estimate (exp.score, exp.compare) or run --full"

#: Said once after the plain values that moved between the smaller look and the sample's.
MOVED = (
    f"a plain value that moves with the size of the sample is not settled by a subsample; {REMEDY}"
)


def pilot_rows(rows: int) -> int | None:
    """Rows of the pilot of a look that kept ``rows``, or None when it would not be smaller."""
    pilot = max(PILOT_MIN_ROWS, math.ceil(PILOT_SHARE * rows))
    return pilot if pilot < rows else None


def unsettle(
    answer: Any, pilot: Any, rows: int | None, pilot_rows: int | None, exact_plain: bool = False
) -> Any:
    """``answer`` with every part that moved since ``pilot`` wrapped in :class:`Unsettled`.

    ``rows`` and ``pilot_rows`` are the two looks' rows (None when the experiment did not
    sample), for the reasons; ``exact_plain`` keeps plain values as they are (the ini setting
    ``experiment_exact_plain_numbers``).
    """
    sizes = _sizes(rows, pilot_rows)
    return _walk(answer, pilot, "answer", sizes, exact_plain)


def unsettle_unchecked(answer: Any, why: str, exact_plain: bool = False, name: str = "") -> Any:
    """``answer`` with every plain part unsettled because no smaller look could be taken."""
    if exact_plain or isinstance(answer, Estimate):
        return answer
    if isinstance(answer, Mapping):
        return {key: unsettle_unchecked(item, why, name=str(key)) for key, item in answer.items()}
    shown = f"{name} = {_show(answer)}" if name else _show(answer)
    return Unsettled(
        answer,
        f"{shown} is a plain value",
        f"it is not shown not to move with the size of the data, because {why}; {REMEDY}",
    )


def _walk(answer: Any, pilot: Any, name: str, sizes: tuple[str, str], exact_plain: bool) -> Any:
    if isinstance(answer, Mapping):
        twin = pilot if isinstance(pilot, Mapping) else {}
        return {
            key: _walk(item, twin.get(key, _MISSING), str(key), sizes, exact_plain)
            for key, item in answer.items()
        }
    if isinstance(answer, Estimate):
        problem = _estimate_moved(answer, pilot, sizes)
        return answer if problem is None else Unsettled(answer, f"{name} {problem}")
    if exact_plain or _same(answer, pilot):
        return answer
    was = "was missing" if pilot is _MISSING else f"was {_show(pilot)}"
    return Unsettled(
        answer, f"{name} {was} on {sizes[1]} and is {_show(answer)} on {sizes[0]}", MOVED
    )


def _estimate_moved(answer: Estimate, pilot: Any, sizes: tuple[str, str]) -> str | None:
    """Why the estimate moved the wrong way since the pilot, or None."""
    if not isinstance(pilot, Estimate):
        return None  # the smaller look had no estimate here: nothing to hold it against
    spread = math.hypot(_standard_error(answer), _standard_error(pilot))
    if not math.isfinite(spread) or spread == 0:
        return None
    z = (answer.value - pilot.value) / spread
    from scipy.stats import norm

    bar = float(norm.ppf(CHECK_LEVEL))
    moved = f"{pilot} on {sizes[1]}, {answer} on {sizes[0]}"
    difference = bool(answer.curve and len(answer.curve.get("scores", ())) == 2)
    if difference or (answer.trend is None and "difference" in answer.label):
        toward_zero = -z if answer.value >= 0 else z
        if toward_zero > bar:
            return f"narrows as the data grows ({moved}): it may close or reverse on all of it"
        return None
    if answer.trend == "rises" and z < -bar:
        return f"falls as the data grows ({moved}), where a score should rise: a leak?"
    if answer.trend == "falls" and z > bar:
        return f"rises as the data grows ({moved}), where a loss should fall: a leak?"
    if answer.trend is None and abs(z) > float(norm.ppf((1 + CHECK_LEVEL) / 2)):
        return f"moves with the size of the data ({moved})"
    return None


def _standard_error(estimate: Estimate) -> float:
    """The standard error behind an interval, read off its width at its level."""
    from scipy.stats import norm

    width = estimate.high - estimate.low
    return width / (2 * float(norm.ppf((1 + estimate.level) / 2)))


class _Missing:
    def __repr__(self) -> str:
        return "missing"


_MISSING = _Missing()


def _same(answer: Any, pilot: Any) -> bool:
    if pilot is _MISSING:
        return False
    try:
        return bool(answer == pilot) and type(answer) is type(pilot)
    except (TypeError, ValueError):
        return False


def _sizes(rows: int | None, pilot_rows: int | None) -> tuple[str, str]:
    if rows is None or pilot_rows is None:
        return "this sample", "a quarter of it"
    return f"{rows:,} rows", f"{pilot_rows:,} rows"


def _show(value: Any) -> str:
    if isinstance(value, float):
        return number_text(value)
    return repr(value)
