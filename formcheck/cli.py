"""``formcheck`` command line (a thin shell over the core).

Exit codes: 0 ok, 1 bad input or a failed clip (one-line message, no traceback), 2 usage error.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from pathlib import Path

import click

from formcheck.cli_options import runner_from_options, runner_options
from formcheck.errors import FormcheckError
from formcheck.symptoms import symptom_options


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="formcheck")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """formcheck - running-form analysis from video."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _progress_bar():
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                    transient=True, console=_console(stderr=True))


def _console(stderr: bool = False):
    from rich.console import Console

    con = Console(stderr=stderr, highlight=False)
    if not con.is_terminal:  # files and pipes: wide enough for the metrics table
        con = Console(stderr=stderr, highlight=False, width=120)
    return con


def _fmt(v: float, unit: str) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    digits = 3 if unit in ("s", "m", "frac", "leg", "1", "") else 1
    return f"{v:.{digits}f}"


def print_summary(a, out_dir: Path, wall_s: float) -> None:
    from rich.table import Table

    con = _console()
    p = a.pose
    view = f"{a.view.name} ({a.view.confidence:.0%})" if a.view else "-"
    con.print(f"[bold]{a.meta.path.name}[/]: {len(p)} frames at {p.fps:.1f} fps, pose in {p.detection_rate:.1%} "
              f"of frames, view {view}, {a.activity}; wall time {wall_s:.1f} s")
    measured = {n: m for n, m in a.metrics.items() if m.measured}
    if measured:
        t = Table(show_header=True, header_style="bold")
        for col in ("metric", "value", "unit", "IQR", "n", "left", "right", "conf."):
            t.add_column(col, no_wrap=True)
        for name, m in measured.items():
            iqr = f"{_fmt(m.q25, m.unit)} - {_fmt(m.q75, m.unit)}" if math.isfinite(m.q25) else ""
            t.add_row(name, _fmt(m.value, m.unit), m.unit, iqr, str(m.n),
                      _fmt(m.left.value, m.unit) if m.left else "", _fmt(m.right.value, m.unit) if m.right else "",
                      f"{m.confidence:.2f}")
        con.print(t)
    unmeasured = [n for n, m in a.metrics.items() if not m.measured]
    if unmeasured:
        con.print(f"not measured in this clip: {', '.join(unmeasured)}")
    for w in a.warnings:
        con.print(f"[yellow]warning:[/] {w}")
    con.print(f"results: {out_dir}")


