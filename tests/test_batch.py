"""Batch runs: inputs, resumability, failures recorded (not fatal), exit codes, local processes and Dask."""

from __future__ import annotations

import concurrent.futures as cf
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from fcutil import SAMPLES, VIDEOS
from synthetic_gait import side_runner

from formcheck import batch, executors
from formcheck.errors import ConfigError, NoRunnerDetectedError, VideoReadError
from formcheck.types import RunnerInfo

ROOT = Path(__file__).resolve().parent.parent
NO_PERSON = VIDEOS / "neg_no-person_scene__radluy_side_frames63-87.mp4"
REAL_GOOD = VIDEOS / "run_side_treadmill__mhuang24_IMG_5396_60fps.mp4"


# ---------------------------------------------------------------------------------------------- fakes

@pytest.fixture(scope="module")
def synthetic_analysis():
    from formcheck.pipeline import analyze_pose

    pose, _ = side_runner(duration_s=5.0, noise_px=1.0, seed=1)
    return analyze_pose(pose, RunnerInfo(view="side", height_m=1.75))


@pytest.fixture
def fake_pipeline(monkeypatch, synthetic_analysis):
    """Pose estimation and analysis replaced by a stand-in keyed on the clip's name (no MediaPipe)."""
    calls: list[str] = []

    def estimate(video, runner, config, *, progress=None):
        video = Path(video)
        calls.append(video.name)
        assert config.pose.workers == 1
        if "corrupt" in video.name:
            raise VideoReadError(f"{video}: not a readable video (InvalidDataError)")
        if "empty" in video.name:
            raise NoRunnerDetectedError(f"{video.name}: no runner detected")
        if "bug" in video.name:
            raise ZeroDivisionError("boom")
        if progress:
            progress(10, 20)
            progress(20, 20)
        return replace(synthetic_analysis.pose, meta=replace(synthetic_analysis.meta, path=video)), (), 0.0

    def analyze_pose(pose, runner, config, *, warnings=(), pose_seconds=0.0):
        activity = "walking" if "walk" in pose.meta.path.name else "running"
        return replace(synthetic_analysis, meta=pose.meta, pose=pose, runner=runner, activity=activity,
                       warnings=("this clip looks like walking",) if activity == "walking" else ())

    monkeypatch.setattr("formcheck.pipeline.estimate", estimate)
    monkeypatch.setattr("formcheck.pipeline.analyze_pose", analyze_pose)
    return calls


def _clips(tmp_path: Path, *names: str) -> list[Path]:
    d = tmp_path / "clips"
    d.mkdir(exist_ok=True)
    out = []
    for n in names:
        p = d / n
        p.write_bytes(f"content of {n}".encode())
        out.append(p)
    return out


def _run(paths, out, **kw):
    specs = [batch.ClipSpec(p, RunnerInfo(view="side"), kw.pop("athlete", None), "2026-04-01") for p in paths]
    with cf.ThreadPoolExecutor(2) as ex:
        return batch.run_batch(specs, out, ex, write_video=False, **kw)


# ---------------------------------------------------------------------------------------------- inputs

def test_collect_inputs_from_folders_globs_files_and_manifest(tmp_path):
    a, b, c = _clips(tmp_path, "a.mp4", "b.MOV", "c.mp4")
    (tmp_path / "clips" / "notes.txt").write_text("x")
    man = tmp_path / "manifest.csv"
    man.write_text("path,athlete,view,height_cm,treadmill_speed_kmh,capture_fps,date,notes\n"
                   "clips/a.mp4,Ann,side,170,10.8,120,2026-03-01,first\n"
                   "clips/b.MOV,,,,,,,\n")
    specs = batch.collect_inputs([str(tmp_path / "clips"), str(tmp_path / "clips" / "*.mp4"), c, man,
                                  tmp_path / "missing.mp4"], batch.ClipSpec(Path("."), athlete="Zed"))
    assert [s.path.name for s in specs] == ["a.mp4", "b.MOV", "c.mp4", "missing.mp4"]  # deduplicated, ordered
    m = batch.read_manifest(man, batch.ClipSpec(Path("."), RunnerInfo(view="rear"), athlete="Zed"))
    assert m[0].path == a and m[0].athlete == "Ann" and m[0].date == "2026-03-01" and m[0].notes == "first"
    assert m[0].runner == RunnerInfo(view="side", height_m=1.7, treadmill_speed_mps=3.0, capture_fps=120.0,
                                     athlete="Ann")
    assert m[1].path == b and m[1].athlete == "Zed" and m[1].runner.view == "rear" and m[1].date is None


@pytest.mark.parametrize("body, match", [
    ("path,speed\nx.mp4,3\n", "unknown: speed"),
    ("athlete\nAnn\n", "must include 'path'"),
    ("path,treadmill_speed_kmh,treadmill_speed_mps\nx.mp4,10,3\n", "not both"),
    ("path,height_cm\nx.mp4,tall\n", "line 2: height_cm must be a number"),
    ("path,date\nx.mp4,01/02/2026\n", "YYYY-MM-DD"),
    ("path,view\nx.mp4,diagonal\n", "view must be"),
])
def test_bad_manifest_is_a_clear_error(tmp_path, body, match):
    p = tmp_path / "m.csv"
    p.write_text(body)
    with pytest.raises(ConfigError, match=match):
        batch.read_manifest(p)


