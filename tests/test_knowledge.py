"""The clinical knowledge files: every claim sourced and graded, every reference resolvable.

These tests read the raw TOML independently of the loader, so a loader bug cannot hide a gap.
"""

from __future__ import annotations

import copy
import re
import tomllib
from importlib import resources

import pytest

from formcheck.knowledge import FILES, KnowledgeError, load_knowledge, parse_knowledge

GRADE = re.compile(r"^[ABCD](/[ABCD])?$")
ISSUE4_METRICS = (
    "cadence_spm", "step_time_s", "stride_time_s", "contact_time_s", "flight_time_s", "duty_factor",
    "step_length_m", "stride_length_m", "overstride_cm", "overstride_leg", "shank_angle_ic_deg",
    "knee_flexion_ic_deg", "trunk_lean_deg", "vertical_oscillation_cm", "foot_strike_angle_deg",
    "thigh_extension_to_deg", "pelvic_drop_deg", "step_width_cm", "crossover_frac", "hip_adduction_deg",
    "knee_fppa_deg", "lateral_trunk_lean_deg", "arm_crossover_frac", "foot_lateral_cm",
)
REQUIRED_CONDITIONS = (
    "gluteal_tendinopathy", "itb_syndrome", "iliopsoas_tendinopathy", "proximal_hamstring_tendinopathy",
    "bone_stress_hip", "fai_labral", "deep_gluteal", "adductor_groin", "muscle_imbalance", "cambered_road",
    "low_back_referral",
)
REQUIRED_EXERCISES = (
    "clamshell_band", "side_lying_abduction", "side_plank", "glute_bridge", "single_leg_deadlift",
    "single_leg_squat", "hip_flexor_stretch", "nordic_curl", "copenhagen_plank", "calf_raise", "lateral_band_walk",
)


@pytest.fixture(scope="module")
def raw() -> dict:
    return {n: tomllib.loads((resources.files("formcheck") / "data" / f"{n}.toml").read_text("utf-8"))
            for n in FILES}


def _claims(raw: dict):
    """Every (where, table) that makes a claim and must carry source + grade + verified."""
    for name, m in raw["metrics"].items():
        for i, b in enumerate(m.get("bands", [])):
            yield f"metrics.{name}.bands[{i}]", b
        for sub in ("flag_with", "mdc"):
            if sub in m:
                yield f"metrics.{name}.{sub}", m[sub]
    for cid, c in raw["conditions"].items():
        yield f"conditions.{cid} (location)", {"source": c.get("location_source"), "grade": c.get("location_grade"),
                                               "verified": c.get("location_verified")}
        for i, ln in enumerate(c.get("links", [])):
            yield f"conditions.{cid}.links[{i}]", ln
    for file in ("cues", "exercises", "advice"):
        for key, t in raw[file].items():
            yield f"{file}.{key}", t
    for key, t in raw["red_flags"]["flags"].items():
        yield f"red_flags.{key}", t
    for key, t in raw["rules"].items():
        yield f"rules.{key}", t


def test_loader_accepts_packaged_files():
    k = load_knowledge()
    assert set(ISSUE4_METRICS) <= set(k.metrics)
    assert set(REQUIRED_CONDITIONS) <= set(k.conditions)
    assert set(REQUIRED_EXERCISES) <= set(k.exercises)


def test_every_claim_has_known_sources_a_grade_and_verified_flag(raw):
    problems = []
    for where, t in _claims(raw):
        src = t.get("source")
        src = [src] if isinstance(src, str) else src
        if not src:
            problems.append(f"{where}: no source")
        elif any(s not in raw["sources"] for s in src):
            problems.append(f"{where}: unknown source {[s for s in src if s not in raw['sources']]}")
        if not isinstance(t.get("grade"), str) or not GRADE.match(t["grade"]):
            problems.append(f"{where}: grade {t.get('grade')!r}")
        if not isinstance(t.get("verified"), bool):
            problems.append(f"{where}: verified missing")
    assert not problems, "\n".join(problems)


def test_unverified_sources_never_make_a_verified_claim(raw):
    """A claim resting only on unverified sources ([M]/[S] in the domain review) must stay verified=false."""
    bad = []
    for where, t in _claims(raw):
        src = t["source"] if isinstance(t["source"], list) else [t["source"]]
        if t["verified"] and not any(raw["sources"][s]["verified"] for s in src):
            bad.append(where)
    assert not bad, bad


def test_provisional_thresholds_are_marked(raw):
    # The domain review tags these reference values [M]; they must be visible as provisional.
    for name in ("pelvic_drop_deg", "cadence_spm", "overstride_leg", "trunk_lean_deg", "knee_flexion_ic_deg"):
        assert all(b["verified"] is False for b in raw["metrics"][name]["bands"]), name


