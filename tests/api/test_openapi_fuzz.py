"""Schemathesis over the app's own OpenAPI: no 5xx, responses conform to the schema, invalid
input is refused, and every status answered is documented.

Runs in-process on the test's event loop (the services' database pool lives there): Hypothesis
draws the cases in a worker thread and each request is handed back to the loop through httpx's
ASGI transport. Every operation in the schema at run time is covered, with positive and negative
data, plus cases whose well-known parameters (unit, period, …) name the fixture's data so the
happy paths are reached too. Then the stateful phase: sequences that follow the links
Schemathesis infers (a list's ids into the detail, the decision, the revocation). Derandomised:
the same cases on every run.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from bot.services import Services
from tests.api.conftest import Tokens, bearer, make_token

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
    negative_data_rejection,
    status_code_conformance,
]
BUDGET = 400  # examples over all operations, split evenly, 10 to 40 each
SEQUENCES = 40  # stateful phase: sequences of up to STEPS linked calls
STEPS = 5
# Values from the fixture (tests/api/conftest.py) for parameters of these names.
KNOWN: dict[str, dict[str, list[str]]] = {
    "query": {
        "unit": ["37", "37-GIAVIEN", "37-GIAVIEN-01", "37-KIMSON", "37-HOALU"],
        "parent": ["37", "37-GIAVIEN"],
        "period": ["2026-11"],
        "kind": ["monthly"],
    },
    "path": {},
}
REQUEST_KEYS = {"method", "url", "headers", "params", "data", "json", "files", "cookies"}
Send = Callable[[Case], httpx.Response]


def params(op: APIOperation, location: str) -> Any:
    return op.query if location == "query" else op.path_parameters


def _enum(schema: Any) -> set[str] | None:
    """The values a parameter's schema allows, when it lists them (an enum, maybe in anyOf)."""
    if not isinstance(schema, dict):
        return None
    if "enum" in schema:
        return {str(v) for v in schema["enum"]}
    found = [e for sub in schema.get("anyOf", []) if (e := _enum(sub)) is not None]
    return set().union(*found) if found else None


def known_values(op: APIOperation, location: str) -> dict[str, list[str]]:
    """The fixture's values for the operation's parameters, those its schema admits ("kind"
    is a period kind on some operations and a submission kind on others)."""
    out = {}
    for p in params(op, location):
        allowed = _enum(p.definition.get("schema"))
        values = [v for v in KNOWN[location].get(p.name, []) if allowed is None or v in allowed]
        if values:
            out[p.name] = values
    return out


def reachable(op: APIOperation) -> bool:
    """A GET whose required parameters all have fixture values: it must answer 2xx sometimes."""
    required = [(loc, p) for loc in ("query", "path") for p in params(op, loc)]
    return (
        op.method.upper() == "GET"
        and not any(p.is_required and p.name.lower() != "authorization" for p in op.headers)
        and all(p.name in KNOWN[loc] for loc, p in required if p.is_required)
    )


def strategy(op: APIOperation, auth: dict[str, str]) -> st.SearchStrategy[Case]:
    """Positive and negative data, and valid data naming the fixture's units and period."""
    parts = [op.as_strategy(GenerationMode.POSITIVE, headers=auth)]
    if any(True for _ in op.iter_parameters()) or op.body:
        parts.append(op.as_strategy(GenerationMode.NEGATIVE, headers=auth))
    query, path = known_values(op, "query"), known_values(op, "path")
    if reachable(op) and (query or path):
        fixed = st.tuples(
            st.fixed_dictionaries({k: st.sampled_from(v) for k, v in query.items()}),
            st.fixed_dictionaries({k: st.sampled_from(v) for k, v in path.items()}),
        )
        known = fixed.flatmap(
            lambda qp: op.as_strategy(
                query=qp[0] or None, path_parameters=qp[1] or None, headers=auth
            )
        )
        # Most cases reach the fixture's data, and first: Hypothesis starts from the first
        # branch, and with ~10 examples an operation could otherwise never reach it (what it
        # draws also follows the constants of the code loaded, so the run order mattered).
        parts = [known] * 4 + parts
    return st.one_of(parts)


