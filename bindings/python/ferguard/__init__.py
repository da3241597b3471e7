"""ferguard: facial expression recognition with controlled privacy and measured identity leakage.

Images are numpy arrays: HxWx3 uint8 RGB (scaled to [0, 1]) or float32 in [0, 1].
Errors: ferguard.InvalidArgument (a ValueError), ferguard.IoError (an OSError),
ferguard.ModelError (a RuntimeError), all derived from ferguard.Error.
"""
from ._core import *  # noqa: F401,F403  (every public name of the C++ core)
from ._core import __version__  # noqa: F401
