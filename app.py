"""formcheck for runners: upload running clips, see how you run, get cues and exercises.

Run with ``streamlit run app.py``. A thin shell over the core: ``pipeline`` measures each clip,
``session`` combines the clips, ``guidance`` rates the metrics and builds the plan, ``report`` writes
the HTML report. This page only collects inputs and lays out results; it holds no numerical code.

Caching: each clip's analysis (and annotated video) is cached by the clip's content hash and the
runner's details, so changing the pain questions re-runs only the assessment. No pose model object
is cached or shared: the core creates a fresh landmarker for every clip it decodes.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory

import streamlit as st

from formcheck import app_support as ui
from formcheck.config import AnalysisConfig
from formcheck.errors import FormcheckError
from formcheck.types import RunnerInfo

ROOT = Path(__file__).resolve().parent
SAMPLES = ("side_treadmill.mp4", "rear_treadmill.mp4")
SAMPLE_DIR = ROOT / "sample_videos"
SAMPLE_RUNNER = {"height_cm": 175, "where": "Treadmill", "speed_kmh": 10.8}  # as rendered (3.0 m/s)
VIEW_CHOICES = {"auto": "Detect automatically", "side": "Side", "rear": "From behind", "front": "From the front"}
PAIN_SIDES = {"none": "No pain", "left": "Left", "right": "Right", "both": "Both sides"}


# --------------------------------------------------------------------------- analysis (cached)
@st.cache_data(max_entries=12, show_spinner=False)
def probe_clip(digest: str, name: str, _data) -> tuple[object, str]:
    """(VideoMeta, "") when the upload decodes as a video, else (None, error message)."""
    from formcheck.video import read_video_meta

    with TemporaryDirectory() as tmp:
        path = Path(tmp) / ui.safe_filename(name)
        ui.write_upload(path, _data)
        try:
            return read_video_meta(path), ""
        except FormcheckError as e:
            return None, str(e).replace(str(path), name)


@st.cache_data(max_entries=12, show_spinner=False)
def analyse_clip(digest: str, name: str, runner: RunnerInfo, config: AnalysisConfig, _data) -> ui.ClipResult:
    """Pose estimation and gait analysis of one clip (cached by content hash + runner + config).

    Failures are returned (and cached) as ``ClipResult.error`` so a bad clip is not decoded again on
    every rerun. The progress bar is created inside, so Streamlit can replay this function's output.
    """
    from formcheck.pipeline import analyze_pose, estimate

    t0 = time.perf_counter()
    bar = st.progress(0.0, text=f"{name}: starting…")
    try:
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / ui.safe_filename(name)
            ui.write_upload(path, _data)
            pose, warnings, seconds = estimate(
                path, runner, config, progress=ui.ProgressThrottle(f"Finding the runner in {name}", bar.progress))
            bar.progress(1.0, text=f"{name}: measuring strides…")
            analysis = analyze_pose(pose, runner, config, warnings=warnings, pose_seconds=seconds)
        return ui.ClipResult(name, digest, analysis, seconds=time.perf_counter() - t0)
    except FormcheckError as e:
        return ui.ClipResult(name, digest, error=str(e), error_kind=type(e).__name__,
                             seconds=time.perf_counter() - t0)
    finally:
        bar.empty()


@st.cache_data(max_entries=12, show_spinner=False)
def annotated_video(digest: str, name: str, runner: RunnerInfo, config: AnalysisConfig, _data,
                    _analysis) -> bytes | None:
    """The annotated H.264 MP4 of one analysed clip (same cache key as ``analyse_clip``)."""
    from formcheck.annotate import write_annotated_video

    if not len(_analysis.pose):
        return None
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / ui.safe_filename(name)
        ui.write_upload(path, _data)
        analysis = replace(_analysis, meta=replace(_analysis.meta, path=path))
        return write_annotated_video(analysis, Path(tmp) / "annotated.mp4").read_bytes()


# --------------------------------------------------------------------------- inputs
def header_ui() -> None:
    st.title(":material/directions_run: formcheck")
    st.markdown("See how you run from a phone video: cadence, overstride, pelvic drop and more, "
                "with cues and exercises for running-related hip pain. "
                "**formcheck informs, it does not diagnose.**")


def how_to_film_ui(expanded: bool = False) -> None:
    with st.expander("How to film (read this first)", expanded=expanded, icon=":material/videocam:"):
        st.markdown(
            """
**Film two clips** after a 6–10 minute warm-up, at your usual easy pace:
1. **From the side** (cadence, overstride, knee and shin at landing, trunk lean).
2. **From behind** (pelvic drop, hip and knee angles, crossover).

