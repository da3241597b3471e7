"""ferguard: facial expression recognition with controlled privacy and measured identity leakage.

Images are numpy arrays: HxWx3 uint8 RGB (scaled to [0, 1]) or float32 in [0, 1].
Errors: ferguard.InvalidArgument (a ValueError), ferguard.IoError (an OSError),
ferguard.ModelError (a RuntimeError), all derived from ferguard.Error.
"""
from ._core import *  # noqa: F401,F403  (every public name of the C++ core)
from ._core import __git_commit__, __version__  # noqa: F401


def train(out, dataset="synth", preset="quick", **options):
    """Train the learned privacy pipeline on a dataset spec ("synth", "synth:identities=20,size=64",
    "csv:PATH", "folder:PATH", "cremad:PATH", "rafdb:PATH") and write it to the folder `out`.

    `preset` is "quick", "full" or "tiny"; keyword options override the preset's fields by their
    config.json names (strength_low, strength_high, sweep, seed, threads, epochs_enhancers, image_size,
    loss={"invariance": ...}, progress, resume, ...). Returns the evaluation report as a dict.
    """
    import json
    from . import _core

    config = json.loads(_core._preset_json(preset))
    for key, value in options.items():
        if key == "loss":
            config["loss"].update(value)
        elif key in config:
            config[key] = value
        else:
            raise InvalidArgument(f"train: unknown option '{key}'")
    return json.loads(_core._train(str(out), dataset, json.dumps(config)))


def evaluate(model, dataset="synth", strengths=(), threads=1, epochs_attacker=-1, seed=-1, progress=False):
    """Evaluate a trained pipeline folder on a dataset spec: FER metrics on clean and privatized faces,
    identity accuracy of the fixed validator and of an adaptive attacker retrained on privatized faces,
    and the leakage ratio L = max(0, (acc_priv - chance) / (acc_clean - chance)). Returns a dict."""
    import json
    from . import _core

    return json.loads(_core._evaluate(str(model), dataset, list(strengths), threads, epochs_attacker, seed, progress))


from ._audit import AuditReport, audit  # noqa: E402,F401
