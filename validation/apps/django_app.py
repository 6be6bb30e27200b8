"""Django app served by Gunicorn (sync and gthread workers) in validation/.

The Flask app's endpoints (``/zero`` and ``/work?cpu_ms=C&io_ms=I``, the same
work from work.py) in a one-file Django project: settings configured here with
the middleware and apps of ``django-admin startproject``'s default settings,
which is what a Django service's request pays for, and no database (nothing here
touches the session, the user or a model, so no query runs).

    gunicorn django_app:app --chdir validation/apps
"""

import os
import sys
import time

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, JsonResponse
from django.urls import path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from work import burn_cpu, milliseconds  # noqa: E402

settings.configure(
    DEBUG=False,
    SECRET_KEY="validation-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    USE_TZ=True,
)
django.setup()


def zero(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def work(request: HttpRequest) -> JsonResponse:
    try:
        cpu_ms = milliseconds(request.GET.get("cpu_ms"))
        io_ms = milliseconds(request.GET.get("io_ms"))
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    burn_cpu(cpu_ms)
    if io_ms > 0:
        time.sleep(io_ms / 1000.0)
    return JsonResponse({"ok": True})


urlpatterns = [path("zero", zero), path("work", work)]

app = WSGIHandler()
