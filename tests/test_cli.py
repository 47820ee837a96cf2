"""The command line: exit codes (0 ok, 1 bad input, 2 usage), one-line errors, files written."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fcutil import SAMPLES, VIDEOS, needs_shared
from formcheck.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def one_line_error(res):
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines and lines[-1].startswith("error: ")
    assert "Traceback" not in res.output
    return lines[-1]


def test_help_lists_commands():
    res = run("--help")
    assert res.exit_code == 0
    for cmd in ("analyze", "models", "config"):
        assert cmd in res.output


def test_usage_errors_exit_2(tmp_path):
    assert run("analyze").exit_code == 2  # no clip
    assert run("analyze", tmp_path / "x.mp4", "--view", "diagonal").exit_code == 2
    assert run("analyze", tmp_path / "x.mp4", "--height-cm", "20").exit_code == 2
    res = run("analyze", tmp_path / "x.mp4", "--treadmill-speed-kmh", "10", "--treadmill-speed-mps", "3")
    assert res.exit_code == 2


def test_missing_file_exit_1(tmp_path):
    res = run("analyze", tmp_path / "missing.mp4", "--out", tmp_path / "o")
    assert res.exit_code == 1
    assert "file not found" in one_line_error(res)


def test_not_a_video_exit_1(tmp_path):
    bad = tmp_path / "fake.mp4"
    bad.write_text("hello\n" * 100)
    res = run("analyze", bad, "--out", tmp_path / "o")
    assert res.exit_code == 1
    assert "not a readable video" in one_line_error(res)


def test_config_prints_defaults_that_load_back(tmp_path):
    from formcheck.config import AnalysisConfig, load_config

    res = run("config")
    assert res.exit_code == 0
    p = tmp_path / "c.toml"
    p.write_text(res.output)
    assert load_config(p) == AnalysisConfig()


def test_bad_config_key_is_a_one_line_error(tmp_path, make_clip):
    p = tmp_path / "c.toml"
    p.write_text("[cleaning]\ncutof_hz = 3\n")
    res = run("analyze", make_clip(), "--config", p)
    assert res.exit_code == 1
    assert "unknown key 'cleaning.cutof_hz'" in one_line_error(res)


def test_models_verify():
    res = run("models", "verify")
    assert res.exit_code == 0
    assert res.output.count(": ok ") == 3


@needs_shared()
def test_no_person_clip_is_refused(tmp_path):
    res = run("analyze", VIDEOS / "neg_no-person_scene__radluy_side_frames63-87.mp4", "--out", tmp_path / "o")
    assert res.exit_code == 1
    assert "no runner detected" in one_line_error(res)


@needs_shared()
def test_batch_of_clips_goes_on_after_a_failure(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\0" * 1000)
    good = VIDEOS / "run_side_treadmill__mhuang24_IMG_5396_60fps.mp4"
    res = run("analyze", bad, good, "--out", tmp_path / "o", "--no-video")
    assert res.exit_code == 1
    assert (tmp_path / "o" / good.stem / "analysis.json").exists()


@needs_shared()
def test_walking_clip_is_measured_but_not_assessed_as_running(tmp_path):
    """A walking clip gets its cadence and step times, but no running cue, exercise or report."""
    clip = VIDEOS / "walk-inplace_front__jacky1107_jacky_walk.mp4"
    res = run("analyze", clip, "--out", tmp_path / "o", "--no-video")
    assert res.exit_code == 0
    doc = json.loads((tmp_path / "o" / "analysis.json").read_text())
    assert doc["activity"] == "walking" and doc["metrics"]["cadence_spm"]["value"] > 0
    assert "walking, not running" in res.output and "left out of the running assessment" in res.output
    assert "cue:" not in res.output and "exercise:" not in res.output
    assert not (tmp_path / "o" / "report.html").exists()


@needs_shared()
def test_analyze_real_side_clip_writes_documented_outputs(tmp_path):
    import pandas as pd

    clip = VIDEOS / "run_side_treadmill__mhuang24_IMG_5396_60fps.mp4"
    out = tmp_path / "o"
    res = run("analyze", clip, "--out", out, "--treadmill-speed-kmh", "10")
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "analysis.json").read_text())
    for key in ("schema_version", "formcheck_version", "video", "pose", "warnings"):
        assert key in doc
    assert doc["video"]["width"] == 1080 and doc["video"]["height"] == 1920
    assert doc["video"]["n_frames"] == 388
    assert doc["pose"]["model"] == "full" and len(doc["pose"]["model_sha256"]) == 64
    assert doc["pose"]["detection_rate"] >= 0.9
    lm = pd.read_parquet(out / "landmarks.parquet")
    assert len(lm) == 388 and {"frame", "t_s", "left_heel_x_px", "right_knee_visibility"} <= set(lm.columns)
    csv = pd.read_csv(out / "landmarks.csv")
    assert csv.shape == lm.shape
    from formcheck.video import read_video_meta

    meta = read_video_meta(out / "annotated.mp4")
    assert meta.codec == "h264" and meta.height_px > meta.width_px  # upright portrait
    assert "results:" in res.output


@pytest.mark.skipif(not (SAMPLES / "side_treadmill.mp4").exists(), reason="sample clip not generated yet")
def test_analyze_sample_clip(tmp_path):
    res = run("analyze", SAMPLES / "side_treadmill.mp4", "--out", tmp_path / "o", "--no-video")
    assert res.exit_code == 0, res.output
