"""Local fake of the Hugging Face Hub and GitHub REST APIs for tests (see hub.FakeHub)."""

from tests.fakehub.blobs import Blob, GeneratedBlob, StaticBlob
from tests.fakehub.gh_specs import ActivitySpec, Contributor, PullFileSpec, PullSpec, ReviewSpec
from tests.fakehub.hf_commits import HubHistory
from tests.fakehub.hub import FakeHub
from tests.fakehub.st_format import Tensor, safetensors_blob

__all__ = [
    "ActivitySpec",
    "Blob",
    "Contributor",
    "FakeHub",
    "GeneratedBlob",
    "HubHistory",
    "PullFileSpec",
    "PullSpec",
    "ReviewSpec",
    "StaticBlob",
    "Tensor",
    "safetensors_blob",
]
