"""Markdown / HTML / JSON rendering of an assessment."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pytest

from formcheck.guidance import DISCLAIMER, assess_session
from formcheck.report import gauge_svg, render_html, render_markdown, to_json_dict
from formcheck.session import combine_session
from formcheck.symptoms import Symptoms
from formcheck.types import MetricValue, RunnerInfo, SideValue

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
EVIL = "<script>alert('x')</script>"
PNG_1PX = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _sv(v):
    return SideValue(v, v - 0.8, v + 0.8, 14)


def _session():
    side = ("side <b>run</b>.mp4", "side", {
        "cadence_spm": MetricValue("cadence_spm", 158.0, "spm", 157, 160, 30, 0.92),
        "overstride_leg": MetricValue("overstride_leg", 0.27, "leg", n=14, confidence=0.7,
                                      left=_sv(0.26), right=_sv(0.28)),
        "shank_angle_ic_deg": MetricValue("shank_angle_ic_deg", 8.0, "deg", n=14, confidence=0.7),
        "trunk_lean_deg": MetricValue("trunk_lean_deg", 9.0, "deg", n=30, confidence=0.8),
        "contact_time_s": MetricValue("contact_time_s", 0.262, "s", n=30, confidence=0.6),
    })
    rear = ("rear.mp4", "rear", {
        "cadence_spm": MetricValue("cadence_spm", 158.5, "spm", n=30, confidence=0.95),
        "pelvic_drop_deg": MetricValue("pelvic_drop_deg", 7.1, "deg", n=28, confidence=0.75,
                                       left=_sv(4.6), right=_sv(9.4)),
        "hip_adduction_deg": MetricValue("hip_adduction_deg", 11.0, "deg", n=28, confidence=0.5,
                                         left=_sv(9.0), right=_sv(13.0)),
        "step_width_cm": MetricValue("step_width_cm", 3.0, "cm", n=28, confidence=0.4),
    })
    return combine_session([side, rear])


def _assessment(**symptoms):
    s = dict(pain_side="right", locations=("outer_hip",), when=("lying_on_side",), pain_score=4,
             duration_weeks=6, notes=EVIL)
    s.update(symptoms)
    return assess_session(_session(), Symptoms(**s), RunnerInfo(treadmill_speed_mps=3.0, height_m=1.75))


def test_html_renders_self_contained_with_disclaimer_and_sections():
    a = _assessment()
    page = render_html(a, title="Runner <A>", warnings=("rear.mp4: camera tilt <2 deg>",),
                       images=[("Pelvic drop per stride", PNG_1PX)])
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "formcheck informs, it does not diagnose" in page
    assert page.count(DISCLAIMER.split(".")[0]) >= 2  # top and bottom
    for section in ("Data quality", "Measurements", "Likely contributors", "Running cues", "Exercises",
                    "Advice", "Re-test", "Sources"):
        assert section in page, section
    # no external assets
    assert not re.search(r'(src|href)="(https?:)?//', page) and "<link" not in page and "<script" not in page
    assert "data:image/png;base64," in page
    assert "<svg" in page  # gauges
    assert "rear.mp4" in page  # source clip named on the card


def test_html_escapes_user_text():
    page = render_html(_assessment(), title="Runner <A>", warnings=("clip: <img src=x onerror=alert(1)>",))
    assert EVIL not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "Runner &lt;A&gt;" in page
    assert "side &lt;b&gt;run&lt;/b&gt;.mp4" in page


def test_markdown_escapes_and_contains_chain_and_disclaimer():
    a = _assessment()
    md = render_markdown(a, warnings=("w <b>",))
    assert "formcheck informs, it does not diagnose" in md
    assert EVIL not in md and "&lt;script&gt;" in md
    assert a.contributors[0].chain.split(" -> ")[0].split(",")[0] in md
    assert "## Sources" in md


def test_red_flag_card_replaces_plan():
    a = _assessment(red_flags=("groin_pain_weight_bearing",))
    page = render_html(a)
    assert 'id="red-flags"' in page and "See a clinician" in page and 'id="plan-suppressed"' in page
    assert 'class="box exercise"' not in page and 'id="cue-' not in page
    assert "stress fracture" in page
    md = render_markdown(a)
    assert "No cues or exercises" in md


def test_report_shows_contributor_and_plan_content():
    a = _assessment()
    assert a.contributors[0].id == "gluteal_tendinopathy"
    page = render_html(a)
    assert "9.4 deg in right stance" in page
    cue = next(c for c in a.plan.cues if c.id == "cadence_up")
    assert str(cue.bpm_first) in page
    assert a.plan.exercises[0].name in page and a.plan.exercises[0].dosage in page
    assert "provisional" in page  # unverified values are visible as such


def test_json_dict_is_strict_json_with_expected_keys():
    d = to_json_dict(_assessment())
    text = json.dumps(d, allow_nan=False)
    for key in ("findings", "contributors", "plan", "red_flags", "citations", "disclaimer"):
        assert key in d
    back = json.loads(text)
    assert back["contributors"][0]["id"] == "gluteal_tendinopathy"
    assert back["red_flags"]["positive"] is False
    pd = next(f for f in back["findings"] if f["name"] == "pelvic_drop_deg")
    assert pd["source_clip"] == "rear.mp4" and pd["status"] in ("watch", "flag")


def test_gauge_svg_only_when_there_is_something_to_draw():
    a = _assessment()
    assert gauge_svg(a.status("pelvic_drop_deg")).startswith("<svg")
    b = assess_session({"pelvic_drop_deg": MetricValue("pelvic_drop_deg", float("nan"), "deg", reason="no rear")})
    assert gauge_svg(b.status("pelvic_drop_deg")) == ""


@pytest.mark.e2e
def test_html_report_screenshot_in_headless_chromium():
    """Render the report in a real browser and keep a screenshot in test-artifacts/ for review."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH")
    ARTIFACTS.mkdir(exist_ok=True)
    html_path = ARTIFACTS / "guidance_report.html"
    html_path.write_text(render_html(_assessment(), title="formcheck report - sample session"), encoding="utf-8")
    errors: list[str] = []

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(html_path.as_uri())
        assert "does not diagnose" in page.inner_text("#disclaimer")
        page.screenshot(path=str(ARTIFACTS / "guidance_report.png"), full_page=True)
        browser.close()
    assert not errors
    assert (ARTIFACTS / "guidance_report.png").stat().st_size > 10_000
