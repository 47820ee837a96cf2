"""``python -m formcheck.synth ...`` is the same as ``formcheck synth ...``."""

from formcheck.synth.cli import synth

if __name__ == "__main__":
    synth(prog_name="formcheck synth")
