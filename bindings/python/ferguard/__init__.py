"""ferguard: facial expression recognition with controlled privacy and measured identity leakage.

Images are numpy arrays: HxWx3 uint8 RGB (scaled to [0, 1]) or float32 in [0, 1].
Errors: ferguard.InvalidArgument (a ValueError), ferguard.IoError (an OSError),
ferguard.ModelError (a RuntimeError), all derived from ferguard.Error.
"""
from ._core import (  # noqa: F401
    EXPRESSIONS,
    Dataset,
    Error,
    InvalidArgument,
    IoError,
    ModelError,
    open_dataset,
    __version__,
    haar_merge,
    haar_split,
    read_image,
    split,
    synth_faces,
    write_image,
)
