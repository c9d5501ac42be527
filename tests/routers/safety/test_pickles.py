"""The opcode walk: imports found however they are spelled, bounded in time, never executing anything."""

from __future__ import annotations

import io
import time

import pytest

from package.routers.safety import pickles


def analyse(data: bytes, *, seconds: float = 30, max_opcodes: int = 10_000_000) -> pickles.PickleFacts:
    return pickles.analyse(io.BytesIO(data), deadline=time.monotonic() + seconds, max_opcodes=max_opcodes)


def test_protocol_0_global_and_inst():
    facts = analyse(b"(S'ls'\nios\nsystem\n.")  # INST os system with ('ls',)
    assert facts.imports == [("os", "system")]
    assert facts.calls == 1 and facts.error is None


def test_stack_global_operands_from_the_memo():
    data = b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93\x8c\x02id\x85R."
    assert analyse(data).imports == [("os", "system")]


def test_stack_global_with_computed_operands_is_unresolved():
    data = b"\x80\x04K\x01K\x02\x93."  # two ints: names the pickle machine would refuse, never strings
    facts = analyse(data)
    assert facts.imports == [] and facts.unresolved


def test_extension_codes_are_unresolved():
    assert analyse(b"\x80\x02\x82\x01.").unresolved


def test_protocol_0_quoted_strings_are_read_as_literals():
    data = b"(S'builtins'\nS'eval'\n\x93."  # STRING opcodes feeding STACK_GLOBAL
    assert analyse(data).imports == [("builtins", "eval")]


def test_big_arguments_are_skipped_not_held():
    big = 50 * 1024 * 1024
    data = b"\x80\x04\x8e" + big.to_bytes(8, "little") + bytes(big) + b"."
    facts = analyse(data)
    assert facts.error is None and facts.pickles == 1


def test_a_huge_declared_length_is_malformed_not_a_memory_error():
    facts = analyse(b"\x80\x04\x8e" + (2**62).to_bytes(8, "little") + b"abc.")
    assert facts.error == "stream ends inside an opcode argument"


def test_pickles_back_to_back_are_all_read():
    facts = analyse(b"\x80\x02K\x01.\x80\x02cos\nsystem\n.")
    assert facts.pickles == 2 and facts.imports == [("os", "system")]


def test_data_after_the_pickles_is_not_an_error():
    facts = analyse(b"\x80\x02K\x01.\xff\xfe\xfd")
    assert facts.error is None and facts.trailing_bytes


@pytest.mark.parametrize("data", [b"", b"\xff", b"\x80\x02K", b"\x80\x02t.", b"\x80\x02(K\x01"])
def test_malformed_streams_are_reported(data):
    facts = analyse(data)
    assert facts.pickles == 0
    assert facts.error is not None or data == b""


def test_imports_before_a_break_are_still_reported():
    facts = analyse(b"\x80\x02cos\nsystem\n\xff")
    assert facts.imports == [("os", "system")] and facts.error


def test_the_opcode_budget_and_deadline_bound_the_walk():
    endless = b"\x80\x02" + b"K\x010" * 100_000 + b"N."
    assert analyse(endless, max_opcodes=1000).limit == "opcode budget exhausted"
    assert analyse(endless, seconds=-1).limit == "time limit reached"
