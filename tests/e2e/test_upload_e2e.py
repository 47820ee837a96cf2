"""End to end in a real browser: upload sample clips to ``streamlit run app.py`` and check the results.

Headless Debian Chromium driven by Playwright (fixtures in ``conftest.py``). Checks what ``AppTest``
cannot: the upload widget, the rendered layout, that the annotated H.264 video really decodes and
plays in Chromium, and that the HTML report downloads. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SIDE = ROOT / "sample_videos" / "side_treadmill.mp4"
REAR = ROOT / "sample_videos" / "rear_treadmill.mp4"
RESULTS_TIMEOUT_MS = 420_000  # pose estimation of a 10 s, 60 fps clip on a busy 2-core machine

VIDEO_PLAYS_JS = """() => {
    const v = document.querySelector('video');
    if (!v) return false;
    if (v.paused) { v.muted = true; v.play().catch(() => {}); }
    return v.readyState >= 2 && v.duration > 0 && v.videoWidth > 0 && v.currentTime > 0.1;
}"""


def _need(*clips: Path) -> None:
    missing = [c.name for c in clips if not c.exists()]
    if missing:
        pytest.fail(f"sample clip(s) missing: {', '.join(missing)} (run sample_videos/make_samples.sh)")


def _upload_and_analyse(page, url: str, clips: list[Path], *, before_analyse=None, during_analysis=None) -> dict:
    """Open the page, upload ``clips``, press Analyse, wait for the results. Returns timings [s]."""
    page.goto(url)
    page.get_by_text("How to film").wait_for()
    t0 = time.perf_counter()
    page.locator("input[type=file]").set_input_files([str(c) for c in clips])
    for c in clips:
        page.get_by_text(c.name, exact=True).first.wait_for()
    page.get_by_text("Camera view").nth(len(clips) - 1).wait_for()  # every clip passed the decode check
    _wait_idle(page)
    if before_analyse:
        before_analyse(page)
    t_click = time.perf_counter()
    page.get_by_role("button", name="Analyse my running").click()
    if during_analysis:
        during_analysis(page)
    page.get_by_role("heading", name="Summary").wait_for(timeout=RESULTS_TIMEOUT_MS)
    t_summary = time.perf_counter()
    page.wait_for_function(VIDEO_PLAYS_JS, timeout=RESULTS_TIMEOUT_MS, polling=500)
    t_video = time.perf_counter()
    return {"clips": [c.name for c in clips],
            "upload_to_summary_s": round(t_summary - t0, 1),
            "analyse_click_to_summary_s": round(t_summary - t_click, 1),
            "upload_to_video_playing_s": round(t_video - t0, 1)}


def _wait_idle(page) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')", timeout=60_000)


def _full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its own container: grow the viewport to the content, then capture."""
    page.wait_for_timeout(500)
    height = page.evaluate("""() => {
        const m = document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
        return Math.max(m.scrollHeight, document.body.scrollHeight);
    }""")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 30_000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)


def _sample_runner_with_left_outer_hip_pain(page) -> None:
    """The sample runner's height and belt speed, and lateral (outer) hip pain on the left."""
    for label, value in (("Your height (cm)", "175"), ("Treadmill speed (km/h)", "10.8")):
        box = page.get_by_role("spinbutton", name=label)
        box.fill(value)
        box.press("Enter")
        _wait_idle(page)
        assert float(box.input_value()) == float(value), label
    page.get_by_text("Left", exact=True).click()
    page.get_by_text("Which part of the hip?").wait_for()
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Which part of the hip?")
    box.locator("input").click()
    page.get_by_role("option", name="outer hip").click()
    page.keyboard.press("Escape")
    _wait_idle(page)


def _progress_shown(page, artifacts: Path) -> None:
    """While the pose model runs: a progress bar with a percentage and the time left."""
    bar = page.locator('[data-testid="stProgress"]').filter(has_text=re.compile(r"\d+% · about .+ left"))
    bar.first.wait_for(timeout=RESULTS_TIMEOUT_MS)
    text = bar.first.inner_text()
    assert "%" in text and "left" in text, text
    page.screenshot(path=str(artifacts / "e2e_progress.png"))