@main.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(path_type=Path))
@runner_options()
@click.option("--model", type=click.Choice(["lite", "full", "heavy"]), default="full", show_default=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder [default: formcheck-results/<clip>].")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="TOML file with tuning settings.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes for pose estimation of one clip (contiguous chunks).")
@click.option("--no-cache", is_flag=True, help="Re-run pose estimation even if cached.")
@click.option("--no-video", is_flag=True, help="Skip writing annotated.mp4.")
@click.option("--from-landmarks", is_flag=True,
              help="VIDEOS are result folders or landmarks.parquet files: re-analyse without MediaPipe.")
@click.option("--athlete", help="Record the results in the athlete's history database.")
@click.option("--date", "session_date", help="Session date for the history (YYYY-MM-DD, default today).")
@click.option("--db", "db_path", type=click.Path(path_type=Path), help="History database [default: <out>/formcheck.sqlite].")
@click.option("--report/--no-report", default=True, show_default=True,
              help="Assess the session and write report.html / report.md.")
@symptom_options
def analyze(videos, view, height_cm, treadmill_speed_kmh, treadmill_speed_mps, capture_fps, model, out_dir,
            config_path, workers, no_cache, no_video, from_landmarks, athlete, session_date, db_path, report,
            symptoms):
    """Analyse clips of one runner: landmarks, annotated video, gait metrics, assessment and report.

    Several clips (e.g. a side and a rear view) are combined into one session: each metric comes from
    the view that measures it best, and report.html covers the whole session.
    """
    from formcheck.config import load_config

    runner = runner_from_options(view, height_cm, treadmill_speed_kmh, treadmill_speed_mps, capture_fps, athlete)
    try:
        config = load_config(config_path, pose={"model": model, "workers": workers, "cache": not no_cache})
    except FormcheckError as e:
        _fail(str(e))
    root = out_dir or Path("formcheck-results") / (videos[0].stem if len(videos) == 1 else "session")
    analyses, failures = [], []
    for video in videos:
        target = root if len(videos) == 1 else root / _clip_name(video)
        try:
            analyses.append(analyze_one(video, runner, config, target, write_video=not no_video,
                                        from_landmarks=from_landmarks))
        except FormcheckError as e:
            failures.append(video)
            msg = str(e) if video.name in str(e) else f"{video.name}: {e}"
            click.echo(f"error: {msg}", err=True)
    running = [a for a in analyses if a.activity == "running"]
    for a in analyses:
        if a.activity != "running":
            _console().print(f"{a.meta.path.name}: {a.activity}, not running: measured, but left out of the running "
                             "assessment (running norms, cues and exercises do not apply); film running to assess")
    if running and report:
        write_session(running, root, runner, symptoms)
        if athlete:
            from formcheck.history import default_db_path, record_analysis

            db = db_path or default_db_path(root)
            for a in analyses:
                record_analysis(db, a, athlete, session_date, result_dir=root)
            _console().print(f"history: {athlete} recorded in {db}")
    if failures:
        sys.exit(1)


def _clip_name(video: Path) -> str:
    return video.parent.name if video.name == "landmarks.parquet" else video.stem


def analyze_one(video: Path, runner, config, out_dir: Path, *, write_video: bool = True,
                from_landmarks: bool = False):
    from formcheck.annotate import write_annotated_video
    from formcheck.export import write_outputs
    from formcheck.pipeline import analyze_pose, estimate

    t0 = time.perf_counter()
    if from_landmarks:
        from formcheck.export import load_pose

        try:
            pose, warnings, seconds = load_pose(video), (), 0.0
        except (OSError, KeyError, ValueError) as e:
            raise FormcheckError(f"{video}: cannot read saved landmarks ({type(e).__name__}: {e})") from None
        write_video = write_video and pose.meta.path.exists()
    else:
        with _progress_bar() as bar:
            task = bar.add_task(f"pose {video.name}", total=None)
            pose, warnings, seconds = estimate(video, runner, config,
                                               progress=lambda d, n: bar.update(task, completed=d, total=n or None))
    a = analyze_pose(pose, runner, config, warnings=warnings, pose_seconds=seconds)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_outputs(a, out_dir)
    if write_video:
        with _progress_bar() as bar:
            task = bar.add_task("annotated video", total=len(a.pose))
            write_annotated_video(a, out_dir / "annotated.mp4", progress=lambda d, n: bar.update(task, completed=d))
    print_summary(a, out_dir, time.perf_counter() - t0)
    return a


def write_session(analyses, out_dir: Path, runner, symptoms) -> None:
    """Combine the clips, assess the session, write report.html / report.md / session.json, print the gist."""
    from formcheck.export import _clean, metric_dict, write_json
    from formcheck.guidance import assess_session
    from formcheck.report import render_html, render_markdown, to_json_dict
    from formcheck.session import combine_session, session_warnings

    metrics = combine_session(analyses)
    assessment = assess_session(metrics, symptoms, runner)
    warnings = session_warnings(analyses)
    title = "formcheck report"
    subtitle = ", ".join(f"{a.meta.path.name} ({a.view.name if a.view else '?'})" for a in analyses)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.html").write_text(render_html(assessment, title=title, subtitle=subtitle, warnings=warnings,
                                                     images=report_images(analyses)))
    (out_dir / "report.md").write_text(render_markdown(assessment, title=title, subtitle=subtitle, warnings=warnings))
    assessed = to_json_dict(assessment)
    write_json(_clean({"clips": [str(a.meta.path) for a in analyses],
                       "metrics": {k: metric_dict(m) for k, m in metrics.items()},
                       "assessment": assessed}), out_dir / "session.json")
    if len(analyses) == 1 and (out_dir / "analysis.json").exists():  # one clip: its analysis.json carries it
        doc = json.loads((out_dir / "analysis.json").read_text())
        doc.update({k: assessed[k] for k in ("findings", "contributors", "plan", "red_flags")})
        doc["assessment"] = assessed
        write_json(doc, out_dir / "analysis.json")
    print_assessment(assessment, out_dir)


