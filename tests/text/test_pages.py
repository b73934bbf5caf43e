"""The learned-categories page: import a spreadsheet of past feedback, see per-category
accuracy; and the same import from the command line."""

import io

import pandas as pd

from tests.factories import make_account
from tests.text.test_api import _categories, _examples
from tests.web.test_pages import csrf_of, login
from voxloop.cli import main
from voxloop.jobs.executor import drain


def _xlsx(rows: list[dict[str, str]]) -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(rows).rename(columns={"text": "反馈内容", "category": "类别"}).to_excel(buffer, index=False)
    return buffer.getvalue()


def test_a_manager_imports_past_feedback_and_sees_how_well_each_category_is_learned(client):
    manager = make_account(role="manager")
    _categories(client, manager)
    login(client, manager.email)
    page = client.get("/admin/categories/model")
    assert page.status_code == 200 and "No model yet" in page.text
    r = client.post(
        "/admin/categories/examples",
        data={"csrf_token": csrf_of(page.text), "text_column": "反馈内容", "label_column": "类别"},
        files={"file": ("history.xlsx", _xlsx(_examples()), "application/octet-stream")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/categories/model?added=80"
    drain()
    page = client.get("/admin/categories/model")
    assert "80 examples" in page.text and "cross-validated accuracy" in page.text
    for code in ("fruit", "shampoo", "heater", "clothes"):
        assert f"<td>{code} <small><code>{code}</code></small></td>" in page.text  # its name, its code


def test_a_category_with_one_example_is_named_and_does_not_stop_the_others_learning(client):
    manager = make_account(role="manager")
    _categories(client, manager)
    r = client.post("/api/v1/categories", json={"code": "sweets", "name": "糖果"}, headers=manager.headers)
    assert r.status_code == 201
    examples = _examples() + [{"text": "这个糖太甜了", "category": "sweets"}] * 3  # one sentence, thrice
    r = client.post("/api/v1/text/categories/examples", json={"examples": examples}, headers=manager.headers)
    assert r.status_code == 202
    drain()
    login(client, manager.email)
    page = client.get("/admin/categories/model").text
    assert "80 examples" in page and "<code>sweets</code>" not in page
    assert "Too few different examples to learn yet" in page and "糖果 (1)" in page  # by its name
    assert "yes</td>" in page  # 20 different examples each are enough to trust
    assert "Scored on the 80 labels people gave" in page


def test_a_model_learned_from_rules_alone_is_not_called_trustworthy(client):
    manager = make_account(role="manager")
    texts = ["The lift is broken again", "No hot water in the shower", "The air conditioner is noisy"]
    texts += ["Checkout took forty minutes", "Nobody answered the phone", "We waited an hour for the bill"]
    for code, words in (
        ("facilities", "broken,hot water,air conditioner"),
        ("response_speed", "minutes,answered,hour"),
    ):
        rule = {
            "name": code,
            "match": {"keywords": words.split(",")},
            "sets": {"category": code},
            "position": 0,
        }
        assert client.post("/api/v1/triage-rules", json=rule, headers=manager.headers).status_code == 201
    for text in texts:
        r = client.post("/api/v1/feedback", json={"description": text}, headers=manager.headers)
        assert r.status_code == 201
    drain()
    client.post("/api/v1/text/categories/retrain", headers=manager.headers)
    drain()
    login(client, manager.email)
    page = client.get("/admin/categories/model").text
    assert "only say how well the model repeats the categories your triage rules set" in page
    assert "not measured on people's labels yet" in page and "yes</td>" not in page


def test_a_file_without_the_named_column_or_with_unknown_categories_is_refused(client):
    manager = make_account(role="manager")
    _categories(client, manager)
    login(client, manager.email)
    token = csrf_of(client.get("/admin/categories/model").text)
    r = client.post(
        "/admin/categories/examples",
        data={"csrf_token": token, "text_column": "comment", "label_column": "类别"},
        files={"file": ("history.xlsx", _xlsx(_examples(2)), "application/octet-stream")},
    )
    assert r.status_code == 422 and "history.xlsx has no column &#39;comment&#39;" in r.text
    rows = [{"text": "很甜", "category": "sweets"}]
    r = client.post(
        "/admin/categories/examples",
        data={"csrf_token": token, "text_column": "反馈内容", "label_column": "类别"},
        files={"file": ("history.xlsx", _xlsx(rows), "application/octet-stream")},
    )
    assert r.status_code == 422 and "unknown categories: sweets" in r.text
    agent = make_account(role="agent", org_slug=manager.org_slug)
    client.cookies.clear()
    login(client, agent.email)
    assert client.get("/admin/categories/model").status_code == 403


def test_examples_from_the_command_line(client, tmp_path, capsys):
    manager = make_account(role="manager")
    _categories(client, manager)
    source = tmp_path / "history.csv"
    pd.DataFrame(_examples()).to_csv(source, index=False)
    main(
        [
            "text",
            "examples",
            str(source),
            "--org",
            manager.org_slug,
            "--text-column",
            "text",
            "--label-column",
            "category",
        ]
    )
    assert f"80 examples added to {manager.org_slug}" in capsys.readouterr().out
    drain()
    report = client.get("/api/v1/text/categories/model", headers=manager.headers).json()
    assert report["imported_examples"] == 80
