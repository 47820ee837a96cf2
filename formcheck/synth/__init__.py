"""Synthetic runner with exact ground truth (``formcheck synth``).

A parametric running gait drives an articulated 3D body made of shaded volumes, seen through a
perspective camera and rendered to an H.264 MP4 plus ``<clip>.truth.json``. It exists to measure
formcheck's accuracy; the analysis modules never import it.

    from formcheck.synth import SynthSpec, GaitParams, CameraParams, RenderParams, render_clip
    truth = render_clip(SynthSpec(gait=GaitParams(pelvic_drop_deg=8), camera=CameraParams(view="rear")),
                        "rear.mp4")
"""

from formcheck.synth.params import BodyParams, CameraParams, GaitParams, RenderParams, SceneParams, SynthSpec

#: Bumped whenever the same ``SynthSpec`` renders different frames or truth (clip caches key on it).
#: 2: the swing knee no longer locks straight before contact (``kinematics._terminal_swing_reach``).
SYNTH_REVISION = 2


def render_clip(*args, **kwargs):
    """See :func:`formcheck.synth.clip.render_clip`."""
    from formcheck.synth.clip import render_clip as _render_clip

    return _render_clip(*args, **kwargs)


__all__ = ["BodyParams", "CameraParams", "GaitParams", "RenderParams", "SceneParams", "SynthSpec", "SYNTH_REVISION", "render_clip"]
