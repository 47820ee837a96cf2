"""``formcheck synth``: render a synthetic runner clip with exact ground truth.

Per-side options take one value for both sides or ``LEFT,RIGHT`` (e.g. ``--pelvic-drop-deg 6,9``).
Stance-phase values are indexed by the stance side.
"""

from __future__ import annotations

from pathlib import Path

import click

from formcheck.synth.params import BodyParams, CameraParams, GaitParams, RenderParams, SceneParams, SynthSpec


class PairType(click.ParamType):
    """``8`` -> (8.0, 8.0); ``6,9`` -> (6.0, 9.0) (left, right)."""

    name = "X|LEFT,RIGHT"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            parts = [float(v) for v in str(value).split(",")]
        except ValueError:
            self.fail(f"{value!r} is not a number or a LEFT,RIGHT pair", param, ctx)
        if len(parts) == 1:
            return (parts[0], parts[0])
        if len(parts) == 2:
            return (parts[0], parts[1])
        self.fail(f"{value!r}: give one value or LEFT,RIGHT", param, ctx)


class RGBType(click.ParamType):
    name = "R,G,B"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            rgb = tuple(int(v) for v in str(value).split(","))
        except ValueError:
            rgb = ()
        if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
            self.fail(f"{value!r} is not R,G,B with values 0-255", param, ctx)
        return rgb


PAIR, RGB = PairType(), RGBType()


def _opt(*names, **kw):
    return click.option(*names, show_default=True, **kw)


def build_spec(o: dict) -> SynthSpec:
    """Turn parsed CLI options into a ``SynthSpec`` (unset options keep the dataclass defaults)."""
    if sum(o[k] is not None for k in ("foot_offset_cm", "step_width_cm", "crossover_cm")) > 1:
        raise click.UsageError("give only one of --foot-offset-cm, --step-width-cm, --crossover-cm")
    gait_kw = {k: o[k] for k in (
        "cadence_spm", "speed_mps", "stride_length_m", "duty_factor", "pelvic_drop_deg", "foot_offset_cm",
        "overstride_cm", "knee_flexion_ic_deg", "foot_strike_angle_deg", "trunk_lean_deg", "lateral_lean_deg",
        "trunk_roll_deg", "vertical_oscillation_cm", "arm_swing_deg", "arm_cross_deg",
        "step_time_asymmetry_frac", "stride_time_cv") if o[k] is not None}
    if o["step_width_cm"] is not None:
        gait_kw["foot_offset_cm"] = (o["step_width_cm"] / 2, o["step_width_cm"] / 2)
    if o["crossover_cm"] is not None:
        x = o["crossover_cm"]
        gait_kw["foot_offset_cm"] = (-x[0], -x[1])
    body_kw = {k: o[k] for k in ("height_m", "top", "shirt_rgb", "shorts_rgb", "waistband_rgb", "skin_rgb",
                                 "build") if o[k] is not None}
    overground = not o["treadmill"]
    background = o["background"] or ("wall" if overground else "treadmill")
    cam_kw = {k: o[k] for k in ("view", "facing", "oblique_deg", "azimuth_deg", "distance_m", "focal_mm",
                                "pitch_deg", "roll_deg") if o[k] is not None}
    if o["camera_height_m"] is not None:
        cam_kw["height_m"] = o["camera_height_m"]
    render_kw = {"fps": o["fps"], "container_fps": o["container_fps"], "seconds": o["seconds"],
                 "width_px": o["width"], "height_px": o["height"], "portrait": o["portrait"],
                 "noise_sd": o["noise"], "blur_shutter_frac": o["blur"], "crf": o["crf"]}
    return SynthSpec(gait=GaitParams(**gait_kw), body=BodyParams(**body_kw),
                     scene=SceneParams(background=background, overground=overground),
                     camera=CameraParams(**cam_kw), render=RenderParams(**render_kw), seed=o["seed"])


@click.command("synth")
@_opt("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
      help="output MP4; the truth goes to <out stem>.truth.json")
