"""The synthetic runner: truth is self-consistent, rendering matches truth, seeds reproduce, BlazePose
sees a person from every side."""

from __future__ import annotations

import json

import numpy as np
import pytest

from formcheck.synth.kinematics import SIDE_SIGN, plan_gait, skeleton_at
from formcheck.synth.params import CameraParams, GaitParams, RenderParams, SceneParams, SynthSpec
from formcheck.synth.truth import compute_metrics

SIDES = ("left", "right")


def _plan(**gait):
    spec = SynthSpec(gait=GaitParams(**gait), render=RenderParams(seconds=6))
    return spec, plan_gait(spec.gait, spec.body, spec.render.seconds, spec.seed)


def _lowest_foot_z(sk, side):
    p = sk.points
    return np.minimum(p[f"heel_contact_{side}"][:, 2], p[f"toe_contact_{side}"][:, 2])


# ------------------------------------------------------------------------------------------ truth only
def test_cadence_equals_spacing_of_initial_contacts():
    _, plan = _plan(cadence_spm=165, stride_time_cv=0.02)
    m = compute_metrics(plan, 6.0)
    ics = np.sort(np.concatenate([plan.contacts[s].ic_s for s in SIDES]))
    ics = ics[(ics >= 0) & (ics < 6.0)]
    assert m["cadence_spm"]["value"] == pytest.approx(60.0 / np.mean(np.diff(ics)), rel=1e-9)
    assert m["cadence_spm"]["value"] == pytest.approx(165, rel=0.02)
    assert m["step_time_s"]["value"] == pytest.approx(np.mean(np.diff(ics)), rel=1e-9)


def test_contact_times_match_duty_factor():
    _, plan = _plan(duty_factor=0.38, stride_time_cv=0.02)
    for s in SIDES:
        c = plan.contacts[s]
        np.testing.assert_allclose((c.to_s - c.ic_s)[:-1] / np.diff(c.ic_s), 0.38, rtol=1e-9)
    m = compute_metrics(plan, 6.0)
    assert m["duty_factor"]["value"] == pytest.approx(0.38, abs=1e-9)
    assert m["flight_time_s"]["value"] == pytest.approx(
        m["step_time_s"]["value"] - m["contact_time_s"]["value"], abs=0.01)


@pytest.mark.parametrize("strike", [12.0, -6.0])
def test_contact_means_foot_at_ground(strike):
    _, plan = _plan(foot_strike_angle_deg=strike)
    for s in SIDES:
        c = plan.contacts[s]
        ic, to = c.ic_s[2:6], c.to_s[2:6]
        assert np.allclose(_lowest_foot_z(skeleton_at(plan, ic), s), 0, atol=1e-9)
        assert np.allclose(_lowest_foot_z(skeleton_at(plan, to), s), 0, atol=1e-9)
        assert np.all(_lowest_foot_z(skeleton_at(plan, ic - 0.004), s) > 1e-4)  # airborne just before IC
        assert np.all(_lowest_foot_z(skeleton_at(plan, to + 0.004), s) > 1e-4)  # and just after TO
        mid = np.linspace(ic[0], to[0], 9)
        assert np.allclose(_lowest_foot_z(skeleton_at(plan, mid), s), 0, atol=1e-9)  # planted all stance


def test_designed_values_are_the_truth():
    _, plan = _plan(overstride_cm=(20, 10), knee_flexion_ic_deg=(12, 20), foot_strike_angle_deg=(15, 5),
                    pelvic_drop_deg=(4, 9), lateral_lean_deg=(3, 0), placement_sd_cm=0.0, stride_time_cv=0.0)
    m = compute_metrics(plan, 6.0)
    for name, want in (("overstride_cm", (20, 10)), ("knee_flexion_ic_deg", (12, 20)),
                       ("foot_strike_angle_deg", (15, 5)), ("pelvic_drop_deg", (4, 9)),
                       ("lateral_trunk_lean_deg", (3, 0))):
        assert (m[name]["left"], m[name]["right"]) == pytest.approx(want, abs=0.15), name


@pytest.mark.parametrize("gait", [{}, {"cadence_spm": 150, "speed_mps": 2.8, "overstride_cm": 28,
                                       "knee_flexion_ic_deg": 8}, {"cadence_spm": 185, "speed_mps": 4.0}],
                         ids=["typical", "low_cadence_overstride", "fast"])
