"""Research exports: result tables, the documented schema, re-analysis from saved landmarks, TRC and C3D."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from synthetic_gait import side_runner

from formcheck import export, mocap_formats
from formcheck.landmarks import LANDMARK_NAMES
from formcheck.types import RunnerInfo

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DOC = ROOT / "docs" / "data-schema.md"


def _with_gaps(pose):
    """Mask a few frames and one landmark so NaN handling is exercised."""
    xy, vis = pose.xy.copy(), pose.visibility.copy()
    xy[5:8] = np.nan
    vis[5:8] = np.nan
    xy[20:30, 0] = np.nan  # nose missing for a while
    world = np.where(np.isnan(xy[..., :1]), np.nan, 0.01 * np.arange(33)[None, :, None] + np.zeros((len(pose), 33, 3)))
    return replace(pose, xy=xy, visibility=vis, world=world)


@pytest.fixture(scope="module")
def analysis():
    from formcheck.pipeline import analyze_pose

    pose, _ = side_runner(duration_s=6.0, noise_px=1.0, seed=3)
    return analyze_pose(_with_gaps(pose), RunnerInfo(view="side", height_m=1.75, treadmill_speed_mps=3.0))


@pytest.fixture(scope="module")
def result_dir(analysis, tmp_path_factory):
    d = tmp_path_factory.mktemp("result")
    export.write_outputs(analysis, d)
    return d


def test_to_tables_has_units_and_schema_version(analysis):
    tables = export.to_tables(analysis)
    assert set(tables) == set(export.TABLE_NAMES)
    for name, df in tables.items():
        assert len(df) > 0, name
        assert df.attrs["schema_version"] == export.SCHEMA_VERSION
        assert df.attrs["table"] == name
        assert list(df.attrs["units"]) == list(df.columns)
    lm = tables["landmarks"]
    assert lm.attrs["units"]["left_heel_x_px"] == "px" and lm.attrs["units"]["t_s"] == "s"
    w = analysis.meta.width_px
    np.testing.assert_allclose(lm["left_heel_x_norm"], lm["left_heel_x_px"] / w)
    assert tables["strides"].attrs["units"]["overstride_cm"] == "cm"
    s = tables["summary"]
    cad = s[(s.metric == "cadence_spm") & (s.side == "both")].iloc[0]
    assert cad.value == pytest.approx(analysis.metrics["cadence_spm"].value)
    assert {"both", "left", "right"} <= set(s.side)


def _documented_columns(section: str) -> list[str]:
    text = SCHEMA_DOC.read_text()
    m = re.search(rf"^## {re.escape(section)}\b.*?$(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)
    assert m, f"section {section!r} missing from docs/data-schema.md"
    return re.findall(r"^\| `([^`]+)` \|", m.group(1), re.MULTILINE)


def _expand(cols: list[str], **patterns: list[str]) -> list[str]:
    out = []
    for c in cols:
        for key, values in patterns.items():
            if f"<{key}>" in c:
                out += [c.replace(f"<{key}>", v) for v in values]
                break
        else:
            out.append(c)
    return out


def test_documented_columns_equal_produced_columns(analysis, result_dir):
    tables = export.to_tables(analysis)
    lm_doc = _expand(_documented_columns("landmarks"), landmark=list(LANDMARK_NAMES))
    produced = list(tables["landmarks"].columns)
    features = [c for c in lm_doc if c.startswith("feature_")]
    assert set(lm_doc) - set(features) == set(produced)  # synthetic pose: no image features
    for name in ("events", "strides", "summary"):
        assert _documented_columns(name) == list(tables[name].columns), name
    # the files written carry the same columns
    for name in ("events", "strides", "summary"):
        assert list(pd.read_csv(result_dir / f"{name}.csv").columns) == list(tables[name].columns)


def test_documented_feature_columns_match_the_feature_extractor():
    from formcheck.pelvis_edge import WAIST_KEYS

    documented = [c for c in _expand(_documented_columns("landmarks"), landmark=["x"]) if c.startswith("feature_")]
    assert sorted(documented) == sorted(f"feature_{k}" for k in WAIST_KEYS)


def test_analysis_json_records_reproducibility(result_dir, analysis):
    doc = json.loads((result_dir / "analysis.json").read_text())
    assert doc["schema_version"] == export.SCHEMA_VERSION
    assert {"numpy", "pandas", "python"} <= set(doc["versions"])
    assert doc["config"]["cleaning"]["lowpass_cutoff_hz"] == analysis.config.cleaning.lowpass_cutoff_hz
    assert doc["video_meta"]["width_px"] == analysis.meta.width_px
    assert doc["scale"]["m_per_px"] and 0.001 < doc["scale"]["m_per_px"] < 0.01
    meta = export.read_parquet_metadata(result_dir / "landmarks.parquet")
    assert meta["schema_version"] == export.SCHEMA_VERSION and meta["units"]["t_s"] == "s"
    assert meta["video_meta"]["capture_fps"] == analysis.meta.capture_fps


def test_load_pose_round_trip_and_reanalysis(result_dir, analysis):
    from formcheck.pipeline import analyze_pose

    pose = export.load_pose(result_dir)
    assert pose.meta == analysis.meta
    np.testing.assert_array_equal(pose.frame, analysis.pose.frame)
    np.testing.assert_array_equal(pose.t_s, analysis.pose.t_s)
    np.testing.assert_array_equal(pose.xy, analysis.pose.xy)  # NaN-aware, bit-exact through Parquet
    np.testing.assert_array_equal(pose.visibility, analysis.pose.visibility)
    np.testing.assert_array_equal(pose.world, analysis.pose.world)
    again = analyze_pose(pose, analysis.runner, analysis.config)
    for name, m in analysis.metrics.items():
        np.testing.assert_equal(again.metrics[name].value, m.value, err_msg=name)
    assert export.load_pose(result_dir / "landmarks.parquet").meta == analysis.meta
    pose2, runner, config = export.load_run(result_dir)
    assert runner == analysis.runner and config == analysis.config


def _expected_image_markers(result_dir):
    lm = pd.read_parquet(result_dir / "landmarks.parquet")
    doc = json.loads((result_dir / "analysis.json").read_text())
    s = doc["scale"]["m_per_px"] * 1000
    h = doc["video"]["height"]
    x = np.stack([lm[f"{n}_x_px"] for n in LANDMARK_NAMES], axis=1) * s
    y = (h - np.stack([lm[f"{n}_y_px"] for n in LANDMARK_NAMES], axis=1)) * s
    return lm, x, y


def test_trc_read_back_by_strict_parser_equals_landmarks(result_dir, tmp_path):
    (p,) = export.export_result(result_dir, "trc", tmp_path)
    header, names, t, xyz = mocap_formats.read_trc(p)
    lm, x, y = _expected_image_markers(result_dir)
    assert names == list(LANDMARK_NAMES)
    assert header["Units"] == "mm" and int(header["NumFrames"]) == len(lm) == len(t)
    assert float(header["DataRate"]) == pytest.approx(60.0)
    np.testing.assert_allclose(t, lm["t_s"], atol=1e-6)
    np.testing.assert_allclose(xyz[:, :, 0], x, atol=1e-4)  # 5 decimals written
    np.testing.assert_allclose(xyz[:, :, 1], y, atol=1e-4)
    assert np.isnan(xyz[5:8]).all() and np.isnan(xyz[20:30, 0]).all()
    assert (xyz[~np.isnan(xyz[..., 0]), 2] == 0).all()


def test_strict_trc_parser_rejects_broken_files(result_dir, tmp_path):
    (p,) = export.export_result(result_dir, "trc", tmp_path)
    lines = p.read_text().split("\n")
    broken = tmp_path / "broken.trc"
    broken.write_text("\n".join(lines[:-3]) + "\n")  # rows missing
    with pytest.raises(ValueError, match="data rows"):
        mocap_formats.read_trc(broken)
    lines2 = list(lines)
    lines2[10] = lines2[10].rsplit("\t", 1)[0]  # a short row
    broken.write_text("\n".join(lines2))
    with pytest.raises(ValueError, match="fields"):
        mocap_formats.read_trc(broken)


def test_trc_without_height_is_in_pixels(analysis, tmp_path):
    a = replace(analysis, runner=replace(analysis.runner, height_m=None))
    export.write_outputs(a, tmp_path / "r")
    (p,) = export.export_result(tmp_path / "r", "trc", tmp_path / "x")
    header, _, _, xyz = mocap_formats.read_trc(p)
    assert header["Units"] == "px"
    np.testing.assert_allclose(xyz[:, 23, 0], a.pose.xy[:, 23, 0], atol=1e-4)
    np.testing.assert_allclose(xyz[:, 23, 1], a.meta.height_px - a.pose.xy[:, 23, 1], atol=1e-4)


def test_trc_readable_by_opensim(result_dir, tmp_path):
    """OpenSim's own TRC reader (``pip install opensim``; or point OPENSIM_PYTHONPATH at a separate
    install so its numpy does not shadow the project's)."""
    import os
    import subprocess
    import sys

    (p,) = export.export_result(result_dir, "trc", tmp_path)
    code = ("import opensim; t = opensim.TimeSeriesTableVec3(%r); r = t.getRowAtIndex(6)[3]; "
            "print(t.getNumRows(), t.getNumColumns(), t.getTableMetaDataAsString('Units'), r.get(0))" % str(p))
    env = dict(os.environ)
    if os.environ.get("OPENSIM_PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["OPENSIM_PYTHONPATH"]
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    if "No module named 'opensim'" in res.stderr:
        pytest.skip("opensim not installed")
    assert res.returncode == 0, res.stderr
    n_rows, n_cols, units, missing = res.stdout.split()
    assert int(n_rows) == len(pd.read_parquet(result_dir / "landmarks.parquet"))
    assert (int(n_cols), units, missing) == (33, "mm", "nan")  # frame 6 is masked in the fixture


def test_c3d_read_back_by_ezc3d_equals_landmarks(result_dir, tmp_path):
    ezc3d = pytest.importorskip("ezc3d")
    (p,) = export.export_result(result_dir, "c3d", tmp_path)
    c = ezc3d.c3d(str(p))
    assert c["parameters"]["POINT"]["LABELS"]["value"] == list(LANDMARK_NAMES)
    assert c["parameters"]["POINT"]["UNITS"]["value"] == ["mm"]
    assert c["parameters"]["POINT"]["RATE"]["value"][0] == pytest.approx(60.0)
    pts = c["data"]["points"]  # (4, markers, frames)
    _, x, y = _expected_image_markers(result_dir)
    np.testing.assert_allclose(pts[0].T, x, rtol=1e-6, atol=1e-3)  # float32 storage
    np.testing.assert_allclose(pts[1].T, y, rtol=1e-6, atol=1e-3)


def test_world_space_is_y_up_and_right_handed(result_dir):
    lm = pd.read_parquet(result_dir / "landmarks.parquet")
    names, xyz, units = mocap_formats.marker_trajectories(lm, height_px=1080, space="world")
    assert units == "mm"
    j = LANDMARK_NAMES.index("left_hip")
    ok = lm["detected"].to_numpy()
    np.testing.assert_allclose(xyz[ok, j, 1], -1000 * lm.loc[ok, "left_hip_world_y_m"])
    np.testing.assert_allclose(xyz[ok, j, 2], -1000 * lm.loc[ok, "left_hip_world_z_m"])


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "trc", "c3d"])
def test_export_command(result_dir, tmp_path, fmt):
    from formcheck.cli import main

    res = CliRunner().invoke(main, ["export", str(result_dir), "--format", fmt, "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    written = [Path(p) for p in res.output.split()]
    assert written and all(p.exists() and p.stat().st_size > 0 for p in written)
    if fmt == "parquet":
        lm = next(p for p in written if p.name.endswith("_landmarks.parquet"))
        assert export.load_pose(lm).meta == export.load_pose(result_dir).meta
    if fmt == "json":
        doc = json.loads(written[0].read_text())
        assert set(doc["tables"]) == set(export.TABLE_NAMES) and doc["schema_version"] == export.SCHEMA_VERSION


def test_export_command_refuses_a_non_result_folder(tmp_path):
    from formcheck.cli import main

    res = CliRunner().invoke(main, ["export", str(tmp_path), "--format", "csv"])
    assert res.exit_code == 1 and "not a formcheck result folder" in res.output
