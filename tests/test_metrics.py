"""The METRICS table and docs/metrics.md agree; strike pattern cut-offs."""

from pathlib import Path

from formcheck.metrics import METRICS, strike_pattern

DOC = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"


def test_docs_match_metrics_table():
    text = DOC.read_text()
    for m in METRICS:
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{m.name}` |")), None)
        assert row is not None, m.name
        assert f"| {m.unit} |" in row and m.definition in row


def test_unit_suffixes():
    for m in METRICS:
        suffix = {"s": "_s", "deg": "_deg", "cm": "_cm", "m": "_m", "leg": "_leg", "steps/min": "_spm"}.get(m.unit)
        if suffix:
            assert m.name.endswith(suffix), m.name


def test_strike_pattern():
    assert strike_pattern(15) == "rearfoot" and strike_pattern(3) == "midfoot" and strike_pattern(-5) == "forefoot"


def test_summary_carries_the_spec_caveat_and_confidence_scale():
    import numpy as np
    import pandas as pd

    from formcheck.metrics import SPECS, summarise_column

    strides = pd.DataFrame({"side": ["left", "right"] * 3, "knee_flexion_ic_deg": np.arange(6.0) + 15})
    spec = SPECS["knee_flexion_ic_deg"]
    mv = summarise_column("knee_flexion_ic_deg", strides, confidence=0.8, reason="walking")
    assert mv.confidence == 0.8 * spec.confidence_scale < 0.8
    assert mv.reason == f"walking; {spec.caveat}"
    plain = summarise_column("cadence_spm", strides.rename(columns={"knee_flexion_ic_deg": "cadence_spm"}), confidence=0.8)
    assert plain.confidence == 0.8 and plain.reason == ""
    missing = summarise_column("knee_flexion_ic_deg", strides.drop(columns="knee_flexion_ic_deg"), confidence=0.8)
    assert not missing.measured and missing.reason == "not measurable in this clip"


def test_caveats_are_documented():
    text = DOC.read_text()
    for m in METRICS:
        if m.caveat:
            assert f"`{m.name}`" in text.split("## Limits at initial contact")[1], m.name