def fuzz(op: APIOperation, send: Send, auth: dict[str, str], examples: int) -> str | None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy(op, auth))
    def run(case: Case) -> None:
        case.validate_response(send(case), checks=CHECKS)

    query, path = known_values(op, "query"), known_values(op, "path")
    if reachable(op) and (query or path):
        # Once with the fixture's own values, whatever the draws: every seed's examples are alike
        # (derandomized), so a run could otherwise miss them for every similar operation at once.
        run = example(
            case=op.Case(
                query={k: v[0] for k, v in query.items()} or None,
                path_parameters={k: v[0] for k, v in path.items()} or None,
                headers=auth,
            )
        )(run)
    try:
        run()
    except (
        Exception,
        FailureGroup,
    ) as exc:  # every operation gets its run; all failures are reported together
        return f"{op.label}: {str(exc)[:4000]}"
    return None


def stateful(schema: BaseSchema, send: Send, auth: dict[str, str]) -> Counter[tuple[str, int]]:
    """Linked sequences; raises on a failed check. Counts (operation, status class) it called."""
    called: Counter[tuple[str, int]] = Counter()

    # Revoking a listed token would revoke the one the run uses; the sequences must also draw
    # alike given the same choices (Hypothesis checks), which they do while the auth holds.
    machine = schema.exclude(path="/api/v1/tokens/{token_id}/revoke").as_state_machine()

    class Workflow(machine):  # type: ignore[misc,valid-type]
        def before_call(self, case: Case) -> None:
            case.headers = {**(case.headers or {}), **auth}

        def call(self, case: Case, **kwargs: Any) -> Response:
            response = send(case)
            called[(case.operation.label, response.status_code // 100)] += 1
            return Response.from_httpx(response, verify=False)

        def validate_response(self, response: Response, case: Case, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=SEQUENCES,
            stateful_step_count=STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    return called


def fuzz_all(
    schema: BaseSchema, ops: list[APIOperation], send: Send, auth: dict[str, str]
) -> tuple[list[str], Counter[tuple[str, int]]]:
    per_op = min(40, max(10, BUDGET // max(1, len(ops))))
    failures = [f for op in ops if (f := fuzz(op, send, auth, per_op))]
    called: Counter[tuple[str, int]] = Counter()
    try:
        called = stateful(schema, send, auth)
    except (Exception, FailureGroup) as exc:
        failures.append(f"stateful: {str(exc)[:4000]}")
    return failures, called


async def test_openapi_no_server_errors(services: Services, fixture_data: Tokens) -> None:
    auth = bearer(await make_token(services, "admin", "37"))
    app = create_app(services, own_services=False)
    schema = schemathesis.openapi.from_dict(app.openapi())
    ops = [result.ok() for result in schema.get_all_operations()]
    statuses: Counter[tuple[str, int]] = Counter()
    loop = asyncio.get_running_loop()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

        def send(case: Case) -> httpx.Response:
            kwargs = case.as_transport_kwargs(base_url="http://test")
            prepared = requests.Request(
                **{k: v for k, v in kwargs.items() if k in REQUEST_KEYS}
            ).prepare()
            request = client.build_request(
                prepared.method or "GET",
                prepared.url or "",
                headers=dict(prepared.headers),
                content=prepared.body,
            )
            response = asyncio.run_coroutine_threadsafe(client.send(request), loop).result(60)
            statuses[(case.operation.label, response.status_code // 100)] += 1
            return response

        failures, linked = await asyncio.to_thread(fuzz_all, schema, ops, send, auth)
    assert not failures, "\n\n".join(failures)
    # The stateful phase followed links: an id from a list reached the detail.
    assert linked[("GET /api/v1/households/{household_id}", 2)], linked
    assert len(ops) >= 10 and "GET /api/v1/exports/summary.xlsx" in {op.label for op in ops}
    assert {op.label for op in ops} <= {label for label, _ in statuses}  # every one was called
    unreached = [op.label for op in ops if reachable(op) and not statuses[(op.label, 2)]]
    assert not unreached, f"never answered 2xx: {unreached}"
