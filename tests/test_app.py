"""The Streamlit page (``app.py``) with ``streamlit.testing.v1.AppTest``, plus its pure helpers.

Fast tests replace pose estimation (``pipeline.estimate``) with a synthetic runner and the annotated
video with a stub, and run the real gait analysis, session, assessment and report. One slow test
runs the real pipeline on a sample clip. Layout and video playback are covered by ``tests/e2e``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from fcutil import write_clip
from streamlit.testing.v1 import AppTest

from formcheck import app_support as ui
from formcheck.errors import InsufficientStridesError, NoRunnerDetectedError

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SAMPLES = ("side_treadmill.mp4", "rear_treadmill.mp4")


# --------------------------------------------------------------------------- helpers
@pytest.fixture(autouse=True)
def _fresh_caches():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> bytes:
    """A small real H.264 clip (so the upload passes the decode check); its pixels are not used."""
    path = write_clip(tmp_path_factory.mktemp("clip") / "run.mp4", [i / 60 for i in range(30)])
    return path.read_bytes()


@pytest.fixture
def fake_pose(monkeypatch):
    """Replace pose estimation and video drawing; count how often each runs."""
    from synthetic_gait import side_runner

    import formcheck.annotate
    import formcheck.pipeline

    calls = {"estimate": 0, "video": 0, "error": None}
    pose, _truth = side_runner(noise_px=0.5, seed=1)

    def estimate(video, runner, config, *, progress=None):
        calls["estimate"] += 1
        if calls["error"] is not None:
            raise calls["error"]
        n = len(pose)
        for i in range(0, n + 1, 50):
            progress and progress(min(i, n), n)
        return replace(pose, meta=replace(pose.meta, path=Path(video))), (), 0.01

    def write_video(analysis, out_path, **kw):
        calls["video"] += 1
        Path(out_path).write_bytes(b"\x00\x00\x00\x18ftypmp42")
        return Path(out_path)

    monkeypatch.setattr(formcheck.pipeline, "estimate", estimate)
    monkeypatch.setattr(formcheck.annotate, "write_annotated_video", write_video)
    return calls


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="uploads").set_value([(name, data, "video/mp4")])
    at.run()
    assert not at.exception, at.exception
    return at


def _analyse(at: AppTest) -> AppTest:
    at.button(key="analyse_btn").click()
    at.run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "subheader", "header")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def _left_outer_hip_pain(at: AppTest) -> AppTest:
    at.radio(key="pain_side").set_value("left").run()
    at.multiselect(key="pain_locations").set_value(["outer_hip"]).run()
    assert not at.exception, at.exception
    return at


# --------------------------------------------------------------------------- page flows
def test_start_page_has_uploader_and_filming_guide():
    at = _app()
    assert at.title[0].value.endswith("formcheck")
    guide = _text(at)
    for point in ("hip height", "3–5 m", "60 fps", "Whole body", "30 s", "level", "tuck in your top",
                  "contrasting colour", "belt"):
        assert point in guide, point
    assert len(at.get("file_uploader")) == 1
    assert "analyse_btn" not in [b.key for b in at.button]
    assert "Results" not in [h.value for h in at.header]


def test_bad_file_gets_a_clear_message_and_no_analysis(fake_pose):
    at = _upload(_app(), "holiday.mp4", b"this is not a video at all" * 100)
    errors = " ".join(e.value for e in at.error)
    assert "could not be read as a video" in errors and "holiday.mp4" in errors
    assert "analyse_btn" not in [b.key for b in at.button]
    assert fake_pose["estimate"] == 0


def test_the_same_clip_twice_is_analysed_once(fake_pose, tiny_clip):
    at = _app()
    at.file_uploader(key="uploads").set_value([("a.mp4", tiny_clip, "video/mp4"), ("b.mp4", tiny_clip, "video/mp4")])
    at.run()
    assert not at.exception, at.exception
    assert "same clip as" in " ".join(i.value for i in at.info)
    assert len(at.selectbox) == 1
    _analyse(at)
    assert fake_pose["estimate"] == 1 and len(at.get("video")) == 1


def test_short_low_resolution_clip_gets_filming_tips_before_analysis(fake_pose, tiny_clip):
    at = _upload(_app(), "short.mp4", tiny_clip)
    tips = " ".join(c.value for c in at.caption)
    assert "only 0.5 s long" in tips and "low resolution" in tips
    assert "analyse_btn" in [b.key for b in at.button]  # a tip, not a refusal
    assert fake_pose["estimate"] == 0


def test_upload_shows_results_and_symptoms_rerun_only_the_assessment(fake_pose, tiny_clip):
    at = _analyse(_upload(_app(), "my_run.mp4", tiny_clip))
    subheaders = [s.value for s in at.subheader]
    for section in ("Summary", "Your running, annotated", "What may be contributing", "Your plan",
                    "Stride by stride", "Downloads"):
        assert section in subheaders, section
    text = _text(at)
    assert "Cadence (step rate)" in text and "steps/min" in text
    assert len(at.get("video")) == 1
    labels = {b.label for b in at.get("download_button")}
    assert {"Report (HTML)", "Summary (CSV)", "Strides (CSV)", "Strides (Parquet)", "All results (JSON)",
            "Download annotated video"} <= labels
    assert fake_pose == {"estimate": 1, "video": 1, "error": None}
    assert "Enter your height" in " ".join(i.value for i in at.info)  # no height given: ask for it

    _left_outer_hip_pain(at)
    text = _text(at)
    assert "outer hip pain on the left" in text.lower()
    assert "Exercises" in text
    assert fake_pose["estimate"] == 1 and fake_pose["video"] == 1, "symptoms must not re-run the analysis"


def test_red_flag_shows_the_clinician_message_and_no_exercises(fake_pose, tiny_clip):
    at = _left_outer_hip_pain(_analyse(_upload(_app(), "my_run.mp4", tiny_clip)))
    assert "Exercises" in _text(at)
    at.checkbox(key="rf_night_rest_pain").check().run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "See a clinician" in errors
    text = _text(at)
    assert "#### Exercises" not in text and "Running cues" not in text
    assert "Summary" in [s.value for s in at.subheader], "measurements stay visible for information"
    assert fake_pose["estimate"] == 1


@pytest.mark.parametrize("error, message", [
    (NoRunnerDetectedError("run.mp4: no runner detected"), "No runner was found"),
    (InsufficientStridesError(2, 6), "Too few strides"),
])
def test_core_errors_become_plain_messages(fake_pose, tiny_clip, error, message):
    fake_pose["error"] = error
    at = _analyse(_upload(_app(), "run.mp4", tiny_clip))
    errors = " ".join(e.value for e in at.error)
    assert message in errors and str(error) in errors
    assert "Summary" not in [s.value for s in at.subheader]


def test_walking_clip_is_explained(fake_pose, tiny_clip, monkeypatch):
    import formcheck.pipeline

    real = formcheck.pipeline.analyze_pose
    monkeypatch.setattr(formcheck.pipeline, "analyze_pose",
                        lambda *a, **k: replace(real(*a, **k), activity="walking"))
    at = _analyse(_upload(_app(), "walk.mp4", tiny_clip))
    assert "looks like walking" in " ".join(e.value for e in at.error)
    assert "Summary" not in [s.value for s in at.subheader]


@pytest.mark.slow
@pytest.mark.skipif(not all((ROOT / "sample_videos" / n).exists() for n in SAMPLES),
                    reason="sample clips not generated (sample_videos/make_samples.sh)")
def test_sample_clips_real_pipeline():
    """"Try the sample clips": the real pipeline (pose, gait, session, annotated videos) on both clips."""
    at = AppTest.from_file(APP, default_timeout=900)
    at.run()
    at.button(key="samples_btn").click().run()
    assert not at.exception, at.exception
    assert at.number_input(key="height_cm").value == 175  # the demo runner's details are filled in
    assert not at.error, [e.value for e in at.error]
    text = _text(at)
    cadence = next(m.value for m in at.markdown if m.value.startswith("#### ") and "steps/min" in m.value)
    assert 160 <= float(cadence.split()[1]) <= 180  # rendered at 170 steps/min
    assert "side view (detected" in text and "rear view (detected" in text
    assert "pelvic drop" in text.lower()
    assert len(at.get("video")) == 2


# --------------------------------------------------------------------------- pure helpers
def test_progress_text_gives_percentage_and_time_left():
    assert ui.progress_text("Pose", 0, None, 0.0) == (0.0, "Pose: frame 0…")
    frac, text = ui.progress_text("Pose", 150, 600, 10.0)
    assert frac == 0.25 and text == "Pose: 25% · about 30 s left"
    assert ui.progress_text("Pose", 300, 600, 90.0)[1] == "Pose: 50% · about 1 min 30 s left"
    assert ui.progress_text("Pose", 600, 600, 20.0)[1] == "Pose: 100%"
    # measured from the first report (done=60), not from the start-up
    assert ui.progress_text("Pose", 120, 600, 6.0, done_at_start=60)[1] == "Pose: 20% · about 48 s left"


def test_progress_throttle_limits_updates_and_always_shows_the_end():
    now = [0.0]
    seen = []
    th = ui.ProgressThrottle("x", lambda f, t: seen.append(f), max_updates=10, min_interval_s=0.5,
                             clock=lambda: now[0])
    for i in range(1, 1001):
        now[0] = i * 0.01
        th(i, 1000)
    assert 5 <= len(seen) <= 25 and seen[-1] == 1.0


def test_helpers_for_inputs():
    assert ui.speed_mps(10.8) == pytest.approx(3.0) and ui.speed_mps(None) is None
    assert ui.safe_filename("../../etc/passwd") == "passwd"
    assert ui.safe_filename("my run (1).MOV") == "my_run_1_.MOV"
    assert ui.digest(b"a") == ui.digest(b"a") != ui.digest(b"b")
    assert ui.status_badge("flag") == ":red-badge[Flag]"
    assert [ui.confidence_word(c) for c in (0.9, 0.5, 0.1, np.nan)] == ["high", "medium", "low", "unknown"]


def test_stride_series_breaks_the_line_at_missing_strides():
    x, y = ui.broken_line(np.array([0.0, 0.7, 1.4, 3.5, 4.2]), np.arange(5.0), np.full(5, 0.7))
    assert np.isnan(x[3]) and np.isnan(y[3]) and len(x) == 6
    assert np.array_equal(x[[0, 1, 2, 4, 5]], [0.0, 0.7, 1.4, 3.5, 4.2])


def test_cycle_curves_average_each_side_over_its_strides():
    import pandas as pd

    t = np.arange(0, 4, 0.01)
    sig = {"left": np.sin(2 * np.pi * t), "right": np.cos(2 * np.pi * t)}
    strides = pd.DataFrame({"side": ["left"] * 3 + ["right"] * 3, "start_s": [0, 1, 2, 0.25, 1.25, 2.25],
                            "end_s": [1, 2, 3, 1.25, 2.25, 3.25]})
    curves = ui.cycle_curves(sig, t, strides)
    assert curves["left"].n == 3 and curves["right"].n == 3
    assert curves["left"].mean[25] == pytest.approx(1.0, abs=1e-3)  # sin peaks at 25 % of the cycle
    assert curves["right"].mean[0] == pytest.approx(0.0, abs=1e-2)  # cos(pi/2) at the right's IC
    fig = ui.cycle_figure(curves, "angle", "t")
    assert ui.figure_png(fig).startswith(b"\x89PNG")