def test_swing_knee_lands_smoothly(gait):
    """Before IC the knee extends, turns and flexes without locking straight or snapping: in the last
    25 ms of swing its angle changes by < 1 deg per ms (revision 1 snapped 7 deg in the last 5 ms
    after locking at 1.6 deg), in the last 150 ms it never straightens beyond 2 deg, and it is
    already flexing at IC. (Just after IC the stance model flexes the knee at up to 1.15 deg/ms on a
    28 cm overstride.)"""
    from formcheck.synth.truth import _knee_flexion

    _, plan = _plan(**gait)
    for side in SIDES:
        for ic in plan.contacts[side].ic_s[2:5]:
            t = ic + np.arange(-0.150, 0.030, 0.001)
            k = _knee_flexion(skeleton_at(plan, t), side)
            near = (t[1:] > ic - 0.025) & (t[1:] <= ic)
            assert np.abs(np.diff(k)[near]).max() < 1.0, (side, ic)
            assert k[t < ic].min() >= 2.0, (side, ic)
            i_ic = int(np.argmin(np.abs(t - ic)))
            assert k[i_ic - 10] < k[i_ic] < k[i_ic + 10], (side, ic)


def test_crossover_feet_cross_the_midline():
    _, plan = _plan(foot_offset_cm=(-3, -3))
    m = compute_metrics(plan, 6.0)
    assert m["crossover_frac"]["value"] == 1.0
    assert m["step_width_cm"]["value"] < -4
    for s in SIDES:
        ic = plan.contacts[s].ic_s[2:6]
        sk = skeleton_at(plan, ic)
        across = SIDE_SIGN[s] * (sk.points[f"heel_{s}"][:, 1] - sk.points["hip_mid"][:, 1])
        assert np.all(across < 0)
    _, plan = _plan(foot_offset_cm=(5, 5))
    m = compute_metrics(plan, 6.0)
    assert m["crossover_frac"]["value"] == 0.0 and m["step_width_cm"]["value"] > 8


# ------------------------------------------------------------------------------------------ rendering
def _waistband_top_edge(img: np.ndarray, body) -> np.ndarray:
    """(x, y) pixels where shirt colour sits directly above waistband colour."""
    f = img.astype(float)
    wb = np.asarray(body.waistband_rgb, float)
    shirt = np.asarray(body.shirt_rgb, float)

    def like(rgb, ref, tol):
        # compare chromaticity and allow for shading (brightness scaled 0.35-1.05)
        k = (rgb * ref).sum(-1) / (ref * ref).sum()
        return (np.linalg.norm(rgb - k[..., None] * ref, axis=-1) < tol) & (k > 0.35) & (k < 1.1)

    is_wb, is_sh = like(f, wb, 18), like(f, shirt, 25)
    ys, xs = np.nonzero(is_sh[:-2] & (is_wb[1:-1] | is_wb[2:]))
    return np.stack([xs, ys + 1], -1)


@pytest.mark.slow
def test_rendered_waistband_tilts_by_truth_pelvic_drop():
    from scipy.stats import theilslopes

    from formcheck.synth.clip import build_stage, ground_to_world, render_instant
    from formcheck.synth.figure import waistband_endpoints

    spec = SynthSpec(gait=GaitParams(pelvic_drop_deg=(10, 6), lateral_lean_deg=0, trunk_roll_deg=(-6, -6),
                                     pelvis_yaw_deg=0),
                     camera=CameraParams(view="rear"), render=RenderParams(seconds=3, width_px=640, height_px=480))
    stage = build_stage(spec)
    tilts = {}
    for s in SIDES:
        c = stage.plan.contacts[s]
        t = float(0.5 * (c.ic_s[2] + c.to_s[2]))  # mid-stance: peak drop
        img = np.clip(render_instant(stage, t) * 255, 0, 255)
        edge = _waistband_top_edge(img, spec.body)
        sk = skeleton_at(stage.plan, np.array([t]))
        ends = waistband_endpoints(sk, stage.plan.dims)
        off = ground_to_world(stage, np.array([t]))
        (ul, _), (ur, _) = (stage.camera.project(ends[k] + off) for k in SIDES)
        xl, xr = sorted([ul[0, 0], ur[0, 0]])
        inner = (edge[:, 0] > xl + 0.2 * (xr - xl)) & (edge[:, 0] < xr - 0.2 * (xr - xl))
        assert inner.sum() > 20
        slope = theilslopes(edge[inner, 1], edge[inner, 0])[0]
        measured = np.degrees(np.arctan(slope))
        d = ur[0] - ul[0]
        expected = np.degrees(np.arctan2(d[1], d[0]))  # truth waistband line in the image
        assert measured == pytest.approx(expected, abs=1.0), s
        tilts[s] = measured
        # the image tilt is the pelvic drop (seen from behind, nearly undistorted)
        assert abs(measured) == pytest.approx(spec.gait.pelvic_drop_deg[SIDES.index(s)], abs=1.5)
    assert np.sign(tilts["left"]) == -np.sign(tilts["right"])