def test_side_and_rear_clips_with_left_outer_hip_pain(page, app_url, artifacts):
    """The issue's acceptance run: side + rear sample clips, lateral hip pain on the left."""
    _need(SIDE, REAR)
    timing = _upload_and_analyse(page, app_url, [SIDE, REAR], before_analyse=_sample_runner_with_left_outer_hip_pain,
                                 during_analysis=lambda p: _progress_shown(p, artifacts))
    main = page.locator('[data-testid="stMain"]')
    for text in ("Cadence (step rate)", "Pelvic drop", "What may be contributing", "Your plan"):
        assert main.get_by_text(text).first.is_visible(), f"{text!r} not shown"
    assert page.locator("video").count() >= 1
    assert not page.locator('[data-testid="stException"]').count(), "the page raised an exception"
    _full_page_screenshot(page, artifacts / "app_results_side_rear.png")
    (artifacts / "app_results_side_rear_timing.json").write_text(json.dumps(timing, indent=2))


def test_upload_side_clip_shows_results_video_and_report(page, app_url, artifacts):
    _need(SIDE)
    timing = _upload_and_analyse(page, app_url, [SIDE])

    main = page.locator('[data-testid="stMain"]')
    for text in ("Cadence (step rate)", "steps/min", "Heel ahead of hip at contact"):
        assert main.get_by_text(text).first.is_visible(), f"{text!r} not shown"
    assert not page.locator('[data-testid="stException"]').count(), "the page raised an exception"

    state = page.evaluate("""() => { const v = document.querySelector('video');
        return {ready: v.readyState, dur: v.duration, w: v.videoWidth, h: v.videoHeight, t: v.currentTime,
                err: v.error && v.error.code}; }""")
    assert state["ready"] >= 2 and state["dur"] > 0 and state["w"] > 0 and not state["err"], state

    page.get_by_role("button", name="Report (HTML)").scroll_into_view_if_needed()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Report (HTML)").click()
    report = artifacts / "e2e_report.html"
    dl.value.save_as(report)
    html = report.read_text(encoding="utf-8")
    assert "<html" in html.lower() and "Cadence" in html and "does not diagnose" in html
    assert "data:image/png;base64," in html  # the gait-cycle plot is embedded

    page.get_by_role("heading", name="Summary").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "e2e_side_summary.png"))
    (artifacts / "e2e_side_timing.json").write_text(json.dumps(timing, indent=2))


def test_phone_layout_start_and_sample_results(browser, app_url, artifacts):
    """On a phone-sized screen: no sideways scrolling, uploader reachable, sample results readable.

    Runs after the side + rear test, so the sample clips usually come from the page's cache.
    """
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                              has_touch=True)
    page = ctx.new_page()

    def overflow() -> int:
        return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")

    try:
        page.goto(app_url)
        page.get_by_text("How to film").wait_for(timeout=30_000)
        page.locator('[data-testid="stFileUploader"]').wait_for(timeout=30_000)
        _wait_idle(page)
        assert page.locator("input[type=file]").count() == 1
        assert "500MB per file" in page.locator('[data-testid="stFileUploader"]').inner_text()  # config.toml
        assert overflow() <= 1, f"page is {overflow()}px wider than the phone screen"
        page.screenshot(path=str(artifacts / "e2e_phone_start.png"))

        _need(SIDE, REAR)
        page.get_by_role("button", name="Try the sample clips").click()
        page.get_by_role("heading", name="Summary").wait_for(timeout=RESULTS_TIMEOUT_MS)
        _wait_idle(page)
        assert overflow() <= 1, f"results are {overflow()}px wider than the phone screen"
        page.get_by_role("heading", name="Summary").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "e2e_phone_results.png"))
    finally:
        ctx.close()
