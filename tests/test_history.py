"""Athlete history: sessions in SQLite (WAL), change across sessions vs measurement noise, trend plot."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner

from formcheck import history
from formcheck.types import Analysis, MetricValue, PoseSeries, RunnerInfo, SideValue, VideoMeta


def _metric(name, value, unit, spread=1.0, n=12, conf=0.9):
    side = SideValue(value, value - spread, value + spread, n // 2)
    return MetricValue(name, value, unit, value - spread, value + spread, n, conf, left=side, right=side)


def _analysis(tmp_path, name: str, cadence: float, trunk: float) -> Analysis:
    clip = tmp_path / f"{name}.mp4"
    clip.write_bytes(f"clip {name}".encode())  # only hashed
    meta = VideoMeta(path=clip, n_frames=10, width_px=640, height_px=480, rotation_deg=0, container_fps=30.0,
                     capture_fps=30.0, duration_s=1 / 3)
    pose = PoseSeries(frame=np.arange(10), t_s=np.arange(10) / 30, meta=meta, **PoseSeries.empty_arrays(10))
    return Analysis(meta=meta, runner=RunnerInfo(view="side"), pose=pose, activity="running",
                    metrics={"cadence_spm": _metric("cadence_spm", cadence, "steps/min"),
                             "trunk_lean_deg": _metric("trunk_lean_deg", trunk, "deg")})


@pytest.fixture
def db(tmp_path):
    p = tmp_path / "h.sqlite"
    # three sessions: cadence 160 -> 161 (within noise) -> 172 (a real change); trunk lean unchanged
    for day, cad in (("2026-01-05", 160.0), ("2026-02-02", 161.0), ("2026-03-02", 172.0)):
        history.record_analysis(p, _analysis(tmp_path, f"clip-{day}", cad, 8.0), "Ann", day)
    return p


def test_three_sessions_report_the_cadence_change(db):
    ch = history.history_changes(history.metric_history(db, "Ann"))
    cad = ch[(ch.metric == "cadence_spm") & (ch.side == "both")].reset_index(drop=True)
    assert list(cad.date) == ["2026-01-05", "2026-02-02", "2026-03-02"]
    assert list(cad.value) == [160.0, 161.0, 172.0]
    assert np.isnan(cad.delta[0]) and cad.exceeds_noise[0] is None
    assert cad.delta[1] == pytest.approx(1.0) and cad.exceeds_noise[1] is False
    assert cad.delta[2] == pytest.approx(11.0) and cad.exceeds_noise[2] is True
    trunk = ch[(ch.metric == "trunk_lean_deg") & (ch.side == "both")]
    assert (trunk.delta.dropna() == 0).all() and not any(v is True for v in trunk.exceeds_noise)


def test_noise_verdict_is_the_guidance_retest_rule(db):
    from formcheck.plan import retest_change

    assert retest_change("cadence_spm", 161.0, 172.0) == (11.0, True)
    assert retest_change("cadence_spm", 160.0, 161.0) == (1.0, False)


def test_database_is_wal_and_rerecording_replaces(db, tmp_path):
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    n_before = con.execute("SELECT COUNT(*) FROM metric").fetchone()[0]
    con.close()
    history.record_analysis(db, _analysis(tmp_path, "clip-2026-03-02", 173.0, 8.0), "Ann", "2026-03-02")
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM metric").fetchone()[0] == n_before
    assert con.execute("SELECT COUNT(*) FROM session").fetchone()[0] == 3
    con.close()
    h = history.metric_history(db, "Ann")
    assert h[(h.metric == "cadence_spm") & (h.side == "both")].value.iloc[-1] == 173.0


def test_writer_is_not_blocked_by_an_open_reader(db, tmp_path):
    reader = history.connect(db)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM metric").fetchone()  # holds a read snapshot
    history.record_analysis(db, _analysis(tmp_path, "other", 150.0, 5.0), "Bob", "2026-03-03")
    reader.rollback()
    reader.close()
    assert history.athletes(db) == ["Ann", "Bob"]


def test_most_confident_clip_wins_within_a_session(tmp_path):
    p = tmp_path / "h.sqlite"
    a = _analysis(tmp_path, "side", 170.0, 8.0)
    b = _analysis(tmp_path, "rear", 176.0, 8.0)
    b = Analysis(**{**b.__dict__, "metrics": {"cadence_spm": _metric("cadence_spm", 176.0, "steps/min", conf=0.4)}})
    history.record_analysis(p, a, "Cy", "2026-01-01")
    history.record_analysis(p, b, "Cy", "2026-01-01")
    h = history.metric_history(p, "Cy")
    assert h[(h.metric == "cadence_spm") & (h.side == "both")].value.tolist() == [170.0]


def test_history_command_and_plots(db, tmp_path):
    from formcheck.cli import main

    run = CliRunner()
    res = run.invoke(main, ["history", "Ann", "--db", str(db), "--plot", str(tmp_path / "trend.png")])
    assert res.exit_code == 0, res.output
    assert "cadence_spm" in res.output and "+11" in res.output and "yes" in res.output
    assert (tmp_path / "trend.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    res = run.invoke(main, ["history", "Ann", "--db", str(db), "--plot", str(tmp_path / "trend.svg")])
    assert res.exit_code == 0 and "<svg" in (tmp_path / "trend.svg").read_text()
    res = run.invoke(main, ["history", "Nobody", "--db", str(db)])
    assert res.exit_code == 1 and "Ann" in res.output
    res = run.invoke(main, ["history", "Ann", "--db", str(tmp_path / "missing.sqlite")])
    assert res.exit_code == 1


def test_plotting_leaves_no_global_pyplot_state(db, tmp_path):
    import sys

    history.plot_history(history.history_changes(history.metric_history(db, "Ann")), tmp_path / "t.png")
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        assert plt.get_fignums() == []
