"""Configuration rules that protect production."""

import pytest

from config import DEV_SECRET_KEY, ProdConfig, database_url


def test_production_refuses_the_development_secret():
    class Prod(ProdConfig):
        SECRET_KEY = DEV_SECRET_KEY

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        Prod.validate()


def test_production_accepts_a_real_secret():
    class Prod(ProdConfig):
        SECRET_KEY = "a-real-secret-from-the-environment"

    Prod.validate()
    assert Prod.SESSION_COOKIE_SECURE and Prod.SESSION_COOKIE_HTTPONLY
    assert Prod.SESSION_COOKIE_SAMESITE == "Lax"


@pytest.mark.parametrize("given,expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_use_psycopg3(given, expected):
    assert database_url(given) == expected
