"""Property-based fuzzing of the JSON API from its own OpenAPI schema: no request makes a 5xx.

Schemathesis generates requests for every operation of ``/openapi.json`` (valid and invalid
bodies, query strings and paths) and sends them over real HTTP to the served application, signed
in as the white (control) cell with its session cookie and CSRF token, so commands really run.
Exercise ids are pinned to the seeded exercise so the generated requests reach the routes'
logic rather than stopping at the membership check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from tests.api.conftest import World

from jointex.api._auth import SESSION_COOKIE

pytestmark = pytest.mark.slow

EXAMPLES = 25
"""Examples per operation: enough to reach every branch, the whole run well under a minute."""


@pytest.fixture(scope="module")
def api_schema(world: World) -> Any:
    """The application's OpenAPI schema as schemathesis sees it."""
    return schemathesis.openapi.from_dict(world.app.openapi())


@pytest.fixture(scope="module")
def white_http(world: World) -> Iterator[requests.Session]:
    """A requests session signed in as the white cell (cookie and CSRF header)."""
    signed_in = world.login("white")
    session = requests.Session()
    session.cookies.set(SESSION_COOKIE, signed_in.client.cookies[SESSION_COOKIE])
    session.headers["X-CSRF-Token"] = signed_in.csrf
    yield session
    session.close()


def test_no_server_errors(api_schema: Any, world: World, white_http: requests.Session) -> None:
    """No generated request (valid or not) to any operation makes the server answer 5xx."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    statuses: set[int] = set()

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            if case.path_parameters and "exercise_id" in case.path_parameters:
                case.path_parameters["exercise_id"] = world.exercise
            response = case.call(base_url=world.url, session=white_http, timeout=30)
            statuses.add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        fuzz()
    # the requests reached the routes' logic, not only validation
    assert {200, 422} <= statuses, statuses
