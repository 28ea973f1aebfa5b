"""The built PWA is served with the right caching, and client routes fall back to the shell."""

import pytest


@pytest.fixture
def dist(app, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>RM</title>" + "x" * 2000)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1);" * 200)
    (tmp_path / "sw.js").write_text("self.addEventListener('install', () => {});")
    (tmp_path / "favicon.ico").write_bytes(b"\0" * 10)
    previous = app.config["PWA_DIST"]
    app.config["PWA_DIST"] = str(tmp_path)
    yield tmp_path
    app.config["PWA_DIST"] = previous


def test_hashed_assets_are_cached_for_a_year_and_compressed(client, dist):
    response = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("path", ["/", "/customers/12", "/settings"])
def test_client_routes_get_the_uncached_shell(client, dist, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert b"<title>RM</title>" in response.data


def test_service_worker_is_never_cached_and_scoped_to_root(client, dist):
    response = client.get("/sw.js")
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"


def test_missing_files_and_api_paths_are_json_404(client, dist):
    for path in ("/assets/missing.js", "/api/v1/missing"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"


def test_api_responses_are_not_stored(client):
    assert client.get("/api/v1/auth/me").headers["Cache-Control"] == "no-store"