def test_clip_ids_disambiguate_equal_stems(tmp_path):
    ids = batch.clip_ids([tmp_path / "a" / "run.mp4", tmp_path / "b" / "run.mp4", tmp_path / "walk.mp4"])
    assert ids[0] != ids[1] and ids[0].startswith("run-") and ids[2] == "walk"


# ---------------------------------------------------------------------------------------------- run_batch (fakes)

def test_failures_are_recorded_and_the_batch_goes_on(tmp_path, fake_pipeline):
    clips = _clips(tmp_path, "good.mp4", "corrupt.mp4", "empty.mp4")
    out = tmp_path / "out"
    report = _run(clips + [tmp_path / "missing.mp4"], out)
    assert [r.status for r in report.results] == ["ok", "failed", "failed", "failed"]
    assert report.exit_code == 1
    fails = pd.read_csv(out / "failures.csv")
    assert list(fails["clip"]) == ["corrupt", "empty", "missing"]
    assert "not a readable video" in fails.reason[0] and "no runner" in fails.reason[1]
    assert "file not found" in fails.reason[2]
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.side) == ["both", "left", "right"] and set(summary["clip"]) == {"good"}
    assert summary.cadence_spm[0] == pytest.approx(report.results[0].doc["metrics"]["cadence_spm"]["value"])
    assert pd.read_parquet(out / "summary.parquet").shape == summary.shape
    assert (out / "good" / "analysis.json").exists() and (out / "good" / batch.KEY_FILE).exists()
    assert not (out / "corrupt" / batch.KEY_FILE).exists()


def test_rerun_skips_done_clips_and_force_redoes_them(tmp_path, fake_pipeline):
    clips = _clips(tmp_path, "good.mp4", "good2.mp4", "corrupt.mp4")
    out = tmp_path / "out"
    assert _run(clips, out).exit_code == 1
    fake_pipeline.clear()
    again = _run(clips, out)
    assert [r.status for r in again.results] == ["skipped", "skipped", "failed"]
    assert fake_pipeline == ["corrupt.mp4"]  # failures are retried, results are not redone
    assert len(pd.read_csv(out / "summary.csv")) == 6  # skipped clips stay in the summary
    fake_pipeline.clear()
    assert [r.status for r in _run(clips, out, force=True).results] == ["ok", "ok", "failed"]
    assert sorted(fake_pipeline) == sorted(c.name for c in clips)


def test_changed_content_or_settings_redo_the_clip(tmp_path, fake_pipeline, monkeypatch):
    (good,) = _clips(tmp_path, "good.mp4")
    out = tmp_path / "out"
    _run([good], out)
    good.write_bytes(b"new content")
    assert _run([good], out).results[0].status == "ok"
    assert _run([good], out).results[0].status == "skipped"
    specs = [batch.ClipSpec(good, RunnerInfo(view="side", height_m=1.8))]
    with cf.ThreadPoolExecutor(1) as ex:
        assert batch.run_batch(specs, out, ex, write_video=False).results[0].status == "ok"


def test_internal_errors_and_walking_are_failures_with_reasons(tmp_path, fake_pipeline):
    clips = _clips(tmp_path, "bug.mp4", "walk.mp4", "good.mp4")
    report = _run(clips, tmp_path / "out")
    r = {x.clip_id: x for x in report.results}
    assert r["bug"].status == "failed" and "internal error: ZeroDivisionError" in r["bug"].reason
    assert r["walk"].status == "failed" and r["walk"].reason.startswith("not running (walking)")
    assert r["good"].status == "ok"
    assert _run(clips[1:2], tmp_path / "out2", allow_walking=True).results[0].status == "ok"


def test_progress_reaches_the_main_process(tmp_path, fake_pipeline):
    events = []

    class Recorder(batch.BatchProgress):
        def start(self, n_clips, n_frames, n_skipped):
            events.append(("start", n_clips, n_skipped))

        def frames(self, clip_id, done, total):
            events.append(("frames", clip_id, done))

        def clip_done(self, result):
            events.append(("done", result.clip_id, result.status))

    clips = _clips(tmp_path, "good.mp4")
    _run(clips, tmp_path / "out", progress=Recorder())
    assert events[0] == ("start", 1, 0) and events[-1] == ("done", "good", "ok")
    assert ("frames", "good", 20) in events


def test_athlete_results_go_to_the_history_db(tmp_path, fake_pipeline):
    from formcheck.history import metric_history

    clips = _clips(tmp_path, "good.mp4", "corrupt.mp4")
    db = tmp_path / "h.sqlite"
    _run(clips, tmp_path / "out", athlete="Ann", db_path=db)
    h = metric_history(db, "Ann")
    assert set(h.date) == {"2026-04-01"} and "cadence_spm" in set(h.metric)


