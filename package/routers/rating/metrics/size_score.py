"""size_score: how well the model's weights fit each deployment target's memory.

Inputs: the model repository's file manifest (paths and sizes).
Weights: files with a weight extension (.safetensors, .bin, .pt, .pth, .ckpt, .onnx, .h5, .gguf,
.msgpack, .tflite...). Repositories often hold the same weights several times (PyTorch and safetensors, fp32
and quantized ONNX, several GGUF quantisations); a deployment downloads one. Files are grouped into variants
(one format in one folder, its shards `-00001-of-00002` summed; each .onnx / .gguf file with its external
data its own variant) and the smallest variant is what must fit. Optimizer / training-state files are not
weights.
Budgets (memory a device can give the weights, leaving room for the runtime and activations):
  raspberry_pi 1 GiB (Pi 4/5, 4 GB RAM)   jetson_nano 2 GiB (4 GB shared CPU/GPU memory)
  desktop_pc 16 GiB (32 GB RAM or a 16 GB GPU)   aws_server 64 GiB (a large-memory GPU instance)
Formula per device: max(0, 1 - weight bytes / budget). net_score uses the mean over devices; the ingest
threshold uses the best device. A repository without weight files scores 1 everywhere (nothing to load).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from package.routers.artifacts.interface import SnapshotFile
from package.routers.rating.inputs.github_facts import WEIGHT_SUFFIXES
from package.routers.rating.metrics.base import Metric, Outcome, RatingContext, clamp

GIB = 1024**3
BUDGETS = {"raspberry_pi": 1 * GIB, "jetson_nano": 2 * GIB, "desktop_pc": 16 * GIB, "aws_server": 64 * GIB}
SINGLE_FILE_VARIANTS = (".onnx", ".gguf", ".ggml", ".tflite")
SHARD = re.compile(r"-\d{5}-of-\d{5}")
IGNORED_WEIGHTS = re.compile(r"(^|/)(training_args|optimizer|scheduler|rng_state[^/]*)\.(bin|pt|pth)$")


def variants(files: Iterable[SnapshotFile]) -> dict[str, int]:
    """Bytes of each weight variant, by variant key."""
    sizes: dict[str, int] = defaultdict(int)
    for entry in files:
        path = entry.path
        if not path.lower().endswith(WEIGHT_SUFFIXES) or IGNORED_WEIGHTS.search(path):
            continue
        folder, _, name = path.rpartition("/")
        suffix = name.rsplit(".", 1)[-1].lower()
        if path.lower().endswith(".onnx_data"):  # an ONNX model's external tensors belong to its .onnx file
            key = path[: -len("_data")]
        elif path.lower().endswith(SINGLE_FILE_VARIANTS):
            key = path
        else:
            key = f"{folder}/*.{suffix}"
        if SHARD.search(name):
            key = f"{folder}/{SHARD.sub('', name)}"
        sizes[key] += entry.size
    return dict(sizes)


def compute(ctx: RatingContext) -> Outcome:
    """Score the weights' fit per device."""
    found = variants(ctx.files)
    if not found:
        return Outcome({device: 1.0 for device in BUDGETS}, "no weight files: nothing to fit in memory")
    key, size = min(found.items(), key=lambda item: item[1])
    scores = {device: round(clamp(1 - size / budget), 4) for device, budget in BUDGETS.items()}
    others = f" (smallest of {len(found)} variants)" if len(found) > 1 else ""
    return Outcome(scores, f"weights {key}: {size / 1024**2:.1f} MiB{others}")


METRIC = Metric(name="size_score", weight=0.08, compute=compute)
