"""Events vs force-plate contacts on the projected RBDS001 T25 mocap (skipped without shared data).

Targets (issue): cadence within 0.5 spm of 157.0, IC median |error| <= 10 ms, TO <= 15 ms, at 60
and 120 fps. Measured with the default method (``hybrid``, one noise seed here; the two-seed table
is in ``formcheck/events.py``): every contact matched, IC 9 / 8 ms, TO 4 / 4 ms, cadence
(``cadence_spm_from_strides``) 156.9 / 156.6 spm at 60 / 120 fps: all met.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "mocap"
pytestmark = pytest.mark.skipif(not (DATA / "BMCRIC_RBDS001runT25forces.txt").exists(), reason="shared mocap absent")


@pytest.fixture(scope="module")
def table():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from events_mocap import run

    return run(DATA, seeds=1, methods=("height", "hybrid"))


def _row(table, fps, method="hybrid"):
    return table[(table.fps == fps) & (table.method == method)].iloc[0]


def test_default_is_hybrid():
    from formcheck.events import DEFAULT_METHOD

    assert DEFAULT_METHOD == "hybrid"


@pytest.mark.parametrize("fps", [60.0, 120.0])
def test_every_contact_kept(table, fps):
    r = _row(table, fps)
    assert r.true_contacts == 77 and r.matched == 77


@pytest.mark.parametrize("fps", [60.0, 120.0])
def test_toe_off_target(table, fps):
    r = _row(table, fps)
    assert r.tc_abs_med_ms <= 15.0  # target met (6 / 5 ms)
    # the height toe-off alone comes ~25 ms early here (the toe point rises before the force ends)
    assert _row(table, fps, "height").tc_med_ms < -15.0


@pytest.mark.parametrize("fps", [60.0, 120.0])
def test_initial_contact_target(table, fps):
    r = _row(table, fps)
    assert r.ic_abs_med_ms <= 10.0 and abs(r.ic_med_ms) <= 9.0  # target met (9 / 8 ms)


@pytest.mark.parametrize("fps", [60.0, 120.0])
def test_cadence_target(table, fps):
    assert abs(_row(table, fps).cadence_spm - 157.0) <= 0.5  # target met (mean of inlier strides)
