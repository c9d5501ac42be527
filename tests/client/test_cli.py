"""Every `registry` command against a live registry: JSON parsed, exit codes, resumed downloads."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD, wait_for_mirrors

BERT_URL = "https://huggingface.co/google-bert/bert-base-uncased"
LARGE_URL = "https://huggingface.co/acme/tiny-weights-20mb"


def _register(cli, url=BERT_URL, kind="model", *extra):
    outcome = cli("add", kind, url, *extra, "--json")
    assert outcome.exit_code == 0, outcome.output
    return outcome.json[0]["id"]


class TestAccount:
    def test_login_saves_a_private_token_and_whoami_uses_it(self, cli, tmp_path):
        logged = cli("login", "--user", DEFAULT_ADMIN, "--password", DEFAULT_ADMIN_PASSWORD, "--json",
                     env={"REGISTRY_TOKEN": None})  # fmt: skip
        assert logged.exit_code == 0, logged.output
        saved = Path(logged.json["saved_to"])
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        me = cli("whoami", "--json", env={"REGISTRY_TOKEN": None})
        assert me.exit_code == 0 and me.json["name"] == DEFAULT_ADMIN
        assert cli("logout", "--json").json == {"logged_out": True}
        assert cli("whoami", env={"REGISTRY_TOKEN": None}).exit_code == 3

    def test_wrong_password_and_bad_token_exit_3(self, cli):
        wrong = cli("login", "--user", DEFAULT_ADMIN, "--password", "nope", "--json")
        assert wrong.exit_code == 3 and wrong.json["status"] == 401
        bad = cli("ls", "--json", env={"REGISTRY_TOKEN": "tmr_bad.token"})
        assert bad.exit_code == 3 and bad.json["status"] == 403

    def test_token_prefix_is_optional(self, cli, live):
        bare = str(live.admin.headers["X-Authorization"]).split(" ", 1)[1]
        assert cli("whoami", "--json", env={"REGISTRY_TOKEN": bare}).json["name"] == DEFAULT_ADMIN

    def test_unreachable_registry_exits_4(self, cli):
        outcome = cli("whoami", "--json", env={"REGISTRY_URL": "http://127.0.0.1:9"})
        assert outcome.exit_code == 4 and "Could not reach" in outcome.json["error"]


class TestArtifacts:
    def test_add_many_from_a_file_concurrently(self, cli, tmp_path):
        urls = tmp_path / "urls.txt"
        urls.write_text(f"{BERT_URL}\n# a comment\nhttps://huggingface.co/microsoft/resnet-50 resnet\n"
                        "https://example.com/not-a-source\n")  # fmt: skip
        outcome = cli("add", "model", "--file", str(urls), "--json")
        assert outcome.exit_code == 2  # one URL was refused as given
        rows = outcome.json
        assert [r["ok"] for r in rows] == [True, True, False]
        assert rows[1]["name"] == "resnet" and rows[2]["status"] == 400

    def test_ls_search_show(self, cli):
        bert = _register(cli)
        _register(cli, "https://huggingface.co/datasets/rajpurkar/squad", "dataset")
        listed = cli("ls", "--json").json
        assert {a["name"] for a in listed} == {"bert-base-uncased", "squad"}
        assert [a["name"] for a in cli("ls", "--type", "dataset", "--json").json] == ["squad"]
        assert [a["id"] for a in cli("search", "bert", "--json").json] == [bert]
        shown = cli("show", bert, "--json").json
        assert shown["metadata"]["id"] == bert and shown["file_count"] > 0
        assert "bert-base-uncased" in cli("ls").output  # the table for people

    def test_rate_explain_lineage_cost_license(self, cli):
        bert = _register(cli)
        rating = cli("rate", bert, "--json")
        assert rating.exit_code == 0 and 0 <= rating.json["net_score"] <= 1
        explained = cli("rate", bert, "--explain", "--json").json
        assert explained["metrics"] and all("reason" in m for m in explained["metrics"].values())
        assert (
            "reason" in cli("rate", bert, "--explain").output
            or "why" in cli("rate", bert, "--explain").output
        )
        graph = cli("lineage", bert, "--json").json
        assert any(n["artifact_id"] == bert for n in graph["nodes"])
        assert "bert-base-uncased" in cli("lineage", bert).output
        costs = cli("cost", bert, "--json").json
        assert costs[bert]["standalone_cost"] > 0
        verdict = cli("license-check", bert, "https://github.com/google-research/bert", "--json")
        assert verdict.exit_code == 0 and isinstance(verdict.json, bool)

    def test_rate_lineage_and_cost_of_an_earlier_version(self, cli, live):
        bert = _register(cli)
        first = cli("rate", bert, "--json").json
        meta = cli("show", bert, "--json").json["metadata"]
        body = {"metadata": meta, "data": {"url": "https://huggingface.co/microsoft/resnet-50"}}
        assert live.admin.put(f"/artifacts/model/{bert}", json=body).status_code == 200  # version 2
        assert cli("rate", bert, "--version", "1", "--json").json == first
        explained = cli("rate", bert, "--version", "1", "--explain", "--json").json
        assert explained["rating"] == first
        old_graph = cli("lineage", bert, "--version", "1", "--json").json
        assert any(n["artifact_id"] == bert and "bert" in n["name"] for n in old_graph["nodes"])
        old_cost = cli("cost", bert, "--version", "1", "--json").json
        assert old_cost[bert]["standalone_cost"] != cli("cost", bert, "--json").json[bert]["standalone_cost"]
        assert cli("rate", bert, "--version", "9", "--json").exit_code == 1  # no such version: not found
        assert cli("cost", bert, "--version", "0").exit_code == 2  # usage

    def test_not_found_and_usage_exit_codes(self, cli):
        missing = cli("show", "00000000-0000-0000-0000-000000000000", "--json")
        assert missing.exit_code == 1
        assert cli("add", "spaceship", BERT_URL).exit_code == 2
        assert cli("ls", "--type", "nope").exit_code == 2
        assert cli("frobnicate").exit_code == 2


class TestDownload:
    def test_one_file_verified(self, cli, tmp_path):
        bert = _register(cli)
        wait_for_mirrors()
        target = tmp_path / "out" / "config.json"
        done = cli("download", bert, "config.json", "-o", str(target), "--json")
        assert done.exit_code == 0, done.output
        assert (
            done.json["verified"] and done.json["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
        )

    def test_whole_bundle(self, cli, tmp_path):
        bert = _register(cli)
        wait_for_mirrors()
        done = cli("download", bert, "-o", str(tmp_path), "--json")
        assert done.exit_code == 0 and done.json["verified"]
        with zipfile.ZipFile(done.json["path"]) as bundle:
            assert "config.json" in bundle.namelist()

    def test_interrupted_download_resumes(self, cli, tmp_path, hub_weights_sha):
        large = _register(cli, LARGE_URL)
        wait_for_mirrors()
        target = tmp_path / "model.safetensors"
        done = cli("download", large, "model.safetensors", "-o", str(target), "--json")
        assert done.exit_code == 0, done.output
        assert done.json["resumed"] and done.json["verified"]
        assert hashlib.sha256(target.read_bytes()).hexdigest() == hub_weights_sha
        assert not target.with_name("model.safetensors.part").exists()

    def test_unknown_file_exits_1(self, cli):
        bert = _register(cli)
        assert cli("download", bert, "nope.bin", "--json").exit_code == 1


class TestUsersAndTokens:
    def test_users_lifecycle(self, cli):
        permissions = ("-p", "search", "-p", "download")
        added = cli("users", "add", "carol", "--password", "carol-password-1", *permissions, "--json")
        assert added.exit_code == 0 and added.json["permissions"] == ["search", "download"]
        assert "carol" in {u["name"] for u in cli("users", "ls", "--json").json}
        changed = cli("users", "set", "carol", "-p", "search", "--json")
        assert changed.json["permissions"] == ["search"]
        login = cli(
            "login", "-u", "carol", "--password", "carol-password-1", "--json", env={"REGISTRY_TOKEN": None}
        )
        assert login.exit_code == 0
        passwd = cli("users", "passwd", "carol", "--old", "carol-password-1", "--new", "carol-password-2",
                     "--json", env={"REGISTRY_TOKEN": None})  # fmt: skip
        assert passwd.exit_code == 0, passwd.output
        assert cli("users", "rm", "carol", "--json").json == {"deleted": "carol"}
        assert cli("users", "rm", "carol", "--json").exit_code == 1

    def test_tokens_create_use_revoke(self, cli):
        created = cli("tokens", "create", "ci", "-p", "search", "--days", "1", "--json").json
        secret = created["token"]
        assert cli("ls", "--json", env={"REGISTRY_TOKEN": secret}).exit_code == 0
        assert (
            cli("users", "ls", "--json", env={"REGISTRY_TOKEN": secret}).exit_code == 3
        )  # not an admin token
        listed = cli("tokens", "ls", "--json").json
        assert [t["name"] for t in listed] == ["ci"] and listed[0]["uses"] >= 1
        assert cli("tokens", "revoke", created["id"], "--json").exit_code == 0
        assert cli("ls", "--json", env={"REGISTRY_TOKEN": secret}).exit_code == 3


def test_the_console_script_is_installed():
    script = Path(sys.executable).with_name("registry")
    assert script.exists(), "make install installs the `registry` command (pip install -e .)"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60, check=False,
                          env=os.environ | {"COLUMNS": "200"})  # fmt: skip
    assert done.returncode == 0 and "download" in done.stdout


@pytest.fixture
def hub_weights_sha(hub):
    from huggingface_hub import HfApi

    info = HfApi(endpoint=hub.hf_url).model_info("acme/tiny-weights-20mb", files_metadata=True)
    return next(s.lfs.sha256 for s in info.siblings or [] if s.rfilename == "model.safetensors" and s.lfs)


def test_tables_for_people(cli):
    bert = _register(cli)
    assert DEFAULT_ADMIN in cli("whoami").output
    assert "bert-base-uncased" in cli("show", bert).output
    assert "net_score" in cli("rate", bert).output
    assert "standalone" in cli("cost", bert).output
    assert "compatible" in cli("license-check", bert, "https://github.com/google-research/bert").output
    cli("tokens", "create", "people", "-p", "search")
    assert "people" in cli("tokens", "ls").output
    assert DEFAULT_ADMIN in cli("users", "ls").output
    missing = cli("show", "00000000-0000-0000-0000-000000000000")
    assert missing.exit_code == 1 and missing.output == ""  # the error goes to stderr


def test_lineage_prints_bases_above_what_derives_from_them(cli):
    _register(cli, "https://huggingface.co/microsoft/resnet-50")
    child = _register(cli, "https://huggingface.co/crangana/trained-gender")
    graph = cli("lineage", child, "--json").json
    assert graph["edges"], graph
    printed = cli("lineage", child).output
    assert printed.index("resnet-50") < printed.index("trained-gender")
