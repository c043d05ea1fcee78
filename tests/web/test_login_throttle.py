"""Password guessing is slowed down: per account name and per client address, without checking the password."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.web.conftest import PASSWORD, Directory, csrf_of
from web.login_throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def attempt(client: TestClient, username: str, password: str) -> int:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    return response.status_code


def test_five_wrong_passwords_lock_the_account_name_for_the_window(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    clock = Clock()
    app.state.ctx.login_throttle = LoginThrottle(clock=clock)
    for _ in range(5):
        assert attempt(client, "chutich", "wrong") == 400
        clock.now += 10

    token = csrf_of(client.get("/login").text)
    refused = client.post("/login", data={"username": "ChuTich ", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in refused.text
    # The first failure was at 1000 and the window is 900 s; now is 1050: 850 s to wait, 15 minutes shown.
    assert refused.headers["Retry-After"] == "850"
    assert "15 phút" in refused.text

    # Another account from the same address is not locked out by these five.
    assert attempt(client, "thuky", PASSWORD) == 303

    clock.now = 1000 + 900  # the first failure leaves the window: one more try is allowed
    assert attempt(client, "chutich", PASSWORD) == 303


def test_many_names_from_one_address_are_refused_after_twenty_failures(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    clock = Clock()
    app.state.ctx.login_throttle = LoginThrottle(clock=clock)
    for i in range(20):
        assert attempt(client, f"nobody{i}", "wrong") == 400
    assert attempt(client, "thuky", PASSWORD) == 429


def test_a_successful_log_in_clears_the_account_count(app: Starlette, client: TestClient, people: Directory) -> None:
    clock = Clock()
    app.state.ctx.login_throttle = LoginThrottle(clock=clock)
    for _ in range(4):
        assert attempt(client, "chutich", "wrong") == 400
    assert attempt(client, "chutich", PASSWORD) == 303
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/meetings").text)})
    for _ in range(4):
        assert attempt(client, "chutich", "wrong") == 400
    assert attempt(client, "chutich", PASSWORD) == 303


def test_the_throttle_forgets_the_oldest_names_beyond_its_bound() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_account=1, per_address=10**9, clock=clock)
    throttle.failed("first", "10.0.0.1")
    assert throttle.wait_seconds("first", "10.0.0.2") == 900
    for i in range(10_000):
        throttle.failed(f"name{i}", "10.0.0.1")
    assert throttle.wait_seconds("first", "10.0.0.2") == 0
