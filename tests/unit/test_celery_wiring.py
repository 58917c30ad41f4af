"""ecom_ai's Celery wiring on the host's app: routes to the two queues and the periodic sweep."""

from __future__ import annotations

from datetime import timedelta

from ecom_ai.workers import route_task


def test_tasks_are_routed_to_inference_or_default():
    assert route_task("ecom_ai.flush_embeddings") == {"queue": "ecom_ai.inference"}
    assert route_task("ecom_ai.embed_products") == {"queue": "ecom_ai.inference"}
    assert route_task("ecom_ai.encode_query") == {"queue": "ecom_ai.inference"}
    assert route_task("ecom_ai.sweep_stale") == {"queue": "ecom_ai.default"}
    assert route_task("ecom_ai.something_new") == {"queue": "ecom_ai.default"}
    assert route_task("shop.send_mail") is None


def test_the_demo_app_gets_the_router_and_the_sweep_schedule(settings):
    from demo_shop.celery import app

    routes = app.conf.task_routes
    assert "ecom_ai.workers.route_task" in list(routes)
    sweep = app.conf.beat_schedule["ecom_ai.sweep_stale"]
    assert sweep["task"] == "ecom_ai.sweep_stale"
    assert sweep["schedule"] == timedelta(minutes=settings.ECOM_AI.get("STALE_SWEEP_MINUTES", 5))
    assert sweep["options"]["queue"] == "ecom_ai.default"
    assert app.amqp.router.route({}, "ecom_ai.flush_embeddings")["queue"].name == "ecom_ai.inference"
