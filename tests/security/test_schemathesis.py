"""schemathesis against /v1/openapi.json, through the ASGI app: requests generated from the schema, valid and
invalid (negative mode), sent with a valid API key; none may be answered with a 5xx, and every error body is
the bare envelope. Bounded: a few examples per operation and mode, so the whole run takes well under a minute.

One test per operation, driven with Hypothesis directly: schemathesis' own pytest loader for fixtures does not
run under this pytest."""

from __future__ import annotations

import tempfile
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi

from coherence_pipelines.api import create_app
from coherence_pipelines.settings import Settings

from .conftest import assert_clean_error

_METHODS = ("get", "put", "post", "delete", "patch")
# Requests in the whole run, shared among operations and modes, so the run stays bounded as endpoints are added.
TOTAL_EXAMPLES = 200


def _spec() -> dict:
    # The schema does not depend on the store: fetched once, from an app that never opens one.
    with tempfile.TemporaryDirectory() as home:
        response = TestClient(create_app(Settings(home=Path(home), database_url=None))).get("/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


SPEC = _spec()
SCHEMA = schemathesis.openapi.from_dict(SPEC)
LABELS = [f"{method.upper()} {path}" for path, item in SPEC["paths"].items() for method in item if method in _METHODS]
MAX_EXAMPLES = max(3, TOTAL_EXAMPLES // (2 * len(LABELS)))


@pytest.mark.parametrize("label", LABELS)
def test_no_generated_request_gets_a_5xx(settings, store, make_key, label):
    app = create_app(settings, store)
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None, label
    auth = {"Authorization": f"Bearer {make_key()}"}

    with asgi.get_client(app) as client:  # one client, so the app starts (lifespan) once
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                                 suppress_health_check=list(hypothesis.HealthCheck))
            def no_server_error(case) -> None:
                response = case.call(app=app, session=client, headers=auth)
                case.validate_response(response, checks=[not_a_server_error])
                content_type = (response.headers.get("content-type") or [""])[0]  # schemathesis: lists of values
                if response.status_code >= 400 and content_type.startswith("application/json"):
                    assert_clean_error(response)

            try:
                no_server_error()
            except hypothesis.errors.Unsatisfiable:
                # Nothing to make invalid (no parameters, no body): the positive mode covered the operation.
                assert mode is GenerationMode.NEGATIVE, label
