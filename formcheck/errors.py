"""Exceptions raised by formcheck.

Every error a user can cause (bad file, no runner, too few strides, bad config) is a
``FormcheckError``; shells print its message on one line and exit non-zero. Anything else is a bug.
"""

from __future__ import annotations


class FormcheckError(Exception):
    """Base class for errors caused by the input, not by a bug."""


class VideoReadError(FormcheckError):
    """The file is missing, is not a video, has no video stream or no decodable frame."""


class ModelNotFoundError(FormcheckError):
    """A pose model bundle is missing, corrupted, or cannot be built."""


class NoRunnerDetectedError(FormcheckError):
    """No person was found in enough frames to analyse."""


class NoGaitDetectedError(FormcheckError):
    """A person was found but no running (or walking) gait could be detected."""


class InsufficientStridesError(FormcheckError):
    """Too few valid strides to summarise a metric."""

    def __init__(self, n_found: int, n_required: int, side: str = "both") -> None:
        super().__init__(
            f"only {n_found} valid strides found ({side}); at least {n_required} are needed - "
            "film a longer clip (>= 10 s of steady running)"
        )
        self.n_found, self.n_required, self.side = n_found, n_required, side


class ConfigError(FormcheckError):
    """A configuration file or value is invalid."""
