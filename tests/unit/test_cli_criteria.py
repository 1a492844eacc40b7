"""`toewijzing criteria validate`: the API's findings offline; exit 0 valid, 1 not, 2 malformed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.unit.test_criteria_cases import REGION, region_with

CLI = [sys.executable, "-m", "chalicelib.cli"]
ROOT = Path(__file__).resolve().parents[2]


def lowered(national: str = "national-2016") -> dict[str, Any]:
    from chalicelib.legal.timeline import national_criteria

    document = national_criteria(national).definition.model_dump(mode="json")
    document.update(effective_from="2017-01-01", effective_until="2018-07-31")
    document["arrangements"]["lwoo"]["routes"][0]["conditions"][0]["min"] = 70
    return document


def run(tmp_path: Path, definition: Any, region: Any, *extra: str) -> tuple[int, str, str]:
    (tmp_path / "criteria.json").write_text(
        definition if isinstance(definition, str) else json.dumps(definition)
    )
    (tmp_path / "region.json").write_text(json.dumps(region))
    done = subprocess.run(
        [
            *CLI,
            "criteria",
            "validate",
            str(tmp_path / "criteria.json"),
            "--region-file",
            str(tmp_path / "region.json"),
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_not_permitted_without_opt_out_exits_1_with_the_finding(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, lowered(), {k: v for k, v in REGION.items() if k != "region_id"})
    assert code == 1
    result = json.loads(out)
    assert result["valid"] is False
    assert ("deviates_from_national_criteria", "/arrangements/lwoo/routes/0/conditions/0/min") in {
        (f["code"], f["path"]) for f in result["findings"]
    }


def test_permitted_with_an_opt_out_in_the_region_file_exits_0(tmp_path: Path) -> None:
    region = region_with(["criteria"], 2017).model_dump(mode="json")
    code, out, _ = run(tmp_path, lowered(), region)
    assert code == 0
    assert json.loads(out)["valid"] is True


def test_malformed_input_exits_2_with_the_error_json(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "{not json", REGION)
    assert code == 2
    assert json.loads(err)["error"]["code"] == "validation_error"
    broken = lowered()
    broken["arrangements"]["lwoo"]["routes"][0]["conditions"][0]["kind"] = "shoe_size"
    code, _, err = run(tmp_path, broken, REGION)
    assert code == 2
    details = json.loads(err)["error"]["details"]
    assert details[0]["path"] == "/arrangements/lwoo/routes/0/conditions/0/kind"


def test_a_date_before_2016_exits_2(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, lowered(), REGION, "--date", "2015-06-01")
    assert code == 2
    assert json.loads(err)["error"]["code"] == "no_legal_phase"
