"""Random valid response bodies drawn with schemathesis' own generator (toolchain.md §7).

Each component schema is wrapped as the JSON request body of a dummy operation in a throw-away OpenAPI
document; `schemathesis.openapi.from_dict(doc, config=Config.from_dict({}))` loads it and the positive
strategy of that operation (`as_strategy(generation_mode=POSITIVE)`) draws cases whose `body` is a random
valid instance of the schema. `draw_many` spreads the schemas over worker processes (generation is CPU
bound and the machine has two cores); this module imports nothing from the test modules, so a spawned
worker starts quickly.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"


def throwaway_document(names: list[str]) -> dict[str, Any]:
    """An OpenAPI document with one `POST /<Name>` per schema, whose request body is that schema."""
    schemas = yaml.safe_load(SPEC_PATH.read_text())["components"]["schemas"]
    return {
        "openapi": "3.1.0",
        "info": {"title": "response bodies as request bodies", "version": "1"},
        "paths": {
            f"/{name}": {
                "post": {
                    "operationId": f"draw{name}",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                    },
                    "responses": {"200": {"description": "unused"}},
                }
            }
            for name in names
        },
        "components": {"schemas": schemas},
    }


def draw(name: str, count: int, seed: int) -> list[Any]:
    """`count` bodies of schema `name` from schemathesis' positive strategy (hypothesis seeded with `seed`)."""
    import hypothesis
    import schemathesis
    from hypothesis import HealthCheck, Phase
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_dict(throwaway_document([name]), config=schemathesis.Config.from_dict({}))
    strategy = schema[f"/{name}"]["POST"].as_strategy(generation_mode=GenerationMode.POSITIVE)
    bodies: list[Any] = []

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @hypothesis.given(strategy)
    def collect(case: schemathesis.Case) -> None:
        bodies.append(case.body)

    collect()
    return bodies


def draw_many(names: list[str], count: int | Mapping[str, int], seed: int, workers: int = 2) -> dict[str, list[Any]]:
    """`draw` for every schema (`count` bodies, or `count[name]`), on `workers` spawned processes (spawn: the
    parent may run server threads)."""
    counts = {name: count if isinstance(count, int) else count[name] for name in names}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {name: pool.submit(draw, name, counts[name], seed) for name in names}
        return {name: future.result() for name, future in futures.items()}
