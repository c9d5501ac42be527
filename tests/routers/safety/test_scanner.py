"""Each fixture file gets the right verdict from the scanners, and none of them runs."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from package.routers.safety.interface import FileFormat, FindingKind, Verdict, worst
from package.routers.safety.outcome import Outcome
from package.routers.safety.scanner import scan_file, sniff
from tests.fakehub.fixtures import safety_files as fx


def scan(path: str, data: bytes, *, complete: bool = True, size: int | None = None) -> Outcome:
    return scan_file(
        path,
        io.BytesIO(data),
        len(data) if size is None else size,
        complete=complete,
        deadline=time.monotonic() + 30,
    )


def verdict(out: Outcome) -> Verdict:
    return worst([f.severity for f in out.findings])


@pytest.fixture
def payload_canary(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "payload_canary"
    yield path
    assert not path.exists(), "a scanned payload ran"


def test_os_system_pickle_is_dangerous_by_both_scanners(payload_canary):
    out = scan("pytorch_model.bin", fx.os_system_pickle(payload_canary))
    assert out.format is FileFormat.PICKLE
    assert verdict(out) is Verdict.DANGEROUS
    assert out.imports == ["os.system"]
    assert out.scanners == ["registry-opcodes", "picklescan"]
    assert [f.kind for f in out.findings] == [FindingKind.DANGEROUS_IMPORT]
    assert "os.system" in out.findings[0].detail and out.findings[0].file == "pytorch_model.bin"


def test_stack_global_from_the_memo_is_resolved_inside_a_torch_zip(payload_canary):
    out = scan("model.pt", fx.pytorch_zip(fx.popen_stack_global_pickle(payload_canary)))
    assert out.format is FileFormat.PYTORCH_ZIP
    assert verdict(out) is Verdict.DANGEROUS
    assert "subprocess.Popen" in out.imports
    assert any("archive/data.pkl" in f.detail for f in out.findings)


def test_a_benign_torch_zip_is_safe():
    out = scan("pytorch_model.bin", fx.pytorch_zip(fx.state_dict_pickle()))
    assert out.format is FileFormat.PYTORCH_ZIP
    assert out.findings == []
    assert set(out.imports) == {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch.FloatStorage",
    }


def test_legacy_torch_pickle_of_a_state_dict_is_safe():
    out = scan("pytorch_model.bin", fx.state_dict_pickle() + bytes(range(200)))  # pickle, then raw tensors
    assert out.findings == []


def test_unknown_import_is_suspicious():
    out = scan("model.pkl", b"\x80\x02csklearn.linear_model\nLogisticRegression\n)R.")
    assert verdict(out) is Verdict.SUSPICIOUS
    assert out.findings[0].kind is FindingKind.UNKNOWN_IMPORT


@pytest.mark.parametrize("name", ["model.keras", "weights.bin"])
def test_keras_archive_with_a_lambda_layer_is_dangerous(name):
    out = scan(name, fx.keras_zip(with_lambda=True))
    assert out.format is FileFormat.KERAS_ZIP or name == "weights.bin"
    assert verdict(out) is Verdict.DANGEROUS
    assert "exfiltrate" in out.findings[0].detail


def test_keras_archive_without_lambda_is_safe():
    assert scan("model.keras", fx.keras_zip(with_lambda=False)).findings == []


def test_keras_h5_with_a_lambda_layer_is_dangerous(tmp_path):
    out = scan("model.h5", fx.keras_h5(tmp_path / "m.h5", with_lambda=True))
    assert out.format is FileFormat.HDF5
    assert [f.kind for f in out.findings] == [FindingKind.KERAS_LAMBDA]
    assert scan("model.h5", fx.keras_h5(tmp_path / "n.h5", with_lambda=False)).findings == []


@pytest.mark.parametrize(
    ("data", "words"),
    [(fx.truncated_safetensors(), "the file has"), (fx.oversized_safetensors(), "over the format's limit")],
)
def test_broken_safetensors_headers_are_suspicious(data, words):
    out = scan("model.safetensors", data)
    assert out.format is FileFormat.SAFETENSORS
    assert verdict(out) is Verdict.SUSPICIOUS
    assert words in out.findings[0].detail


def test_valid_safetensors_is_safe():
    blob = fx.weights()
    data = blob.read(0, blob.size)  # type: ignore[attr-defined]
    assert scan("model.safetensors", data).findings == []


def test_safetensors_offsets_must_stay_inside_the_file():
    header = b'{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 4096]}}'
    out = scan("x.safetensors", fx.safetensors_header(len(header), header) + bytes(16))
    assert "outside" in out.findings[0].detail


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("weights.bin", Verdict.SAFE),
        ("../../../../etc/passwd", Verdict.DANGEROUS),
        ("/etc/shadow", Verdict.DANGEROUS),
    ],
)
def test_onnx_external_data_must_stay_in_the_model_folder(location, expected):
    out = scan("model.onnx", fx.onnx_external(location))
    assert verdict(out) is expected
    if expected is Verdict.DANGEROUS:
        assert out.findings[0].kind is FindingKind.EXTERNAL_DATA_PATH and location in out.findings[0].detail


def test_a_random_onnx_file_is_malformed():
    assert verdict(scan("model.onnx", b"\x08\x07\x12\x07pytorch" + bytes([0xFF] * 40))) is Verdict.SUSPICIOUS


def test_gguf_header_and_chat_template():
    assert scan("m.gguf", fx.gguf()).findings == []
    evil = "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('id').read() }}"
    out = scan("m.gguf", fx.gguf(evil))
    assert verdict(out) is Verdict.DANGEROUS and out.findings[0].kind is FindingKind.TEMPLATE_INJECTION
    claims_too_much = b"GGUF" + (3).to_bytes(4, "little") + (2**40).to_bytes(8, "little") * 2
    assert verdict(scan("m.gguf", claims_too_much)) is Verdict.SUSPICIOUS


def test_numpy_object_array_carries_a_pickle(payload_canary):
    out = scan("arr.npy", fx.numpy_object_array(fx.os_system_pickle(payload_canary)))
    assert out.format is FileFormat.NUMPY and verdict(out) is Verdict.DANGEROUS


def test_gzip_compressed_joblib_is_opened(payload_canary):
    import gzip

    out = scan("model.joblib", gzip.compress(fx.os_system_pickle(payload_canary)))
    assert verdict(out) is Verdict.DANGEROUS


def test_a_pickle_disguised_as_json_is_found_by_its_bytes(payload_canary):
    assert verdict(scan("config.json", fx.os_system_pickle(payload_canary))) is Verdict.DANGEROUS


def test_a_file_over_the_size_limit_is_unscanned():
    out = scan("pytorch_model.bin", b"\x80\x02", complete=False, size=10**12)
    assert verdict(out) is Verdict.UNSCANNED and out.findings[0].kind is FindingKind.SCAN_LIMIT


def test_plain_text_files_are_other():
    assert sniff("README.md", b"# hello") is FileFormat.OTHER
    assert scan("README.md", b"# hello").findings == []


def test_zip_member_escaping_the_archive_is_suspicious():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.txt", "x")
    out = scan("bundle.zip", buffer.getvalue())
    assert [f.kind for f in out.findings] == [FindingKind.ARCHIVE_PATH]


@pytest.mark.parametrize(
    ("name", "data"),
    [("model.h5", b"\x89HDF\r\n\x1a\n" + bytes(1024)), ("model.onnx", b"\x08\x01" * 70_000)],
)
def test_header_walks_stop_at_the_deadline(name, data):
    out = scan_file(name, io.BytesIO(data), len(data), complete=True, deadline=time.monotonic() - 1)
    assert [f.kind for f in out.findings] == [FindingKind.SCAN_LIMIT]
    assert verdict(out) is Verdict.UNSCANNED


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("arr.npy", FileFormat.NUMPY),
        ("m.gguf", FileFormat.GGUF),
        ("m.h5", FileFormat.HDF5),
        ("m.keras", FileFormat.KERAS_ZIP),
    ],
)
def test_a_model_file_name_with_foreign_bytes_is_checked_as_named(name, fmt):
    out = scan(name, b"not what the name says, at all" * 4)
    assert out.format is fmt
    assert verdict(out) in (Verdict.SUSPICIOUS, Verdict.SAFE)  # HDF5 without a Lambda is simply safe
    if fmt is not FileFormat.HDF5:
        assert out.findings[0].kind is FindingKind.MALFORMED


def test_a_truncated_gguf_is_malformed_but_a_partly_read_one_is_unscanned():
    data = fx.gguf("x" * 100)
    cut = data[:-20]
    assert verdict(scan("m.gguf", cut, size=len(data))) is Verdict.SUSPICIOUS
    partial = scan("m.gguf", cut, complete=False, size=len(data))
    assert verdict(partial) is Verdict.UNSCANNED and partial.findings[0].kind is FindingKind.SCAN_LIMIT
