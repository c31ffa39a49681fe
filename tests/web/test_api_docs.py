"""The OpenAPI spec documents what the public API answers (response schemas, 400s and 404s), and the answers hold to
it; a 404 is a page with links back for browsers and JSON with the API's entry points under /api/ (issue 15).

The answers are checked against the spec's own JSON Schemas with `jsonschema` (an independent validator), so a
documented shape that drifted from what a route returns fails here.
"""

from __future__ import annotations

import re

import jsonschema
import pytest

T = "/api/releases/latest/tables/victims"
EXAMPLES = {  # path template -> a URL answering 200
    "/api/": "/api/",
    "/api/releases": "/api/releases",
    "/api/releases/{version}": "/api/releases/latest",
    "/api/releases/{version}/tables": "/api/releases/latest/tables",
    "/api/releases/{version}/tables/{table}/flows.json": f"{T}/flows.json?top=5",
    "/api/releases/{version}/tables/{table}/aggregates": f"{T}/aggregates?selections=gender:Female",
    "/api/releases/{version}/tables/{table}/chart": f"{T}/chart?attribute=ageBroad&filter=gender:Female",
}
BAD_VALUE = {  # routes that take a filter: an unknown value is a documented 400
    "/api/releases/{version}/tables/{table}/aggregates": f"{T}/aggregates?selections=gender:Nope",
    "/api/releases/{version}/tables/{table}/chart": f"{T}/chart?attribute=ageBroad&filter=gender:Nope",
    "/api/releases/{version}/tables/{table}/slices/{slug}.json": f"{T}/slices/gender_3a_Nope.json",
    "/api/releases/{version}/tables/{table}/flows.json": f"{T}/flows.json?origin=nope",
}


@pytest.fixture(scope="module")
def spec(client) -> dict:
    return client.get("/api/openapi.json").json()


def _schema(spec: dict, path: str, code: str) -> dict:
    content = spec["paths"][path]["get"]["responses"][code]["content"]["application/json"]
    return {**content["schema"], "components": spec["components"]}


def _validate(spec: dict, schema: dict, body) -> None:
    # OpenAPI 3.1 schemas are JSON Schema 2020-12, with references into #/components/schemas
    jsonschema.Draft202012Validator(schema).validate(body)


@pytest.mark.parametrize("path", list(EXAMPLES))
def test_answers_hold_to_their_documented_schema(client, spec, path):
    schema = _schema(spec, path, "200")
    assert "$ref" in schema or "$ref" in schema.get("items", {}), f"{path}: no response schema documented"
    r = client.get(EXAMPLES[path])
    assert r.status_code == 200
    _validate(spec, schema, r.json())


def test_a_drifted_answer_would_fail(spec):
    """The check above can fail: an answer missing a documented field, or with a wrong type, is refused."""
    schema = _schema(spec, "/api/releases/{version}/tables/{table}/aggregates", "200")
    good = {"selections": "gender:Female", "length": 1, "status": "published", "count": 5, "reporting_length": 3}
    _validate(spec, schema, good)
    for bad in ({k: v for k, v in good.items() if k != "count"}, {**good, "status": "exact"}, {**good, "count": "5"}):
        with pytest.raises(jsonschema.ValidationError):
            _validate(spec, schema, bad)


@pytest.mark.parametrize("path", list(BAD_VALUE))
def test_400s_are_documented_and_answered_as_documented(client, spec, path):
    responses = spec["paths"][path]["get"]["responses"]
    assert "400" in responses and responses["400"]["description"], path
    r = client.get(BAD_VALUE[path])
    assert r.status_code == 400, (path, r.status_code)
    _validate(spec, _schema(spec, path, "400"), r.json())
    assert "nope" in r.json()["detail"].lower()  # the message names what was wrong


def test_every_public_endpoint_documents_its_answer_and_errors(spec):
    for path, ops in spec["paths"].items():
        op = ops["get"]
        assert op.get("summary"), path
        ok = op["responses"]["200"]
        assert ok.get("description") and ok.get("content"), f"{path}: 200 has no documented content"
        if "{" in path:  # a path parameter that may name nothing: a documented 404
            assert "404" in op["responses"], path
    names = set(spec["components"]["schemas"])
    assert {"Error", "NotFound", "ApiIndex", "ReleaseDetail", "TableInfo", "Flows", "AggregateAnswer",
            "Chart"} <= names


def test_api_root_and_unknown_api_paths(client, spec):
    body = client.get("/api/").json()
    assert client.get(body["docs"]).status_code == 200 and client.get(body["openapi"]).json() == spec
    r = client.get("/api/no/such/endpoint", headers={"accept": "text/html"})  # even a browser gets JSON here
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert "/api/no/such/endpoint" in body["detail"]
    for key in ("api", "docs", "openapi"):
        assert client.get(body[key]).status_code == 200, key
    r = client.get("/api/releases/1999.01.01")
    assert r.status_code == 404 and "1999.01.01" in r.json()["detail"]  # a route's own message is kept


def test_a_browser_gets_a_404_page_with_links_back(client):
    r = client.get("/no/such/page", headers={"accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in r.text
    links = set(re.findall(r'href="([^"#]+)"', r.text.split('<main', 1)[1]))
    assert {"/", "/explorer/", "/downloads/", "/api/docs"} <= links
    for link in links:
        assert client.get(link).status_code == 200, link  # every way back works
    # a 404 a page route raises keeps its message, on the same page
    r = client.get("/codebook/nope/", headers={"accept": "text/html"})
    assert r.status_code == 404 and "nope" in r.text and 'href="/explorer/"' in r.text


def test_other_errors_keep_their_json(client):
    r = client.post("/downloads/terms", data={"accept": "yes"}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403 and "terms of use" in r.json()["detail"]
