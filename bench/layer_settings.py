"""Settings for `bench/layers.py`: production settings with one or more layers taken out.

BENCH_LAYERS (comma-separated) names what to remove; each child process of the harness starts
with its own value, before Django or DRF import anything (DRF copies some settings into class
attributes at import). Never used outside the benchmark.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import LOGGING, MIDDLEWARE, REST_FRAMEWORK

LAYERS = [name for name in os.environ.get("BENCH_LAYERS", "").split(",") if name]
ROOT_URLCONF = "bench.layer_urls"

for layer in LAYERS:
    if layer.startswith("-mw:"):
        # -mw:all, or a part of the middleware's dotted path (-mw:locale, -mw:structlog).
        part = layer[len("-mw:"):]
        MIDDLEWARE[:] = [m for m in MIDDLEWARE if part != "all" and part.lower() not in m.lower()]
    elif layer == "-throttle":
        REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []
    elif layer == "-log":
        # django-structlog's request_started/request_finished lines (INFO) are not emitted.
        LOGGING["loggers"]["django_structlog"]["level"] = "WARNING"
        LOGGING["root"]["level"] = "WARNING"
    elif layer == "-history":
        SIMPLE_HISTORY_ENABLED = False
    elif layer == "-healthcheck":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
    elif layer == "locmem":
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    elif layer == "-jwt-user-query":
        REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = ["bench.layer_parts.JWTUserPreloaded"]
    elif layer == "-jwt":
        REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = ["bench.layer_parts.FixedUser"]
    elif layer == "-render":
        REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["bench.layer_parts.ConstantRenderer"]
    elif layer == "-timestamp":
        pass  # handled by the harness
    else:
        raise ValueError(f"unknown layer {layer!r}")
