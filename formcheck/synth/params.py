"""Parameters of a synthetic clip: gait, body, scene, camera and rendering (all frozen, all with units).

World frame (metres) used throughout ``formcheck.synth``:

========  =====================================  ==========================================
axis      direction                              sign conventions that follow from it
========  =====================================  ==========================================
x         direction of travel                    overstride +: heel ahead of the hip midpoint
y         runner's **left**                      step width +: left foot to the left of right
z         up; the running surface is z = 0       foot angle +: toes up (rearfoot strike)
========  =====================================  ==========================================

Per-side values are ``(left, right)`` tuples. For stance-phase quantities (pelvic drop, lateral trunk
lean, trunk roll) the side is the **stance** side: ``pelvic_drop_deg=(6, 9)`` drops the right hip by
6 deg during left stance and the left hip by 9 deg during right stance.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

Pair = tuple[float, float]
RGB = tuple[int, int, int]

VIEW_AZIMUTH_DEG = {"rear": 0.0, "front": 180.0}


def _pair(v) -> Pair:
    """``3`` -> ``(3.0, 3.0)``; ``(1, 2)`` -> ``(1.0, 2.0)`` (left, right)."""
    if isinstance(v, (int, float)):
        return (float(v), float(v))
    a, b = v
    return (float(a), float(b))


@dataclass(frozen=True)
class GaitParams:
    """Running gait. Every value is exact in the generated kinematics unless noted.

    ``foot_offset_cm`` is each heel's lateral distance from the line of progression at initial
    contact, + = on its own side, - = across the midline (crossover). Step width is their sum.
    ``overstride_cm`` is heel minus hip-midpoint position along the travel direction at initial contact.
    ``knee_flexion_ic_deg`` is enforced by solving the pelvis height at each contact;
    ``vertical_oscillation_cm`` is the designed pelvis oscillation (the realised value is in the truth).
    """

    cadence_spm: float = 170.0
    speed_mps: float = 3.0
    stride_length_m: float | None = None  # if set, overrides speed: speed = stride_length * cadence / 120
    duty_factor: float = 0.34  # contact time / stride time
    pelvic_drop_deg: Pair = (5.0, 5.0)  # contralateral drop, peak at mid-stance, per stance side
    foot_offset_cm: Pair = (4.0, 4.0)
    overstride_cm: Pair = (14.0, 14.0)
    knee_flexion_ic_deg: Pair = (16.0, 16.0)
    foot_strike_angle_deg: Pair = (12.0, 12.0)  # + toes up (rearfoot), - forefoot
    toe_off_angle_deg: float = -40.0  # foot angle at toe-off (heel up)
    trunk_lean_deg: float = 7.0  # forward lean of hip-mid -> shoulder-mid
    lateral_lean_deg: Pair = (0.0, 0.0)  # spine tilt towards the stance side at mid-stance
    trunk_roll_deg: Pair = (0.0, 0.0)  # extra shoulder-line roll at mid-stance, + = swing-side shoulder lower
    vertical_oscillation_cm: float = 8.0
    pelvis_yaw_deg: float = 6.0  # transverse rotation amplitude (hip forward with its leg)
    thorax_yaw_deg: float = 8.0  # counter-rotation of the shoulders
    pelvis_sway_cm: float = 1.5  # lateral shift towards the stance foot
    arm_swing_deg: float = 32.0  # shoulder flexion amplitude (+-)
    arm_cross_deg: float = 12.0  # forearm rotated towards the midline
    elbow_flexion_deg: float = 85.0
    step_time_asymmetry_frac: float = 0.0  # + = steps ending with the left foot are longer
    stride_time_cv: float = 0.01  # stride-to-stride variability (coefficient of variation)
    placement_sd_cm: float = 0.5  # stride-to-stride jitter of foot placement and overstride

    def __post_init__(self) -> None:
        for name in ("pelvic_drop_deg", "foot_offset_cm", "overstride_cm", "knee_flexion_ic_deg",
                     "foot_strike_angle_deg", "lateral_lean_deg", "trunk_roll_deg"):
            object.__setattr__(self, name, _pair(getattr(self, name)))
        if not 60 <= self.cadence_spm <= 260:
            raise ValueError(f"cadence_spm must be within 60-260, got {self.cadence_spm}")
        if not 0.15 <= self.duty_factor <= 0.48:
            raise ValueError(f"duty_factor must be within 0.15-0.48 (running), got {self.duty_factor}")
        if not 0.5 <= self.speed <= 9:
            raise ValueError(f"running speed must be within 0.5-9 m/s, got {self.speed:.2f}")
        if max(self.knee_flexion_ic_deg) > 60 or min(self.knee_flexion_ic_deg) < 0:
            raise ValueError("knee_flexion_ic_deg must be within 0-60")
        if abs(self.step_time_asymmetry_frac) > 0.2:
            raise ValueError("step_time_asymmetry_frac must be within -0.2..0.2")

    @property
    def speed(self) -> float:
        """Running speed [m/s] (from ``stride_length_m`` when given)."""
        if self.stride_length_m is not None:
            return self.stride_length_m * self.cadence_spm / 120.0
        return self.speed_mps

    @property
    def stride_time_s(self) -> float:
        return 120.0 / self.cadence_spm


@dataclass(frozen=True)
class BodyParams:
    """Body size, proportions (fractions of height) and clothing."""

    height_m: float = 1.75
    build: float = 1.0  # multiplies all girths (0.8 slim - 1.3 heavy)
    shoulder_width_frac: float = 0.19  # between shoulder joint centres (outer width ~ +0.05 H)
    hip_width_frac: float = 0.10  # between hip joint centres (outer width ~ +0.09 H)
    leg_frac: float = 0.53  # hip joint height standing
    skin_rgb: RGB = (214, 168, 136)
    hair_rgb: RGB = (58, 40, 28)
    shirt_rgb: RGB = (40, 110, 200)
    shorts_rgb: RGB = (30, 30, 36)
    waistband_rgb: RGB = (205, 205, 205)
    shoe_rgb: RGB = (235, 90, 40)
    sole_rgb: RGB = (240, 240, 235)
    sock_rgb: RGB = (245, 245, 245)
    top: Literal["tucked", "loose"] = "tucked"
    shorts_length_frac: float = 0.45  # of the thigh covered by the shorts
    sleeve_frac: float = 0.35  # of the upper arm covered by the sleeve (0 = singlet)

    def __post_init__(self) -> None:
        if not 1.0 <= self.height_m <= 2.3:
            raise ValueError(f"height_m must be within 1.0-2.3, got {self.height_m}")
        if self.top not in ("tucked", "loose"):
            raise ValueError(f"top must be tucked|loose, got {self.top!r}")


@dataclass(frozen=True)
class SceneParams:
    """Background and ground. ``treadmill`` keeps the runner in place on a moving belt."""

    background: Literal["treadmill", "wall", "outdoor"] = "treadmill"
    overground: bool = False  # True: the runner moves over the ground (not allowed with a treadmill)

    def __post_init__(self) -> None:
        if self.background not in ("treadmill", "wall", "outdoor"):
            raise ValueError(f"background must be treadmill|wall|outdoor, got {self.background!r}")
        if self.background == "treadmill" and self.overground:
            raise ValueError("a treadmill scene cannot be overground")


@dataclass(frozen=True)
class CameraParams:
    """Perspective camera aimed at the runner.

    ``view``: side (runner seen from its right when ``facing="right"``, i.e. travelling to the image
    right), rear, front, or oblique (``oblique_deg`` from straight behind, + = towards the runner's
    right). ``azimuth_deg`` overrides all of them: 0 = behind, 90 = runner's right, 180 = front.
    ``distance_m=None`` fits the runner to ``fill_frac`` of the image height; ``height_m=None`` puts
    the camera at 0.55 of body height. ``pitch_deg`` (+ = up) and ``roll_deg`` (+ = image turns
    clockwise) are added after aiming. Overground rear/front views track the runner (camera on a
    dolly); overground side views are static, so the runner crosses the frame.
    """

    view: Literal["side", "rear", "front", "oblique"] = "side"
    facing: Literal["left", "right"] = "right"
    oblique_deg: float = 30.0
    azimuth_deg: float | None = None
    distance_m: float | None = None
    focal_mm: float = 28.0  # 35 mm equivalent (of the image's long side)
    height_m: float | None = None
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    fill_frac: float = 0.72

    def __post_init__(self) -> None:
        if self.view not in ("side", "rear", "front", "oblique"):
            raise ValueError(f"view must be side|rear|front|oblique, got {self.view!r}")
        if self.facing not in ("left", "right"):
            raise ValueError(f"facing must be left|right, got {self.facing!r}")

    @property
    def azimuth(self) -> float:
        """Camera azimuth [deg]: 0 behind the runner, 90 at its right, 180 in front, -90 at its left."""
        if self.azimuth_deg is not None:
            return float(self.azimuth_deg)
        if self.view == "side":
            return 90.0 if self.facing == "right" else -90.0
        if self.view == "oblique":
            return float(self.oblique_deg)
        return VIEW_AZIMUTH_DEG[self.view]


@dataclass(frozen=True)
class RenderParams:
    """Frame rate, size and image degradations.

    ``fps`` is the capture rate (real time). ``container_fps`` (default: same) is the rate written to
    the file: a 240 fps capture stored at 30 fps is a slow-motion clip. ``width_px``/``height_px`` are
    the upright size; ``portrait=True`` swaps them if needed so height > width and stores the frames
    rotated with a 90 deg display-rotation tag, as phones do.
    """

    fps: float = 60.0
    container_fps: float | None = None
    seconds: float = 10.0
    width_px: int = 640
    height_px: int = 480
    portrait: bool = False
    noise_sd: float = 2.0  # Gaussian sensor noise [8-bit levels]
    blur_shutter_frac: float = 0.0  # exposure as a fraction of the frame interval (motion blur), 0 = off
    blur_samples: int = 3
    crf: int = 20  # H.264 quality (higher = more compression)
    supersample: bool = False  # render at 2x and downscale (smoother edges, ~3x slower)

    def __post_init__(self) -> None:
        if not 1 <= self.fps <= 1000:
            raise ValueError(f"fps must be within 1-1000, got {self.fps}")
        if self.seconds <= 0:
            raise ValueError("seconds must be > 0")
        if min(self.width_px, self.height_px) < 64:
            raise ValueError("image must be at least 64 px each way")

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) of the upright frames."""
        w, h = int(self.width_px), int(self.height_px)
        if self.portrait and w > h:
            w, h = h, w
        return w - w % 2, h - h % 2

    @property
    def file_fps(self) -> float:
        return float(self.container_fps or self.fps)

    @property
    def n_frames(self) -> int:
        return int(round(self.seconds * self.fps))


@dataclass(frozen=True)
class SynthSpec:
    """Everything that defines a clip. Same spec -> same truth bytes and the same frames."""

    gait: GaitParams = field(default_factory=GaitParams)
    body: BodyParams = field(default_factory=BodyParams)
    scene: SceneParams = field(default_factory=SceneParams)
    camera: CameraParams = field(default_factory=CameraParams)
    render: RenderParams = field(default_factory=RenderParams)
    seed: int = 0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: dict) -> SynthSpec:
        return SynthSpec(
            gait=GaitParams(**d.get("gait", {})),
            body=BodyParams(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.get("body", {}).items()}),
            scene=SceneParams(**d.get("scene", {})),
            camera=CameraParams(**d.get("camera", {})),
            render=RenderParams(**d.get("render", {})),
            seed=int(d.get("seed", 0)),
        )
