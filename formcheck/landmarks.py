"""The 33 BlazePose landmarks, their sides and the skeleton drawn over the runner.

Numbering copied from MediaPipe's ``PoseLandmark`` so formcheck does not import mediapipe here.
``LEFT_*`` is the *subject's* anatomical left (MediaPipe convention), not the image left.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")


class Landmark(IntEnum):
    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


N_LANDMARKS = len(Landmark)
LANDMARK_NAMES: tuple[str, ...] = tuple(lm.name.lower() for lm in Landmark)


def side_lm(name: str, side: Side) -> Landmark:
    """``side_lm("heel", "left") -> Landmark.LEFT_HEEL``."""
    return Landmark[f"{side.upper()}_{name.upper()}"]


def mirror_index() -> tuple[int, ...]:
    """Permutation that swaps every left landmark with its right twin (nose stays)."""
    perm = []
    for lm in Landmark:
        n = lm.name
        if n.startswith("LEFT_"):
            perm.append(Landmark["RIGHT_" + n[5:]].value)
        elif n.startswith("RIGHT_"):
            perm.append(Landmark["LEFT_" + n[6:]].value)
        else:
            perm.append(lm.value)
    return tuple(perm)


# Skeleton edges, each tagged with the side used for colouring ("left", "right" or "mid").
SKELETON_EDGES: tuple[tuple[Landmark, Landmark, str], ...] = (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, "mid"),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP, "mid"),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP, "left"),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP, "right"),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW, "left"),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST, "left"),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW, "right"),
    (Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST, "right"),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE, "left"),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE, "left"),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL, "left"),
    (Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX, "left"),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_FOOT_INDEX, "left"),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE, "right"),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE, "right"),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL, "right"),
    (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX, "right"),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_FOOT_INDEX, "right"),
    (Landmark.NOSE, Landmark.LEFT_EYE, "mid"),
    (Landmark.NOSE, Landmark.RIGHT_EYE, "mid"),
)

# Landmarks that make up the body (not face or fingers): used for detection quality.
BODY_LANDMARKS: tuple[Landmark, ...] = tuple(
    side_lm(n, s) for s in SIDES for n in ("shoulder", "hip", "knee", "ankle", "heel", "foot_index")
)