SERIES_FOR_REPORT = (("cadence_spm", "cadence", "steps/min"), ("knee_flexion_ic_deg", "knee flexion at contact", "deg"),
                     ("pelvic_drop_deg", "contralateral pelvic drop", "deg"), ("step_width_cm", "step width", "cm"))


def report_images(analyses) -> list[tuple[str, bytes]]:
    """Key frame at initial contact, gait-cycle curves (left vs right) and per-stride series, as PNGs."""
    import cv2

    from formcheck import plots
    from formcheck.annotate import key_frame_at_contact

    images = []
    for a in analyses:
        if a.strides is None or not len(a.strides):
            continue
        key = key_frame_at_contact(a)
        if key is not None:
            ok, png = cv2.imencode(".png", cv2.cvtColor(key[1], cv2.COLOR_RGB2BGR))
            if ok:
                images.append((key[0], png.tobytes()))
        label, signals = plots.cycle_signals(a)
        curves = plots.cycle_curves(signals, (a.clean or a.pose).t_s, a.strides)
        if curves:
            images.append((f"{a.meta.path.name}: {label} over the gait cycle",
                           plots.figure_png(plots.cycle_figure(curves, label, a.meta.path.name))))
        for column, label, unit in SERIES_FOR_REPORT:
            if column in plots.plottable_columns(a.strides, [column]):
                fig = plots.stride_series_figure(a.strides, column, label, unit)
                images.append((f"{a.meta.path.name}: {label}, stride by stride", plots.figure_png(fig)))
    return images


def print_assessment(assessment, out_dir: Path) -> None:
    con = _console()
    if assessment.triage.positive:
        con.print(f"[bold red]{assessment.triage.title}[/]: {assessment.triage.message}")
    for c in assessment.contributors[:3]:
        con.print(f"[bold]possible contributor:[/] {c.chain}")
    for cue in assessment.plan.cues:
        con.print(f"[bold]cue:[/] {cue.text}")
    for ex in assessment.plan.exercises:
        con.print(f"[bold]exercise:[/] {ex.name} - {ex.dosage}")
    if assessment.plan.suppressed:
        con.print(f"[bold]no exercise programme:[/] {assessment.plan.suppressed_reason}")
    for note in assessment.plan.notes:
        con.print(f"[bold]note:[/] {note}")
    if assessment.plan.retest is not None:
        con.print(f"[bold]re-test:[/] {assessment.plan.retest.text}")
    con.print(f"report: {out_dir / 'report.html'}")


@main.group()
def models():
    """Build and check the BlazePose model bundles (offline, from registry packages)."""


@models.command("build")
@click.argument("names", nargs=-1, type=click.Choice(["lite", "full", "heavy"]))
@click.option("--force", is_flag=True, help="Rebuild even if a verified bundle exists.")
def models_build(names, force):
    """Build pose_landmarker_{lite,full,heavy}.task (default: all three)."""
    from formcheck.models import MODEL_NAMES, build_models, model_dir

    names = names or MODEL_NAMES
    try:
        built = build_models(names, force=force)
    except FormcheckError as e:
        _fail(str(e))
    for name, path in built.items():
        click.echo(f"{name}: {path}")
    click.echo(f"models in {model_dir()}")


@models.command("verify")
def models_verify():
    """Check the sha256 of every built bundle."""
    from formcheck.models import MODEL_NAMES, bundle_path, verify_bundle

    bad = 0
    for name in MODEL_NAMES:
        if not bundle_path(name).exists():
            click.echo(f"{name}: not built")
            continue
        try:
            click.echo(f"{name}: ok {verify_bundle(name)}")
        except FormcheckError as e:
            bad += 1
            click.echo(f"{name}: {e}")
    sys.exit(1 if bad else 0)


@main.command("config")
def config_cmd():
    """Print the default configuration as commented TOML."""
    from formcheck.config import default_config_toml

    click.echo(default_config_toml())


from formcheck.cli_batch import batch, export, history  # noqa: E402
from formcheck.synth.cli import synth  # noqa: E402

main.add_command(batch)
main.add_command(history)
main.add_command(export)
main.add_command(synth)


if __name__ == "__main__":
    main()
