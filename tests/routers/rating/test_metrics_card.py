"""Metrics read from the model's own repository: each responds to its input in the expected direction."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from tests.routers.rating.conftest import HF, USAGE_BODY, card, explain, rate

BARE_BODY = "# Demo model\n\nA classifier.\n\n## Model description\n\nMore information needed\n"


def score(client, register, repo_id: str, metric: str):
    return rate(client, register(HF + repo_id))[metric]


class TestRampUpTime:
    def test_usage_code_and_install_beat_a_bare_card(self, client, register, hf_model):
        documented = hf_model("documented", **card(USAGE_BODY, license="mit"))
        documented_body = USAGE_BODY.replace("{repo}", documented)
        documented = hf_model("documented", **card(documented_body, license="mit"))
        bare = hf_model("bare", **card(BARE_BODY, license="mit"))
        high = score(client, register, documented, "ramp_up_time")
        low = score(client, register, bare, "ramp_up_time")
        assert high > 0.8 > 0.2 > low > 0

    def test_no_card_is_zero(self, client, register, hf_model):
        assert score(client, register, hf_model("cardless"), "ramp_up_time") == 0


class TestPerformanceClaims:
    INDEX: ClassVar[list[dict[str, Any]]] = [
        {
            "name": "m",
            "results": [
                {
                    "task": {"type": "text-classification"},
                    "dataset": {"name": "IMDB", "type": "imdb", "split": "test"},
                    "metrics": [{"type": "accuracy", "value": 0.93}],
                }
            ],
        }
    ]
    TABLE = (
        "# m\n\n## Evaluation results\n\n| split | accuracy |\n|---|---|\n| test | 0.93 |\n\n"
        "See arxiv.org/abs/1234.5678.\n"
    )

    def test_structured_verifiable_claims_score_highest(self, client, register, hf_model):
        full = hf_model("full", **card(self.TABLE, **{"model-index": self.INDEX}))
        prose = hf_model("prose", **card("# m\n\nIt reaches an accuracy of 0.93 on our data.\n"))
        none = hf_model("none", **card("# m\n\nA model.\n"))
        scores = [score(client, register, repo, "performance_claims") for repo in (full, prose, none)]
        assert scores == [1.0, pytest.approx(0.2), 0.0]

    def test_a_local_folder_dataset_is_not_verifiable(self, client, register, hf_model):
        local = [
            dict(
                self.INDEX[0],
                results=[
                    dict(self.INDEX[0]["results"][0], dataset={"name": "imagefolder", "type": "imagefolder"})
                ],
            )
        ]
        public = hf_model("public", **card("# m\n", **{"model-index": self.INDEX}))
        folder = hf_model("folder", **card("# m\n", **{"model-index": local}))
        assert score(client, register, public, "performance_claims") == pytest.approx(0.5)
        assert score(client, register, folder, "performance_claims") == pytest.approx(0.35)


class TestLicense:
    @pytest.mark.parametrize(
        ("license_id", "expected"),
        [
            ("apache-2.0", 1.0),
            ("mit", 1.0),
            ("lgpl-2.1", 1.0),
            ("mpl-2.0", 0.8),
            ("openrail", 0.7),
            ("lgpl-3.0", 0.6),
            ("llama3.2", 0.5),
            ("cc-by-sa-4.0", 0.5),
            ("other", 0.3),
            ("gpl-3.0", 0.25),
            ("cc-by-nc-4.0", 0.1),
            ("agpl-3.0", 0.1),
        ],
    )
    def test_declared_license(self, client, register, hf_model, license_id, expected):
        repo = hf_model(f"lic-{license_id.replace('.', '')}", **card("# m\n", license=license_id))
        assert score(client, register, repo, "license") == expected

    def test_apache_beats_gpl_beats_none(self, client, register, hf_model):
        apache = score(client, register, hf_model("apache", **card("# m\n", license="apache-2.0")), "license")
        gpl = score(client, register, hf_model("gpl", **card("# m\n", license="gpl-3.0")), "license")
        none = score(client, register, hf_model("nolicense", **card("# m\n")), "license")
        assert apache > gpl > none == 0

    def test_license_file_without_identifier_is_unclear(self, client, register, hf_model):
        repo = hf_model(
            "licfile", **card("# m\n"), files={"model.safetensors": (64, 1), "LICENSE": "Custom terms"}
        )
        assert score(client, register, repo, "license") == 0.3


class TestReproducibility:
    def body(self, code: str, language: str = "python") -> str:
        return f"# m\n\n## Usage\n\n```{language}\n{code}\n```\n"

    def test_complete_example_scores_one(self, client, register, hf_model):
        repo = hf_model("complete")
        code = f'from transformers import pipeline\npipe = pipeline(model="{repo}")\nprint(pipe("Hi"))'
        hf_model("complete", **card(self.body(code)))
        assert score(client, register, repo, "reproducibility") == 1.0

    @pytest.mark.parametrize(
        "code",
        [
            'pipe = pipeline("fill-mask", model="{repo}")',  # pipeline is never imported
            'from transformers import pipeline\npipe = pipeline("fill-mask", model="path/to/model")',
            'from transformers import pipeline\npipe = pipeline("fill-mask", model="{repo}"\n',  # unclosed
            'from mylocalpkg import run\nrun("{repo}")',
            "from PIL import Image\nfrom transformers import pipeline\n"
            'pipeline(model="{repo}")(Image.open("me.jpg"))',
        ],
    )
    def test_example_needing_fixes_scores_half(self, client, register, hf_model, code):
        repo = hf_model("needsfix")
        hf_model("needsfix", **card(self.body(code.replace("{repo}", repo))))
        assert score(client, register, repo, "reproducibility") == 0.5

    def test_no_code_is_zero_and_javascript_is_half(self, client, register, hf_model):
        none = hf_model("nocode", **card("# m\n\nNo example.\n"))
        js = hf_model("js")
        hf_model("js", **card(self.body(f"const c = await pipeline('fill-mask', '{js}');", "js")))
        assert score(client, register, none, "reproducibility") == 0
        assert score(client, register, js, "reproducibility") == 0.5

    def test_split_example_blocks_read_as_one_script(self, client, register, hf_model):
        repo = hf_model("split")
        body = self.body("from transformers import AutoModel") + self.body(
            f'model = AutoModel.from_pretrained("{repo}")'
        )
        hf_model("split", **card(body))
        assert score(client, register, repo, "reproducibility") == 1.0


class TestSizeScore:
    def test_bigger_weights_fit_fewer_devices(self, client, register, hf_model):
        small = hf_model("small", files={"model.safetensors": (10 * 1024**2, 1)})
        large = hf_model("large", files={"model.safetensors": (3 * 1024**3, 2)})
        small_score = score(client, register, small, "size_score")
        large_score = score(client, register, large, "size_score")
        assert small_score["raspberry_pi"] > 0.98
        assert large_score["raspberry_pi"] == large_score["jetson_nano"] == 0
        assert large_score["desktop_pc"] == pytest.approx(1 - 3 / 16, abs=1e-3)
        assert large_score["aws_server"] == pytest.approx(1 - 3 / 64, abs=1e-3)

    def test_the_smallest_weight_variant_counts(self, client, register, hf_model):
        repo = hf_model(
            "variants",
            files={  # above 1 GiB the fake hub does not hash generated files, which keeps this test fast
                "onnx/model.onnx": (3 * 1024**3, 3),
                "onnx/model_quantized.onnx": (5 * 1024**3 // 4, 4),
                "training_args.bin": (2 * 1024**3, 5),
            },
        )
        report = explain(client, register(HF + repo))
        assert report["rating"]["size_score"]["jetson_nano"] == 0.375
        assert "model_quantized.onnx" in report["metrics"]["size_score"]["reason"]