def test_batch_tables_match_the_documented_schema(tmp_path, fake_pipeline):
    text = (ROOT / "docs" / "data-schema.md").read_text()

    def documented(title):
        m = re.search(rf"^## {re.escape(title)}.*?$(.*?)(?=^## |\Z)", text, re.S | re.M)
        return re.findall(r"^\| `([^`]+)` \|", m.group(1), re.M)

    report = _run(_clips(tmp_path, "good.mp4", "corrupt.mp4"), tmp_path / "out")
    metrics = list(report.results[0].doc["metrics"])
    expected = []
    for c in documented("batch summary"):
        expected += [c.replace("<metric>", m) for m in metrics] if "<metric>" in c else [c]
    assert sorted(pd.read_csv(tmp_path / "out" / "summary.csv").columns) == sorted(expected)
    assert list(pd.read_csv(tmp_path / "out" / "failures.csv").columns) == documented("batch failures")


def test_make_executor_local_is_a_spawn_process_pool():
    with executors.make_executor(2, None) as ex:
        assert isinstance(ex, cf.ProcessPoolExecutor)
        assert ex._mp_context.get_start_method() == "spawn"


def test_unreachable_scheduler_is_a_one_line_error(tmp_path):
    from formcheck.cli import main

    (clip,) = _clips(tmp_path, "a.mp4")
    res = CliRunner().invoke(main, ["batch", str(clip), "--out", str(tmp_path / "o"),
                                    "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 1 and "cannot connect to the Dask scheduler" in res.output


# ---------------------------------------------------------------------------------------------- real clips

@pytest.fixture(scope="module")
def real_clips(tmp_path_factory):
    """One good running clip, one corrupt file (a truncated copy), one clip with no person."""
    from formcheck.errors import FormcheckError
    from formcheck.video import read_video_meta

    good = SAMPLES / "side_treadmill.mp4"
    try:
        read_video_meta(good)
    except FormcheckError:
        good = REAL_GOOD
    if not (good.exists() and NO_PERSON.exists()):
        pytest.skip("needs a running clip and the no-person clip (shared test data)")
    d = tmp_path_factory.mktemp("real")
    corrupt = d / "corrupt.mp4"
    corrupt.write_bytes(good.read_bytes()[:20_000])
    return [good, corrupt, NO_PERSON]


@pytest.fixture(scope="module")
def pose_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pose-cache")


def _cli_batch(args, monkeypatch, cache):
    from formcheck.cli import main

    monkeypatch.setenv("FORMCHECK_CACHE_DIR", str(cache))  # inherited by spawned workers
    return CliRunner().invoke(main, ["batch", *map(str, args)], catch_exceptions=False)


def _check_outcome(res, out: Path, good: Path):
    assert res.exit_code == 1, res.output
    fails = pd.read_csv(out / "failures.csv")
    assert len(fails) == 2
    reasons = dict(zip(fails["clip"], fails.reason))
    assert "corrupt" in reasons and "no runner detected" in reasons[NO_PERSON.stem]
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["clip"]) == {good.stem} and list(summary.side) == ["both", "left", "right"]
    assert 140 < summary.cadence_spm[0] < 190
    return summary


def test_real_batch_local_processes_then_resume(real_clips, tmp_path, monkeypatch, pose_cache):
    good = real_clips[0]
    out = tmp_path / "out"
    res = _cli_batch([*real_clips, "--out", out, "--workers", 2, "--no-video", "--athlete", "Ann"],
                     monkeypatch, pose_cache)
    _check_outcome(res, out, good)
    key = out / good.stem / batch.KEY_FILE
    stamp = key.stat().st_mtime_ns
    doc = json.loads((out / good.stem / "analysis.json").read_text())
    assert doc["result_key"] == json.loads(key.read_text())["key"] and doc["sha256"]
    assert doc["config"]["pose"]["workers"] == 1
    res = _cli_batch([*real_clips, "--out", out, "--workers", 2, "--no-video", "--athlete", "Ann"],
                     monkeypatch, pose_cache)
    _check_outcome(res, out, good)
    assert "1 skipped as already done" in " ".join(res.output.split())
    assert key.stat().st_mtime_ns == stamp  # the good clip was not redone
    from formcheck.history import metric_history

    assert "cadence_spm" in set(metric_history(out / "formcheck.sqlite", "Ann").metric)


def test_real_batch_on_a_dask_cluster(real_clips, tmp_path, monkeypatch, pose_cache):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv("FORMCHECK_CACHE_DIR", str(pose_cache))  # before the workers start
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        monkeypatch.setenv("FORMCHECK_SCHEDULER", lc.scheduler_address)
        out = tmp_path / "dask-out"
        res = _cli_batch([*real_clips, "--out", out, "--no-video"], monkeypatch, pose_cache)
        summary = _check_outcome(res, out, real_clips[0])
    monkeypatch.delenv("FORMCHECK_SCHEDULER")
    local = tmp_path / "local"
    res = _cli_batch([real_clips[0], "--out", local, "--workers", 1, "--no-video"], monkeypatch, pose_cache)
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(summary, pd.read_csv(local / "summary.csv"))
    shutil.rmtree(local)
