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