# camera
@_opt("--view", type=click.Choice(["side", "rear", "front", "oblique"]), default="side")
@_opt("--facing", type=click.Choice(["left", "right"]), default=None, help="side view: direction of travel in the image")
@_opt("--oblique-deg", type=float, default=None, help="oblique view: degrees from straight behind (+ = runner's right)")
@_opt("--azimuth-deg", type=float, default=None, help="any camera azimuth: 0 behind, 90 runner's right, 180 front")
@_opt("--distance-m", type=float, default=None, help="camera distance (default: fit the runner to the frame)")
@_opt("--focal-mm", type=float, default=None, help="35 mm-equivalent focal length [default 28]")
@_opt("--camera-height-m", type=float, default=None, help="[default 0.55 x body height]")
@_opt("--pitch-deg", type=float, default=None, help="extra camera pitch, + = up")
@_opt("--roll-deg", type=float, default=None, help="camera roll, + = image turns clockwise")
# render
@_opt("--seconds", type=float, default=10.0)
@_opt("--fps", type=float, default=60.0, help="capture rate (real time)")
@_opt("--container-fps", type=float, default=None, help="rate stored in the file (lower = slow motion)")
@_opt("--width", type=int, default=640)
@_opt("--height", type=int, default=480)
@_opt("--portrait/--landscape", default=False, help="portrait: stored rotated with a 90 deg rotation tag")
@_opt("--noise", type=float, default=2.0, help="sensor noise SD [8-bit levels]")
@_opt("--blur", type=float, default=0.0, help="motion blur: exposure as a fraction of the frame interval")
@_opt("--crf", type=int, default=20, help="H.264 CRF (compression; higher = smaller, worse)")
# scene
@_opt("--treadmill/--overground", "treadmill", default=True, help="runner in place on a belt, or moving over ground")
@_opt("--background", type=click.Choice(["treadmill", "wall", "outdoor"]), default=None,
      help="[default: treadmill, or wall when overground]")
# gait
@_opt("--cadence-spm", type=float, default=None, help="[170]")
@_opt("--speed-mps", type=float, default=None, help="[3.0]")
@_opt("--stride-length-m", type=float, default=None, help="overrides the speed")
@_opt("--duty-factor", type=float, default=None, help="[0.34]")
@_opt("--pelvic-drop-deg", type=PAIR, default=None, help="contralateral drop per stance side [5]")
@_opt("--foot-offset-cm", type=PAIR, default=None, help="heel from the line of progression at IC, + own side [4]")
@_opt("--step-width-cm", type=float, default=None, help="sets both foot offsets to half of it")
@_opt("--crossover-cm", type=PAIR, default=None, help="feet land this far across the midline")
@_opt("--overstride-cm", type=PAIR, default=None, help="heel ahead of the hip midpoint at IC [14]")
@_opt("--knee-flexion-ic-deg", type=PAIR, default=None, help="[16]")
@_opt("--foot-strike-deg", "foot_strike_angle_deg", type=PAIR, default=None, help="+ rearfoot (toes up) [12]")
@_opt("--trunk-lean-deg", type=float, default=None, help="forward lean [7]")
@_opt("--lateral-lean-deg", type=PAIR, default=None, help="spine tilt towards the stance side at mid-stance [0]")
@_opt("--trunk-roll-deg", type=PAIR, default=None, help="shoulder-line roll at mid-stance, + swing side lower [0]")
@_opt("--vertical-oscillation-cm", type=float, default=None, help="[8]")
@_opt("--arm-swing-deg", type=float, default=None, help="[32]")
@_opt("--arm-cross-deg", type=float, default=None, help="forearm angle towards the midline [12]")
@_opt("--asymmetry", "step_time_asymmetry_frac", type=float, default=None,
      help="step-time asymmetry, + = steps onto the left foot longer [0]")
@_opt("--variability", "stride_time_cv", type=float, default=None, help="stride-time CV [0.01]")
# body
@_opt("--height-m", type=float, default=None, help="body height [1.75]")
@_opt("--build", type=float, default=None, help="girth factor [1.0]")
@_opt("--top", type=click.Choice(["tucked", "loose"]), default=None, help="tucked: waistband visible [tucked]")
@_opt("--shirt-rgb", type=RGB, default=None)
@_opt("--shorts-rgb", type=RGB, default=None)
@_opt("--waistband-rgb", type=RGB, default=None)
@_opt("--skin-rgb", type=RGB, default=None)
@_opt("--seed", type=int, default=0, help="same seed and options -> identical frames and truth")
def synth(**o) -> None:
    """Render a synthetic runner (MP4 + <clip>.truth.json with exact ground truth)."""
    from formcheck.synth.clip import render_clip
    from formcheck.synth.truth import truth_path

    try:
        spec = build_spec(o)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    truth = render_clip(spec, o["out"])
    m = truth["metrics"]
    click.echo(f"wrote {o['out']} ({truth['video']['n_frames']} frames, {truth['render_seconds']:.1f} s) "
               f"and {truth_path(o['out']).name}")
    click.echo("truth: " + ", ".join(f"{k}={m[k]['value']:.3g}" if m[k]["value"] is not None else f"{k}=n/a" for k in (
        "cadence_spm", "contact_time_s", "overstride_cm", "pelvic_drop_deg", "step_width_cm", "trunk_lean_deg")))


__all__ = ["build_spec", "synth"]
