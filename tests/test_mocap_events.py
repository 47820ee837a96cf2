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


@pytest.fixture(scope="module")
def table_t35():
    pytest.importorskip("ezc3d")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from events_mocap import run

    return run(DATA, seeds=1, methods=("hybrid",), trial="T35")


@pytest.mark.parametrize("fps", [60.0, 120.0])
def test_second_speed_t35(table_t35, fps):
    """T35 (3.5 m/s, force channel unscaled in the c3d, thresholds as T25's fractions of the stance
    peak): no target in the issue; measured (2 seeds) IC +13 / +13 ms, TO +13 / +12 ms, cadence
    170.90 / 171.14 against 171.18 spm. The far (right) foot's ICs come ~20 ms late here: at the
    force onset its heel and toe points are still ~2 cm above their stance level (shoe compression)."""
    r = table_t35[table_t35.fps == fps].iloc[0]
    assert r.true_contacts == 85 and r.matched == 85
    assert r.ic_abs_med_ms <= 18.0 and r.tc_abs_med_ms <= 15.0
    assert abs(r.cadence_spm - r.true_cadence_spm) <= 0.5
