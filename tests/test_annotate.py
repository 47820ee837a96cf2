"""Drawing over the runner: pure, sized for the browser, with contacts and the measured pelvis line."""

from __future__ import annotations

import numpy as np
import pandas as pd

from formcheck.annotate import COLOURS, WAIST_COLOUR, contact_mask, draw_frame, output_size
from formcheck.landmarks import Landmark


def _skeleton(w=640, h=480):
    xy = np.full((33, 2), np.nan)
    pts = {Landmark.LEFT_SHOULDER: (300, 100), Landmark.RIGHT_SHOULDER: (340, 100), Landmark.LEFT_HIP: (305, 220),
           Landmark.RIGHT_HIP: (335, 220), Landmark.LEFT_KNEE: (300, 320), Landmark.RIGHT_KNEE: (340, 320),
           Landmark.LEFT_ANKLE: (300, 420), Landmark.RIGHT_ANKLE: (340, 420), Landmark.LEFT_HEEL: (298, 432),
           Landmark.RIGHT_HEEL: (342, 432)}
    for lm, p in pts.items():
        xy[lm] = p
    return xy, np.ones(33)


def _has_colour(img, rgb, region):
    (y0, y1), (x0, x1) = region
    patch = img[y0:y1, x0:x1].astype(int)
    return (np.abs(patch - np.array(rgb)).sum(axis=-1) < 40).any()


def test_draw_is_pure_and_marks_sides_contacts_and_waist():
    img = np.zeros((480, 640, 3), np.uint8)
    xy, vis = _skeleton()
    out = draw_frame(img, xy, vis, in_contact={"left": True, "right": False}, waist=(320, 200, 5.0, 60))
    assert not img.any()  # input untouched
    assert _has_colour(out, COLOURS["left"], ((250, 300), (295, 306)))  # left thigh
    assert _has_colour(out, COLOURS["right"], ((250, 300), (334, 346)))  # right thigh
    assert _has_colour(out, WAIST_COLOUR, ((190, 212), (292, 350)))  # pelvis line
    assert _has_colour(out, COLOURS["left"], ((432, 460), (280, 320)))  # contact ring below the left heel
    assert not _has_colour(out, COLOURS["right"], ((440, 470), (330, 360)))  # right foot in the air: no ring


def test_hidden_and_missing_points_are_not_drawn():
    img = np.zeros((480, 640, 3), np.uint8)
    xy, vis = _skeleton()
    vis[:] = 0.0
    assert not draw_frame(img, xy, vis).any()
    assert not draw_frame(img, np.full((33, 2), np.nan), np.ones(33)).any()


def test_output_size_is_even_and_bounded():
    assert output_size(1080, 1920) == (720, 1280, 1280 / 1920)
    w, h, s = output_size(961, 541)
    assert (w % 2, h % 2, s) == (0, 0, 1.0)


def test_contact_mask_from_events():
    contacts = pd.DataFrame({"side": ["left", "right"], "ic": [2, 6], "tc": [4, 8]})
    m = contact_mask(contacts, 10)
    assert m["left"].nonzero()[0].tolist() == [2, 3, 4]
    assert m["right"].nonzero()[0].tolist() == [6, 7, 8]
