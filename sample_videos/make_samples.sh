#!/usr/bin/env bash
# Regenerate the demo clips in this folder (deterministic: same formcheck version -> same truth and frames).
# `python -m formcheck.synth` is the same command as `formcheck synth`.
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-python}"
COMMON=(--fps 60 --seconds 10 --width 960 --height 540 --crf 18 --seed 1)
"$PY" -m formcheck.synth --view side --facing right "${COMMON[@]}" --out side_treadmill.mp4
"$PY" -m formcheck.synth --view rear --pelvic-drop-deg 7 "${COMMON[@]}" --out rear_treadmill.mp4
"$PY" -m formcheck.synth --view front --pelvic-drop-deg 7 "${COMMON[@]}" --out front_treadmill.mp4
