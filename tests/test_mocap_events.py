"""Events vs force-plate contacts on the projected RBDS001 T25 mocap (skipped without shared data)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "mocap"
pytestmark = pytest.mark.skipif(not (DATA / "BMCRIC_RBDS001runT25forces.txt").exists(), reason="shared mocap absent")


def test_cadence_from_projected_mocap():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from events_mocap import run

    table = run(DATA, seeds=1, fps_list=(60.0,))
    row = table[table.method == "height"].iloc[0]
    assert row.true_contacts >= 77
    assert abs(row.cadence_spm - 157.0) <= 0.5
