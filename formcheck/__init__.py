"""formcheck: running-form analysis from video.

Public API::

    from formcheck import analyze, analyze_pose, RunnerInfo, AnalysisConfig
    a = analyze("clip.mp4", RunnerInfo(view="side", height_m=1.78, treadmill_speed_mps=3.0))
    a.metrics["cadence_spm"].value
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("formcheck")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

from formcheck.config import AnalysisConfig, load_config  # noqa: E402
from formcheck.errors import FormcheckError  # noqa: E402
from formcheck.types import Analysis, MetricValue, PoseSeries, RunnerInfo, VideoMeta  # noqa: E402


def analyze(*args, **kwargs):
    """See :func:`formcheck.pipeline.analyze`."""
    from formcheck.pipeline import analyze as _analyze

    return _analyze(*args, **kwargs)


def analyze_pose(*args, **kwargs):
    """See :func:`formcheck.pipeline.analyze_pose`."""
    from formcheck.pipeline import analyze_pose as _analyze_pose

    return _analyze_pose(*args, **kwargs)


__all__ = [
    "Analysis", "AnalysisConfig", "FormcheckError", "MetricValue", "PoseSeries", "RunnerInfo", "VideoMeta",
    "analyze", "analyze_pose", "load_config", "__version__",
]