@pytest.mark.slow
def test_fixed_seed_gives_identical_output(tmp_path):
    from formcheck.synth.clip import build_stage, render_clip, render_frames
    from formcheck.synth.truth import truth_path
    from formcheck.video import iter_frames, read_video_meta

    spec = SynthSpec(camera=CameraParams(view="oblique"), render=RenderParams(seconds=0.25, fps=30, noise_sd=3),
                     seed=5)
    stage = build_stage(spec)
    whole = render_frames(stage, 0, 5)
    split = render_frames(build_stage(spec), 0, 2) + render_frames(stage, 2, 5)  # chunking must not matter
    assert all(np.array_equal(x, y) for x, y in zip(whole, split))
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    render_clip(spec, a, workers=1)
    render_clip(spec, b, workers=1)
    assert truth_path(a).read_bytes() == truth_path(b).read_bytes()
    fa = [f for _, _, f in iter_frames(read_video_meta(a))]
    fb = [f for _, _, f in iter_frames(read_video_meta(b))]
    assert len(fa) == len(fb) == 8
    assert all(np.array_equal(x, y) for x, y in zip(fa, fb))
    c = tmp_path / "c.mp4"
    render_clip(SynthSpec(camera=spec.camera, render=spec.render, seed=6), c, workers=1)
    assert truth_path(a).read_bytes() != truth_path(c).read_bytes()


@pytest.mark.slow
def test_cli_writes_clip_and_truth(tmp_path):
    from click.testing import CliRunner

    from formcheck.synth.cli import synth
    from formcheck.video import read_video_meta

    out = tmp_path / "x.mp4"
    res = CliRunner().invoke(synth, ["--view", "rear", "--pelvic-drop-deg", "8", "--cadence-spm", "165", "--fps", "60",
                                     "--seconds", "0.2", "--portrait", "--crossover-cm", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    truth = json.loads((tmp_path / "x.truth.json").read_text())
    assert truth["spec"]["gait"]["pelvic_drop_deg"] == [8.0, 8.0]
    assert truth["spec"]["gait"]["foot_offset_cm"] == [-2.0, -2.0]
    meta = read_video_meta(out)
    assert (meta.width_px, meta.height_px, meta.rotation_deg) == (480, 640, 90)
    assert len(truth["frames"]["xy_px"]) == 12
    bad = CliRunner().invoke(synth, ["--out", str(out), "--pelvic-drop-deg", "a,b"])
    assert bad.exit_code != 0


# ------------------------------------------------------------------------------------------ BlazePose
@pytest.mark.slow
@pytest.mark.parametrize("view", ["side", "rear", "front"])
def test_blazepose_sees_the_runner(view, tmp_path):
    from formcheck.config import PoseConfig
    from formcheck.pose import estimate_pose
    from formcheck.synth.clip import render_clip
    from formcheck.synth.evaluate import landmark_report
    from formcheck.video import read_video_meta

    out = tmp_path / f"{view}.mp4"
    truth = render_clip(SynthSpec(camera=CameraParams(view=view), render=RenderParams(seconds=2.5, fps=30)), out)
    pose = estimate_pose(read_video_meta(out), PoseConfig(cache=False))
    rep = landmark_report(truth, np.asarray(pose.xy))
    assert rep["detection_rate"] >= 0.98, rep
    assert rep["landmark_err_median_frac"] < 0.04, rep
    if view in ("rear", "front"):
        assert 0.75 <= rep["hip_width_ratio"] <= 1.25, rep
        assert 0.75 <= rep["shoulder_width_ratio"] <= 1.25, rep
        assert rep["left_right_swapped_frac"] < 0.1, rep


def test_synth_is_not_imported_by_analysis_code():
    import pathlib

    import formcheck

    root = pathlib.Path(formcheck.__file__).parent
    for p in root.glob("*.py"):
        if p.name in ("cli.py", "__main__.py"):  # the shell registers the `synth` command
            continue
        assert "formcheck.synth" not in p.read_text(), p.name


def test_overground_scene_rejects_treadmill():
    with pytest.raises(ValueError):
        SceneParams(background="treadmill", overground=True)


@pytest.mark.slow
@pytest.mark.skipif(not __import__("os").environ.get("FORMCHECK_RUN_BENCHMARK"),
                    reason="reduced accuracy benchmark (~2-3 min): set FORMCHECK_RUN_BENCHMARK=1")
def test_reduced_accuracy_benchmark(tmp_path):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "accuracy.py"
    spec = importlib.util.spec_from_file_location("accuracy_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "acc.json"
    assert bench.main(["--reduced", "--json", str(out), "--work-dir", str(tmp_path / "clips")]) == 0
    res = json.loads(out.read_text())
    for v, s in res["summary"]["views"].items():
        assert s["detection_rate_min"] >= 0.98, (v, s)
        assert s["landmark_err_median_frac_max"] < 0.04, (v, s)
