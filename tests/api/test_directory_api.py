"""Units, sites and people through the API: everyone logged in reads, administrators write."""

from __future__ import annotations

from meetings import accounts
from tests.api.conftest import ApiWorld


def test_units(world: ApiWorld) -> None:
    admin = world.headers("administrator.own")
    listed = world.client.get("/api/v1/units", headers=world.headers("none.other"))
    assert listed.status_code == 200
    assert [u["code"] for u in listed.json()] == ["000.00.12.H49", "000.01.12.H49", "000.02.12.H49"]

    body = {
        "name": "UBND xã Cát Tiên",
        "code": "000.03.12.H49",
        "level": "commune",
        "parent_id": world.unit_id("own"),
        "email": "ubnd.cattien@laichau.gov.vn",
    }
    created = world.client.post("/api/v1/units", json=body, headers=admin)
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["abbreviation"] == "UBND"
    assert unit["parent_id"] == world.unit_id("own")
    url = f"/api/v1/units/{unit['id']}"
    assert world.client.get(url, headers=world.headers("site_operator.invited")).json() == unit

    renamed = world.client.patch(url, json={"name": "UBND xã Cát Tiên mới"}, headers=admin)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "UBND xã Cát Tiên mới"
    assert renamed.json()["code"] == "000.03.12.H49"

    duplicate = world.client.post("/api/v1/units", json={**body, "name": "Trùng mã"}, headers=admin)
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "code"
    assert "UBND xã Cát Tiên mới" in duplicate.json()["error"]

    bad_code = world.client.post("/api/v1/units", json={**body, "code": "12345"}, headers=admin)
    assert bad_code.status_code == 422
    assert bad_code.json()["field"] == "code"
    assert "QCVN 102" in bad_code.json()["error"]

    bad_level = world.client.post("/api/v1/units", json={**body, "code": "000.04.12.H49", "level": "ấp"}, headers=admin)
    assert bad_level.status_code == 422
    assert bad_level.json()["field"] == "level"

    unknown_parent = world.client.post(
        "/api/v1/units", json={**body, "code": "000.04.12.H49", "parent_id": 999_999}, headers=admin
    )
    assert unknown_parent.status_code == 404
    assert unknown_parent.json()["field"] == "parent_id"

    bad_email = world.client.patch(url, json={"email": "không phải thư"}, headers=admin)
    assert bad_email.status_code == 422
    assert bad_email.json()["field"] == "email"

    # Taking the parent away (explicit null) is allowed: the 2025 two-level structure.
    detached = world.client.patch(url, json={"parent_id": None}, headers=admin)
    assert detached.status_code == 200
    assert detached.json()["parent_id"] is None


def test_sites(world: ApiWorld) -> None:
    admin = world.headers("administrator.own")
    created = world.client.post(
        "/api/v1/sites",
        json={"unit_id": world.unit_id("invited"), "name": "Nhà văn hoá thôn 2", "location": "Thôn 2"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    site = created.json()
    of_unit = world.client.get("/api/v1/sites", params={"unit_id": world.unit_id("invited")}, headers=admin).json()
    assert [s["name"] for s in of_unit] == ["Nhà văn hoá thôn 2", "Phòng họp UBND xã An Phú"]

    closed = world.client.patch(f"/api/v1/sites/{site['id']}", json={"active": False}, headers=admin)
    assert closed.status_code == 200
    assert closed.json()["active"] is False
    assert closed.json()["name"] == "Nhà văn hoá thôn 2"

    same_name = world.client.post(
        "/api/v1/sites", json={"unit_id": world.unit_id("invited"), "name": "Nhà văn hoá thôn 2"}, headers=admin
    )
    assert same_name.status_code == 409
    assert same_name.json()["field"] == "name"

    unknown_unit = world.client.post("/api/v1/sites", json={"unit_id": 999_999, "name": "X"}, headers=admin)
    assert unknown_unit.status_code == 404
    assert unknown_unit.json()["field"] == "unit_id"

    wrong_type = world.client.get("/api/v1/sites", params={"unit_id": "xã An Phú"}, headers=admin)
    assert wrong_type.status_code == 422
    assert wrong_type.json()["field"] == "unit_id"


def test_people(world: ApiWorld) -> None:
    admin = world.headers("administrator.own")
    body = {
        "username": "pho.chutich",
        "full_name": "Hà Văn Phó",
        "unit_id": world.unit_id("own"),
        "position": "Phó Chủ tịch UBND huyện",
        "email": "hvpho@laichau.gov.vn",
        "roles": ["chair"],
        "password": "mat-khau-moi-1",
    }
    created = world.client.post("/api/v1/people", json=body, headers=admin)
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["roles"] == ["chair"]
    assert "password" not in person and "password_hash" not in person

    # The password was set: the new person can log in.
    with world.app.state.ctx.session() as session:
        assert accounts.authenticate(session, "pho.chutich", "mat-khau-moi-1") is not None

    listed = world.client.get("/api/v1/people", params={"unit_id": world.unit_id("own")}, headers=admin).json()
    assert "pho.chutich" in [p["username"] for p in listed]

    url = f"/api/v1/people/{person['id']}"
    promoted = world.client.patch(url, json={"roles": ["chair", "secretary"]}, headers=admin)
    assert promoted.status_code == 200
    assert promoted.json()["roles"] == ["chair", "secretary"]
    assert promoted.json()["position"] == "Phó Chủ tịch UBND huyện"

    taken = world.client.post("/api/v1/people", json={**body, "password": None}, headers=admin)
    assert taken.status_code == 409
    assert taken.json()["field"] == "username"

    unknown_role = world.client.post(
        "/api/v1/people", json={**body, "username": "moi", "roles": ["king"]}, headers=admin
    )
    assert unknown_role.status_code == 422
    assert unknown_role.json()["field"] == "roles[0]"

    short_password = world.client.post(
        "/api/v1/people", json={**body, "username": "moi", "password": "123"}, headers=admin
    )
    assert short_password.status_code == 422
    assert short_password.json()["field"] == "password"
    # Nothing half-made: the refused person does not exist.
    assert "moi" not in [p["username"] for p in world.client.get("/api/v1/people", headers=admin).json()]

    bad_username = world.client.post("/api/v1/people", json={**body, "username": "Tên Có Dấu"}, headers=admin)
    assert bad_username.status_code == 422
    assert bad_username.json()["field"] == "username"

    # The last administrator keeps the role.
    for other in ("administrator.invited", "administrator.other"):
        url = f"/api/v1/people/{world.person_id(other)}"
        assert world.client.patch(url, json={"active": False}, headers=admin).status_code == 200
    refused = world.client.patch(
        f"/api/v1/people/{world.person_id('administrator.own')}", json={"roles": []}, headers=admin
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "roles"
    assert "quản trị viên cuối cùng" in refused.json()["error"]
