"""Click options shared by the commands that analyse clips (``analyze``, ``batch``)."""

from __future__ import annotations

import click

from formcheck.types import KMH_PER_MPS


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


def runner_options(note: str = ""):
    """Click options for the facts about a clip (view, height, belt speed, capture fps).

    ``note`` is appended to each help text (e.g. that manifest rows override them)."""

    def decorate(func):
        opts = [
            click.option("--view", type=click.Choice(["auto", "side", "rear", "front"]), default="auto",
                         show_default=True, help=f"Camera view; auto detects it.{note}"),
            click.option("--height-cm", type=click.FloatRange(80, 250),
                         help=f"Runner height, for metres in side view.{note}"),
            click.option("--treadmill-speed-kmh", type=click.FloatRange(1, 40), help=f"Belt speed (treadmill clips).{note}"),
            click.option("--treadmill-speed-mps", type=click.FloatRange(0.3, 12), help=f"Belt speed in m/s.{note}"),
            click.option("--capture-fps", type=click.FloatRange(1, 2000),
                         help=f"Real capture rate of slow-motion footage.{note}"),
        ]
        for opt in reversed(opts):
            func = opt(func)
        return func

    return decorate