**Camera**
- Phone on a tripod or a steady support, **level** (use the phone's level), landscape, no zoom or panning.
- Lens at **hip height**, **3–5 m** away (side) or 2–4 m straight behind, perpendicular to your running line.
- **60 fps or more** (120 fps is better); 720p or more. Slow-motion clips are fine.
- **Whole body in frame**, head to feet, plus the treadmill belt or the ground. One person only, good even light.
- **At least 30 s** per view (10 s is the minimum).

**Clothing**
- Fitted top and shorts or tights; shoes visible.
- **For the view from behind:** tuck in your top or wear a tight one, with **shorts of a contrasting colour**
  (or a belt or a strip of tape around the waist). formcheck measures pelvic drop from that waistband line;
  a loose top covering it means pelvic drop cannot be measured.

**Treadmill:** don't hold the rails, and enter the belt speed below. **Outdoors:** a flat, straight path,
run past the camera (side) and away from it (from behind), at a steady pace.
"""
        )


def _upload_digest(f) -> str:
    """Content hash of an upload, computed once per uploaded file."""
    memo = st.session_state.setdefault("_digests", {})
    if f.file_id not in memo:
        memo[f.file_id] = ui.digest(f.getbuffer())
    return memo[f.file_id]


def clips_ui() -> list[dict]:
    """Uploaded (or sample) clips: [{name, data, digest, view}] of the clips that decode."""
    st.subheader("1 · Your clips")
    files = st.file_uploader("Upload one or more clips of the same runner (for example one from the side and one "
                             "from behind)", type=list(ui.UPLOAD_TYPES), accept_multiple_files=True,
                             key="uploads")
    if not files and SAMPLE_DIR.is_dir() and all((SAMPLE_DIR / n).exists() for n in SAMPLES):
        col1, col2 = st.columns([1, 2], vertical_alignment="center")
        if col1.button("Try the sample clips", key="samples_btn"):
            st.session_state["use_samples"] = True
            st.session_state.update(SAMPLE_RUNNER)  # the demo runner's height and belt speed
        col2.caption("Two 10 s demo clips of a computer-generated treadmill runner (side and behind).")
    clips = []
    if files:
        st.session_state["use_samples"] = False
        clips = [{"name": f.name, "data": f, "digest": _upload_digest(f), "view": "auto"} for f in files]
    elif st.session_state.get("use_samples"):
        for name in SAMPLES:
            data = (SAMPLE_DIR / name).read_bytes()
            clips.append({"name": name, "data": data, "digest": ui.digest(data), "view": "auto"})
        st.info("Using the sample clips. Upload your own clips above to analyse your running.")
    usable, seen = [], {}
    for c in clips:
        if c["digest"] in seen:
            st.info(f"**{c['name']}** is the same clip as **{seen[c['digest']]}**: it is analysed once.")
            continue
        seen[c["digest"]] = c["name"]
        meta, err = probe_clip(c["digest"], c["name"], c["data"])
        with st.container(border=True):
            if meta is None:
                st.error(f"**{c['name']}** — {ui.error_help('VideoReadError')[0]} "
                         f"{ui.error_help('VideoReadError')[1]}\n\n`{err}`")
                continue
            left, right = st.columns([3, 2], vertical_alignment="center")
            left.markdown(f"**{c['name']}**  \n{ui.describe_clip(meta)}")
            options = list(VIEW_CHOICES)
            c["view"] = right.selectbox("Camera view", options, index=options.index(c["view"]),
                                        format_func=VIEW_CHOICES.get, key=f"view_{c['digest'][:16]}")
            for tip in ui.clip_advice(meta):
                st.caption(f":material/warning: {tip}")
        usable.append(c)
    return usable


def runner_ui() -> RunnerInfo:
    st.subheader("2 · About the run")
    col1, col2 = st.columns(2)
    height_cm = col1.number_input("Your height (cm)", min_value=80, max_value=250, value=None, step=1,
                                  placeholder="e.g. 175", help="Turns stride length and overstride into cm.",
                                  key="height_cm")
    where = col2.radio("Where did you run?", ["Treadmill", "Outdoors"], horizontal=True, key="where")
    kmh = None
    if where == "Treadmill":
        kmh = col2.number_input("Treadmill speed (km/h)", min_value=2.0, max_value=40.0, value=None, step=0.5,
                                placeholder="e.g. 10", help="Shown on the treadmill; gives stride length.",
                                key="speed_kmh")
    return RunnerInfo(height_m=height_cm / 100 if height_cm else None, treadmill_speed_mps=ui.speed_mps(kmh))


def symptoms_ui():
    """The symptom intake and the red-flag questions -> ``Symptoms``."""
    from formcheck.symptoms import CHARACTERS, LOCATIONS, WHEN, red_flag_questions, symptoms_from_mapping

    st.subheader("3 · Any hip pain? (optional)")
    side = st.radio("Where does it hurt?", list(PAIN_SIDES), format_func=PAIN_SIDES.get, horizontal=True,
                    key="pain_side")
    data: dict = {"pain_side": side}
    if side != "none":
        with st.container(border=True):
            data["locations"] = st.multiselect("Which part of the hip?", list(LOCATIONS), format_func=LOCATIONS.get,
                                               key="pain_locations")
            col1, col2 = st.columns(2)
            data["pain_score"] = col1.number_input("Worst pain in the last week (0–10)", 0, 10, value=None,
                                                   step=1, key="pain_score")
            data["duration_weeks"] = col2.number_input("For how many weeks?", 0.0, 520.0, value=None, step=1.0,
                                                       key="pain_weeks")
            data["character"] = st.multiselect("What does it feel like?", list(CHARACTERS),
                                               format_func=CHARACTERS.get, key="pain_character")
            data["when"] = st.multiselect("When does it hurt?", list(WHEN), format_func=WHEN.get, key="pain_when")
            col3, col4 = st.columns(2)
            data["age_years"] = col3.number_input("Your age", 3, 110, value=None, step=1, key="age")
            data["limp"] = col4.checkbox("I limp", key="limp")
            data["cambered_roads"] = col4.checkbox("I mostly run on one side of cambered roads", key="camber")
    with st.expander("Safety questions — please answer if anything hurts", expanded=side != "none",
                     icon=":material/flag:"):
        st.caption("A 'yes' to any of these means formcheck will not suggest exercises: see a clinician first.")
        data["red_flags"] = [rid for rid, q in red_flag_questions() if st.checkbox(q, key=f"rf_{rid}")]
    data = {k: v for k, v in data.items() if v not in (None, [], False)}
    try:
        return symptoms_from_mapping(data)
    except FormcheckError as e:
        st.error(f"Please check your answers: {e}")
        return None


def analyse_button_ui(clips: list[dict]) -> bool:
    """True once the runner has asked to analyse this set of clips (stays true on reruns)."""
    key = tuple(sorted(c["digest"] for c in clips))
    if st.session_state.get("use_samples") and st.session_state.get("samples_btn"):
        st.session_state["go"] = key  # "Try the sample clips" means: analyse them now
    if st.button("Analyse my running", type="primary", width="stretch", key="analyse_btn"):
        st.session_state["go"] = key
    return st.session_state.get("go") == key


# --------------------------------------------------------------------------- results
def run_clips(clips: list[dict], runner: RunnerInfo) -> list[ui.ClipResult]:
    config = AnalysisConfig()
    return [analyse_clip(c["digest"], c["name"], replace(runner, view=c["view"]), config, c["data"]) for c in clips]


def clip_errors_ui(results: list[ui.ClipResult]) -> None:
    for r in results:
        kind = ui.clip_problem(r)
        if not kind:
            continue
        title, tip = ui.error_help(kind)
        detail = r.error or "; ".join(getattr(r.analysis, "warnings", ()) or ())
        st.error(f"**{r.name}: {title}** {tip}" + (f"\n\nDetails: {detail}" if detail else ""))


def warnings_ui(results: list[ui.ClipResult], assessment) -> None:
    from formcheck.session import session_warnings

    notes = list(session_warnings([r.analysis for r in results]))
    if notes:
        st.warning("**About these clips**\n\n" + "\n".join(f"- {w}" for w in notes))
    hint = ui.missing_input_hint(assessment.statuses, assessment.runner)
    if hint:
        st.info(hint, icon=":material/straighten:")
    quality = list(assessment.data_quality)
    if quality:
        with st.expander(f"Measurement notes ({len(quality)})", icon=":material/info:"):
            st.markdown("\n".join(f"- {q}" for q in quality))


def red_flag_ui(assessment) -> None:
    tri = assessment.triage
    if tri.positive:
        st.error(f"### {tri.title}\n\n{tri.message}", icon=":material/flag:")


def videos_ui(results: list[ui.ClipResult]) -> list:
    """The video section with one empty slot per clip (filled last by ``fill_videos_ui``)."""
    st.subheader("Your running, annotated")
    st.caption("Orange = the runner's left side, blue = right side; a ring under the heel marks a foot on the "
               "ground.")
    tabs = st.tabs([r.name for r in results])
    slots = []
    for tab, r in zip(tabs, results):
        with tab:
            a = r.analysis
            n = len(a.strides) if a.strides is not None else 0
            st.caption(f"{ui.view_label(a.view)} · {n} strides measured")
            slots.append(st.empty())
    return slots


def fill_videos_ui(slots: list, results: list[ui.ClipResult], clips: dict[str, dict]) -> None:
    """Draw (or fetch from the cache) each annotated video and show it in its slot."""
    for slot, r in zip(slots, results):
        a = r.analysis
        with slot.container():
            with st.spinner(f"Drawing the annotated video of {r.name}…"):
                video = annotated_video(r.digest, r.name, a.runner, a.config, clips[r.digest]["data"], a)
            if video:
                st.video(video, format="video/mp4")
                st.download_button("Download annotated video", video, file_name=f"{Path(r.name).stem}_annotated.mp4",
                                   mime="video/mp4", key=f"dl_video_{r.digest[:16]}")


def cards_ui(assessment) -> None:
    st.subheader("Summary")
    st.caption(f"{ui.status_badge('typical')} in the usual range · {ui.status_badge('watch')} outside it · "
               f"{ui.status_badge('flag')} well outside it, or part of a pattern. "
               "Confidence says how far to trust the video measurement.")
    rated = [s for s in ui.card_rows(assessment.statuses) if s.status in ("flag", "watch", "typical")]
    for i in range(0, len(rated), 2):
        for col, s in zip(st.columns(2), rated[i:i + 2]):
            with col.container(border=True, height="stretch"):
                metric_card(s)
    with st.expander("All measurements", icon=":material/table:"):
        st.dataframe(ui.measurements_view(assessment.statuses), hide_index=True, width="stretch")
        missing = [s.label for s in assessment.statuses if s.status == "not_measured"]
        if missing:
            st.caption("Not measured in these clips: " + ", ".join(missing) + ".")


def metric_card(s) -> None:
    st.markdown(f"**{s.label}**  \n{ui.status_badge(s.status)} · confidence {ui.confidence_word(s.confidence)}")
    st.markdown(f"#### {s.fmt(s.value)}")
    sides = ui.side_values_text(s)
    typical = s.typical_text()
    where = f"from {s.source_clip}" if s.source_clip else ""
    st.caption("  \n".join(x for x in (sides, " · ".join(y for y in (typical, where) if y)) if x))
    if s.status in ("watch", "flag") and s.reason:
        st.caption(s.reason)


def plots_ui(results: list[ui.ClipResult], assessment) -> None:
    from formcheck.metrics import SPECS

    st.subheader("Stride by stride")
    labels = {s.name: s for s in assessment.statuses}
    for r in results:
        a = r.analysis
        cols = ui.plottable_columns(a.strides, [n for n in labels if n in SPECS])
        if not cols:
            continue
        with st.expander(f"{r.name} ({ui.view_label(a.view)})", expanded=r is results[0]):
            choice = st.selectbox("Metric", cols, format_func=lambda n: labels[n].label, key=f"plot_{r.digest[:16]}")
            s = labels[choice]
            st.pyplot(ui.stride_series_figure(a.strides, choice, s.label, s.unit_label, s.typical),
                      width="stretch")
            fig = cycle_plot(r)
            if fig is not None:
                st.pyplot(fig, width="stretch")


def contributors_ui(assessment) -> None:
    st.subheader("What may be contributing")
    if not assessment.contributors:
        st.write("Nothing in these clips stands out as linked with hip pain.")
        return
    for c in assessment.contributors:
        with st.container(border=True):
            st.markdown(f"**{c.name}**  \n:gray[Evidence {c.grade or 'n/a'} · measurement confidence {c.confidence}]")
            if c.reasons:
                st.markdown("\n".join(f"- {x}" for x in c.reasons))
            if c.refer:
                st.caption("This usually needs a clinician's examination.")
    for note in assessment.cautions:
        st.warning(note)


def plan_ui(assessment) -> None:
    plan = assessment.plan
    st.subheader("Your plan")
    if plan.suppressed:
        st.info(plan.suppressed_reason or "No cues or exercises: see a clinician first.")
        return
    if plan.cues:
        st.markdown("#### Running cues (try one at a time)")
        for cue in plan.cues:
            with st.container(border=True):
                st.markdown(f"**{cue.title}**  \n{cue.text}")
                if cue.why:
                    st.caption(f"Why: {cue.why}")
    if plan.exercises:
        st.markdown("#### Exercises")
        for ex in plan.exercises:
            with st.expander(f"{ex.name} — {ex.dosage}"):
                st.markdown(ex.how)
                if ex.progression:
                    st.markdown(f"**Progression:** {ex.progression}")
                if ex.for_what:
                    st.caption("For: " + ", ".join(ex.for_what))
                if ex.caution:
                    st.warning(ex.caution)
    if plan.advice:
        st.markdown("#### Advice")
        for item in plan.advice:
            st.markdown(f"- **{item.title}** — {item.text}")
    if plan.retest is not None:
        st.caption(f"Re-test: {plan.retest.text}")
    for note in plan.notes:
        st.caption(note)


def downloads_ui(results: list[ui.ClipResult], assessment) -> None:
    from formcheck.export import analysis_dict

    st.subheader("Downloads")
    analyses = [r.analysis for r in results]
    summary = ui.summary_table(assessment.statuses)
    strides = ui.strides_table([(r.name, r.analysis.strides) for r in results])
    doc = {"clips": [analysis_dict(a) for a in analyses], "summary": summary.to_dict(orient="records")}
    col1, col2 = st.columns(2)
    html = report_html(results, assessment)
    if html is not None:
        col1.download_button("Report (HTML)", html, icon=":material/description:", file_name="formcheck_report.html", mime="text/html",
                             width="stretch", key="dl_report")
    col2.download_button("Summary (CSV)", ui.csv_bytes(summary), file_name="formcheck_summary.csv",
                         mime="text/csv", width="stretch", key="dl_summary_csv")
    col1.download_button("Strides (CSV)", ui.csv_bytes(strides), file_name="formcheck_strides.csv",
                         mime="text/csv", width="stretch", key="dl_strides_csv")
    col2.download_button("Strides (Parquet)", ui.parquet_bytes(strides), file_name="formcheck_strides.parquet",
                         mime="application/octet-stream", width="stretch", key="dl_strides_parquet")
    col1.download_button("All results (JSON)", ui.json_bytes(doc), file_name="formcheck_results.json",
                         mime="application/json", width="stretch", key="dl_json")


def report_html(results: list[ui.ClipResult], assessment) -> bytes | None:
    """The self-contained HTML report, with the gait-cycle plots embedded."""
    try:
        from formcheck.report import render_html
        from formcheck.session import session_warnings
    except ImportError:
        st.caption("The HTML report is not available in this version.")
        return None
    images = {}
    for r in results:
        fig = cycle_plot(r)
        if fig is not None:
            images[f"{r.name}: left vs right over the gait cycle"] = ui.figure_png(fig)
    names = ", ".join(r.name for r in results)
    html = render_html(assessment, title="formcheck report", subtitle=f"Clips: {names}",
                       warnings=session_warnings([r.analysis for r in results]), images=images)
    return html.encode("utf-8")


def cycle_plot(r: ui.ClipResult):
    """Gait-cycle curves (left vs right) of one clip, or None when there are too few strides."""
    a = r.analysis
    ylabel, signals = ui.cycle_signals(a)
    curves = ui.cycle_curves(signals, (a.clean if a.clean is not None else a.pose).t_s, a.strides)
    if not curves:
        return None
    return ui.cycle_figure(curves, ylabel, f"{r.name}: left vs right over the gait cycle (mean ± SD)")


def results_ui(results: list[ui.ClipResult], clips: list[dict], symptoms) -> None:
    from formcheck.guidance import assess_session
    from formcheck.session import combine_session

    clip_errors_ui(results)
    good = [r for r in results if not ui.clip_problem(r)]
    if not good:
        return
    runner = good[0].analysis.runner
    metrics = combine_session([r.analysis for r in good])
    assessment = assess_session(metrics, symptoms, runner)
    st.divider()
    st.header("Results", anchor="results")
    red_flag_ui(assessment)
    warnings_ui(good, assessment)
    cards_ui(assessment)
    slots = videos_ui(good)
    contributors_ui(assessment)
    plan_ui(assessment)
    plots_ui(good, assessment)
    downloads_ui(good, assessment)
    st.caption(assessment.disclaimer)
    fill_videos_ui(slots, good, {c["digest"]: c for c in clips})


def main() -> None:
    st.set_page_config(page_title="formcheck · running form", page_icon=":material/directions_run:", layout="centered")
    header_ui()
    how_to_film_ui()
    clips = clips_ui()
    runner = runner_ui()
    symptoms = symptoms_ui()
    if not clips:
        st.caption("Upload a clip (or try the sample clips) to start.")
        return
    if not analyse_button_ui(clips):
        return
    link = st.empty()
    results = run_clips(clips, runner)
    if any(not ui.clip_problem(r) for r in results):
        link.markdown("[See your results below :material/arrow_downward:](#results)")
    results_ui(results, clips, symptoms)


if __name__ == "__main__":
    main()
