"""The OpenAPI document: every operation once (a router included twice would repeat them)."""

from collections import Counter


def test_every_operation_id_is_unique(client):
    document = client.get("/api/v1/openapi.json").json()
    ids = [
        op["operationId"]
        for path in document["paths"].values()
        for op in path.values()
        if "operationId" in op
    ]
    assert ids and [i for i, n in Counter(ids).items() if n > 1] == []
    assert {
        "/api/v1/text/analyze",
        "/api/v1/initiatives/{initiative_id}/evaluation",
        "/api/v1/webhooks",
    } <= set(document["paths"])
