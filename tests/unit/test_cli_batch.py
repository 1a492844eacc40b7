"""`toewijzing batch submit` against `make run`'s stack (dynalite + chalice local, the worker
in-process): files in, results CSV out, a rerun after an interruption resumes its batch."""

from __future__ import annotations

import csv
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.cli import batch, batch_wait, main
from chalicelib.cli.api_client import Response
from scripts.localdev import free_port
from tests.api.conftest import REGION
from tests.api.test_batches import as_csv, cohort
from tests.support.local_server import LocalServer

pytestmark = pytest.mark.dynalite
TOKEN = "local-admin-token"
OSO = Path(__file__).resolve().parents[1] / "data" / "oso" / "examples"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with LocalServer(tmp_path_factory.mktemp("cli-batch") / "dynalite") as running:
        call(running, "PUT", "/v1/regions/VO2001", REGION)
        yield running


def call(server: LocalServer, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    request = urllib.request.Request(server.url + path, data, headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def dossiers(prefix: str, n: int = 6) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        dossier = cohort()[i % 4]
        dossier["student"]["ref"] = f"{prefix}-{i:03d}"
        rows.append(dossier)
    return rows


def submit(server: LocalServer, file: Path, *extra: str) -> int:
    argv = ["batch", "submit", str(file), "--url", server.url, "--token", TOKEN,
            "--region", "VO2001", "--poll-interval", "0.2", "--lang", "en", *extra]  # fmt: skip
    return main(argv)


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def decisions_of(server: LocalServer, ref: str) -> list[str]:
    listed = call(server, "GET", f"/v1/regions/VO2001/decisions?student_ref={ref}")
    return [d["decision_id"] for d in listed["items"]]


def test_a_csv_file_is_decided_and_its_results_written(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = dossiers("cli-csv")
    file = tmp_path / "leerlingen.csv"
    file.write_text(as_csv(rows), encoding="utf-8")

    assert submit(server, file) == 0

    out, err = capsys.readouterr()
    status = json.loads(out)
    assert status["status"] == "completed"
    assert status["counts"]["pending"] == 0
    assert "completed [##########] 6/6" in err  # stderr is no terminal: plain lines
    assert "\r" not in err
    results = read_results(tmp_path / "leerlingen.csv.results.csv")
    assert [r["row"] for r in results] == ["1", "2", "3", "4", "5", "6"]
    assert [r["student_ref"] for r in results] == [d["student"]["ref"] for d in rows]
    assert {r["status"] for r in results} == {"decided"}
    assert all(r["volgnummer"].startswith("VO2001-2017-") for r in results)
    state = json.loads((tmp_path / "leerlingen.csv.batch.json").read_text(encoding="utf-8"))
    assert state["batch_id"] == status["batch_id"]
    assert state["url"] == server.url and state["region"] == "VO2001"


def test_a_rerun_after_an_interruption_resumes_instead_of_resubmitting(
    server: LocalServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = dossiers("cli-resume")
    file = tmp_path / "leerlingen.csv"
    file.write_text(as_csv(rows), encoding="utf-8")
    out = tmp_path / "uit" / "resultaten.csv"
    methods: list[str] = []
    request = batch.Api.request

    def spy(self: batch.Api, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        methods.append(method)
        return request(self, method, path, *args, **kwargs)

    def interrupted(*_: Any) -> dict[str, Any]:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch.Api, "request", spy)
    with monkeypatch.context() as patch:
        patch.setattr(batch, "wait", interrupted)  # Ctrl-C while waiting
        assert submit(server, file, "--out", str(out)) == 130
    assert "run the same command again to resume" in capsys.readouterr().err
    state_file = tmp_path / "uit" / "leerlingen.csv.batch.json"
    first = json.loads(state_file.read_text(encoding="utf-8"))
    assert methods == ["POST"]
    assert not out.exists()

    assert submit(server, file, "--out", str(out)) == 0

    _, err = capsys.readouterr()
    assert f"resuming batch {first['batch_id']}" in err
    assert "POST" not in methods[1:]  # nothing submitted again
    assert json.loads(state_file.read_text(encoding="utf-8")) == first
    results = read_results(out)
    assert len(results) == 6 and {r["status"] for r in results} == {"decided"}
    for dossier, result in zip(rows, results, strict=True):
        assert decisions_of(server, dossier["student"]["ref"]) == [result["decision_id"]]

    assert submit(server, file, "--out", str(out)) == 0  # done: a rerun changes nothing
    assert "POST" not in methods[1:]
    assert read_results(out) == results

    file.write_text(as_csv(dossiers("cli-resume-2", 2)), encoding="utf-8")  # another file
    assert submit(server, file, "--out", str(out)) == 0
    assert methods.count("POST") == 2
    assert json.loads(state_file.read_text(encoding="utf-8"))["batch_id"] != first["batch_id"]
    assert len(read_results(out)) == 2


def test_json_and_oso_files(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = tmp_path / "items.json"
    bad = {"student": {"ref": "111222333"}}  # a BSN, and incomplete: rejected with its pointer
    items.write_text(json.dumps({"items": [*dossiers("cli-json", 2), bad]}), encoding="utf-8")
    assert submit(server, items) == 0
    results = read_results(tmp_path / "items.json.results.csv")
    assert [r["status"] for r in results] == ["decided", "decided", "rejected"]
    assert results[2]["errors"]

    dossier = tmp_path / "dossier.xml"
    dossier.write_bytes((OSO / "Voorbeelddossier_PaO_POSWV_full.xml").read_bytes())
    evidence = ["--board-motivation", "--parent-view", "--expert-advice", "orthopedagoog"]
    code = submit(server, dossier, "--arrangement", "lwoo", "--date", "2016-03-01", *evidence)
    assert code == 0, capsys.readouterr().err
    [row] = read_results(tmp_path / "dossier.xml.results.csv")
    assert row["status"] == "decided" and row["student_ref"].startswith("oso-")


def error_of(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    err = capsys.readouterr().err
    return json.loads(err[err.index("{") :])["error"]  # type: ignore[no-any-return]


def test_bad_input_and_no_connection_exit_2_with_the_contract_error(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "leerlingen.txt"
    text.write_text("x", encoding="utf-8")
    assert submit(server, text) == 2
    assert error_of(capsys)["code"] == "unsupported_media_type"

    assert submit(server, tmp_path / "missing.csv") == 2
    assert error_of(capsys)["code"] == "file_unreadable"

    xml = tmp_path / "dossier.xml"
    xml.write_bytes(b"<dossier/>")
    assert submit(server, xml) == 2
    assert {d["path"] for d in error_of(capsys)["details"]} == {"--arrangement", "--date"}

    foreign = tmp_path / "export.csv"
    foreign.write_text("naam,bsn\nJan,111222333\n", encoding="utf-8")
    assert submit(server, foreign) == 2  # the API's 400, as it gave it
    error = error_of(capsys)
    assert error["code"] == "validation_error" and "unknown columns naam, bsn" in error["message"]
    assert not (tmp_path / "export.csv.batch.json").exists()

    good = tmp_path / "good.csv"
    good.write_text(as_csv(dossiers("cli-noconn", 1)), encoding="utf-8")
    argv = ["batch", "submit", str(good), "--url", f"http://127.0.0.1:{free_port()}",
            "--token", TOKEN, "--region", "VO2001"]  # fmt: skip
    assert main(argv) == 2
    assert error_of(capsys)["code"] == "connection_error"


def test_a_large_file_goes_through_the_upload_flow(
    server: LocalServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make run` keeps bodies in a directory: it has no presigned uploads, and says so."""
    monkeypatch.setattr(batch, "UPLOAD_THRESHOLD", 100)
    file = tmp_path / "groot.csv"
    file.write_text(as_csv(dossiers("cli-upload", 4)), encoding="utf-8")
    assert submit(server, file) == 2
    assert "no large uploads" in error_of(capsys)["message"]


def test_a_failed_batch_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    error = {"code": "validation_error", "message": "The CSV file is not UTF-8."}
    failed = {"batch_id": "f" * 32, "status": "failed", "error": error}
    monkeypatch.setattr(batch, "submit_or_resume", lambda *_: failed)
    file = tmp_path / "a.csv"
    file.write_text("student_ref,arrangement,application_date\n", encoding="utf-8")
    argv = ["batch", "submit", str(file), "--url", "http://127.0.0.1:9", "--token", TOKEN,
            "--region", "VO2001"]  # fmt: skip
    assert main(argv) == 1
    assert "not UTF-8" in error_of(capsys)["message"]


def test_the_progress_bar() -> None:
    assert batch_wait.bar(512, 1000) == "[#####.....] 512/1000"
    assert batch_wait.bar(0, 0) == "[##########] 0/0"
    assert batch_wait.bar(1000, 1000, width=4) == "[####] 1000/1000"
    assert batch.next_cursor('<?cursor=300>; rel="next"') == "300"
    assert batch.next_cursor(None) is None


def stuck_batch(monkeypatch: pytest.MonkeyPatch, total: int | None, done: list[int]) -> list[str]:
    """An API whose batch never finishes: `total` rows, results for the rows in `done` (two
    to a page). The paths asked for."""
    batch_id = "b" * 32
    status_url = f"/v1/regions/VO2001/batches/{batch_id}"
    accepted = {
        "batch_id": batch_id,
        "status_url": status_url,
        "results_url": f"{status_url}/results",
    }
    asked: list[str] = []

    def request(api: Any, method: str, path: str, *_: Any, **__: Any) -> Response:
        asked.append(path)
        if path == status_url:
            pending = None if total is None else total - len(done)
            body: Any = {**accepted, "status": "processing" if total else "accepted",
                         "counts": {"total": total, "pending": pending}}  # fmt: skip
        else:
            after = int(path.partition("cursor=")[2] or 0)
            page = [r for r in done if r > after][:2]
            more = [r for r in done if r > after][2:]
            body = {"items": [{"row": r} for r in page], "next": str(page[-1]) if more else None}
        return Response(200, {}, json.dumps(body).encode())

    monkeypatch.setattr(batch.Api, "request", request)
    monkeypatch.setattr(batch, "submit", lambda *_: accepted)
    return asked


@pytest.mark.parametrize(
    ("total", "done", "said"),
    [
        (8, [1, 2, 4, 5, 8], "3 of 8 rows pending (rows 3, 6-7)"),
        (None, [], "not split into rows yet, every row is pending"),
    ],
)
def test_the_wait_gives_up_at_the_timeout_naming_the_pending_rows(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    total: int | None,
    done: list[int],
    said: str,
) -> None:
    asked = stuck_batch(monkeypatch, total, done)
    file = tmp_path / "a.csv"
    file.write_text(as_csv(dossiers("ll-timeout", 2)), encoding="utf-8")
    argv = ["batch", "submit", str(file), "--url", "http://127.0.0.1:9", "--token", TOKEN,
            "--region", "VO2001", "--poll-interval", "0.05", "--timeout", "0.3",
            "--lang", "en"]  # fmt: skip
    assert main(argv) == 1
    error = error_of(capsys)
    assert error["code"] == "batch_timeout"
    assert said in error["message"]
    assert "run the same command again" in error["message"]
    assert 2 <= sum(1 for p in asked if p.endswith("b" * 32)) <= 10  # polled, then gave up
    assert (tmp_path / "a.csv.batch.json").exists()  # so that a rerun resumes


def test_the_timeout_has_a_default() -> None:
    assert batch.DEFAULT_TIMEOUT == 3600.0
