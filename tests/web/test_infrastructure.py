"""The web layer's plumbing: log-in, CSRF, security headers, error pages, the upload limit, languages."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.web.conftest import PASSWORD, Directory, csrf_of, log_in, token_for


def test_login_page_is_vietnamese_by_default(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert "Đăng nhập" in response.text
    assert '<html lang="vi">' in response.text


def test_pages_need_a_person_and_send_them_to_log_in(client: TestClient) -> None:
    response = client.get("/meetings?upcoming=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fmeetings%3Fupcoming%3D1"


def test_log_in_and_out(client: TestClient, people: Directory) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": "chutich", "password": PASSWORD, "csrf_token": token, "next": "/meetings"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/meetings"
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # the base URL is plain http in this test
    page = client.get("/meetings")
    assert page.status_code == 200
    assert "Lò Văn Chủ" in page.text

    response = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/meetings", follow_redirects=False).status_code == 303


def test_a_session_gets_a_new_csrf_token_at_log_in(client: TestClient, people: Directory) -> None:
    before = csrf_of(client.get("/login").text)
    log_in(client, "chutich")
    assert token_for(client) != before


def test_wrong_password_is_refused_beside_the_form(client: TestClient, people: Directory) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "chutich", "password": "sai", "csrf_token": token})
    assert response.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert 'value="chutich"' in response.text
    # The name is kept, so the cursor waits in the password box, not in the name box again.
    assert re.search(r'<input id="password"[^>]* autofocus>', response.text)
    assert not re.search(r'<input id="username"[^>]* autofocus', response.text)
    assert re.search(r'<input id="username"[^>]* autofocus>', client.get("/login").text)


@pytest.mark.parametrize("target", ["//evil.example/x", "http://evil.example/", "/\\evil.example"])
def test_log_in_never_redirects_elsewhere(client: TestClient, people: Directory, target: str) -> None:
    token = csrf_of(client.get("/login").text)
    data = {"username": "chutich", "password": PASSWORD, "csrf_token": token, "next": target}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.headers["location"] == "/meetings"


def test_a_form_post_without_csrf_token_is_refused(client: TestClient, people: Directory) -> None:
    response = client.post("/login", data={"username": "chutich", "password": PASSWORD})
    assert response.status_code == 403
    assert "Vui lòng tải lại trang" in response.text
    assert "set-cookie" not in response.headers or "person" not in response.headers["set-cookie"]
    # Still logged out.
    assert client.get("/meetings", follow_redirects=False).status_code == 303


def test_a_wrong_csrf_token_is_refused_even_when_logged_in(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/meetings", follow_redirects=False).status_code == 200


def test_a_post_that_is_not_a_form_needs_the_header(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    response = client.post("/logout", content=b"{}", headers={"content-type": "application/json"})
    assert response.status_code == 403
    token = token_for(client)
    response = client.post("/logout", headers={"x-csrf-token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_security_headers_on_pages_errors_and_static_files(client: TestClient) -> None:
    for path in ("/login", "/no-such-page", "/static/app.css", "/healthz"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert "camera=(self)" in headers["permissions-policy"]
        assert "microphone=(self)" in headers["permissions-policy"]
        assert "display-capture=(self)" in headers["permissions-policy"]


def test_unknown_page_is_a_404_page_and_unknown_api_path_is_json(client: TestClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in page.text
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404
    assert api.json() == {"error": "Không tìm thấy trang hoặc đối tượng yêu cầu.", "field": None}
    versioned = client.get("/api/v1/no-such-thing")
    assert versioned.status_code == 404
    assert versioned.headers["content-type"].startswith("application/json")


def test_wrong_method_is_a_405(client: TestClient) -> None:
    response = client.put("/login", headers={"x-csrf-token": "x"})
    # CSRF runs first for unsafe methods: without the session's token it is refused before routing.
    assert response.status_code == 403
    token = csrf_of(client.get("/login").text)
    response = client.put("/login", headers={"x-csrf-token": token})
    assert response.status_code == 405


def test_oversized_upload_is_a_413_with_a_message(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    token = token_for(client)
    big = b"x" * (21 * 1024 * 1024 + 1)  # the default limit is 20 MB (plus 1 MB for the other fields)
    response = client.post(
        "/logout", data={"csrf_token": token}, files={"documents": ("big.pdf", big, "application/pdf")}
    )
    assert response.status_code == 413
    assert "tối đa 20 MB" in response.text
    api = client.post("/api/v1/anything", content=big, headers={"content-type": "application/octet-stream"})
    assert api.status_code == 413
    assert api.json() == {"error": "Dữ liệu gửi lên quá lớn: mỗi lần gửi tối đa 20 MB.", "field": None}


def test_language_switch_to_english_and_back(client: TestClient, people: Directory) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/login"})
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "Log in" in response.text
    response = client.post("/language", data={"csrf_token": token, "lang": "vi", "next": "/login"})
    assert '<html lang="vi">' in response.text


def test_a_persons_language_preference_applies_at_log_in(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    client.post("/language", data={"csrf_token": token_for(client), "lang": "en", "next": "/meetings"})
    client.post("/logout", data={"csrf_token": token_for(client)})
    other = TestClient(client.app, base_url="http://127.0.0.1")
    with other:
        assert '<html lang="vi">' in other.get("/login").text
        log_in(other, "chutich")
        assert '<html lang="en">' in other.get("/meetings").text


def test_a_language_picked_on_the_log_in_page_outlasts_the_log_in(client: TestClient, people: Directory) -> None:
    # Before: the stored preference (Vietnamese by default) replaced the English just picked on the log-in page.
    token = csrf_of(client.get("/login").text)
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/login"})
    log_in(client, "thuky")
    assert '<html lang="en">' in client.get("/meetings").text
    # It is the person's preference now, on any browser ...
    other = TestClient(client.app, base_url="http://127.0.0.1")
    with other:
        log_in(other, "thuky")
        assert '<html lang="en">' in other.get("/meetings").text
    # ... but not the next person's on this one: after a log-out, they get their own (Vietnamese).
    client.post("/logout", data={"csrf_token": token_for(client)})
    assert '<html lang="en">' in client.get("/login").text
    log_in(client, "chutich")
    assert '<html lang="vi">' in client.get("/meetings").text