def test_every_metric_has_label_unit_views_and_sensible_thresholds(raw):
    for name, m in raw["metrics"].items():
        assert m["label"] and m["unit"] and m["views"], name
        assert m["concern"] in ("high", "low", "none"), name
        for b in m.get("bands", []):
            if "watch" in b and "flag" in b:
                assert (b["flag"] - b["watch"]) * (1 if m["concern"] == "high" else -1) > 0, name
            if "typical" in b and "watch" in b and m["concern"] == "high":
                assert b["watch"] >= b["typical"][1] or b["typical"][1] != b["typical"][1], name


def test_frontal_metrics_prefer_rear_and_sagittal_prefer_side(raw):
    for name, m in raw["metrics"].items():
        if m["plane"] == "frontal":
            assert m["views"][0] == "rear", name
        if m["plane"] == "sagittal":
            assert m["views"][0] == "side", name


def test_every_referenced_id_exists(raw):
    metrics, cues, ex, adv = (set(raw[f]) for f in ("metrics", "cues", "exercises", "advice"))
    missing = []
    for cid, c in raw["conditions"].items():
        missing += [f"{cid}: exercise {e}" for e in c["exercises"] if e not in ex]
        missing += [f"{cid}: cue {q}" for q in c["cues"] if q not in cues]
        missing += [f"{cid}: advice {a}" for a in c["advice"] if a not in adv]
        missing += [f"{cid}: metric {ln['metric']}" for ln in c.get("links", []) if ln["metric"] not in metrics]
    for qid, q in raw["cues"].items():
        missing += [f"cue {qid}: exercise {e}" for e in q["exercises"] if e not in ex]
        missing += [f"cue {qid}: metric {t['metric']}" for t in q["triggers"] if t["metric"] not in metrics]
    for name, m in raw["metrics"].items():
        missing += [f"{name}: flag_with {p}" for p in m.get("flag_with", {}).get("metrics", []) if p not in metrics]
    for rid, r in raw["red_flags"]["flags"].items():
        missing += [f"red flag {rid}: condition {c}" for c in r["conditions"] if c not in raw["conditions"]]
        missing += [f"red flag {rid}: urgency {r['urgency']}"] if r["urgency"] not in raw["red_flags"]["urgency"] else []
    assert not missing, missing


def test_every_exercise_and_cue_is_used(raw):
    used_ex = {e for c in raw["conditions"].values() for e in c["exercises"]}
    used_ex |= {e for q in raw["cues"].values() for e in q["exercises"]}
    assert set(raw["exercises"]) <= used_ex, set(raw["exercises"]) - used_ex
    used_cues = {q for c in raw["conditions"].values() for q in c["cues"]}
    assert all(raw["cues"][q]["triggers"] or q in used_cues for q in raw["cues"])


def test_condition_wording_never_asserts_a_diagnosis(raw):
    texts = [c["character"] for c in raw["conditions"].values()] + [
        ln["note"] for c in raw["conditions"].values() for ln in c.get("links", [])]
    for t in texts:
        assert not re.search(r"\byou have\b|\bdiagnos", t, re.IGNORECASE), t


# ---------------------------------------------------------------------------- loader rejects bad data
def _bad(raw, mutate):
    r = copy.deepcopy(raw)
    mutate(r)
    with pytest.raises(KnowledgeError) as e:
        parse_knowledge(r)
    return str(e.value)


def test_loader_rejects_bad_grade(raw):
    msg = _bad(raw, lambda r: r["metrics"]["pelvic_drop_deg"]["bands"][0].update(grade="E"))
    assert "metrics.toml" in msg and "pelvic_drop_deg" in msg and "grade" in msg


def test_loader_rejects_unknown_source(raw):
    msg = _bad(raw, lambda r: r["cues"]["cadence_up"].update(source=["nobody2099"]))
    assert "nobody2099" in msg and "cadence_up" in msg


def test_loader_rejects_missing_source(raw):
    msg = _bad(raw, lambda r: r["exercises"]["side_plank"].pop("source"))
    assert "side_plank" in msg and "source" in msg


def test_loader_rejects_unknown_exercise_reference(raw):
    msg = _bad(raw, lambda r: r["conditions"]["gluteal_tendinopathy"]["exercises"].append("handstand"))
    assert "handstand" in msg


def test_loader_rejects_unknown_metric_in_link(raw):
    msg = _bad(raw, lambda r: r["conditions"]["itb_syndrome"]["links"][0].update(metric="knee_wobble_deg"))
    assert "knee_wobble_deg" in msg


def test_loader_rejects_typo_key(raw):
    msg = _bad(raw, lambda r: r["advice"]["shoes"].update(whn="pain"))
    assert "whn" in msg


def test_loader_rejects_thresholds_in_wrong_order(raw):
    msg = _bad(raw, lambda r: r["metrics"]["pelvic_drop_deg"]["bands"][0].update(flag=6.0))
    assert "flag" in msg


def test_loader_rejects_link_direction_against_metric_concern(raw):
    msg = _bad(raw, lambda r: r["conditions"]["gluteal_tendinopathy"]["links"][0].update(direction="low"))
    assert "pelvic_drop_deg" in msg and "concern" in msg
