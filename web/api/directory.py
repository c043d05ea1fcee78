"""The directory through the API: units, sites and people. Everyone logged in reads; administrators write.

Updates are PATCH: the fields sent replace the stored ones, the others stay. The domain validates the
merged record as a whole (meetings.directory), so a partial update obeys the same rules as a form.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from meetings import accounts, directory
from meetings.access import require_manage_directory
from meetings.directory import PersonDraft, SiteDraft, UnitDraft
from meetings.people import Person, Role
from meetings.units import Site, Unit, UnitLevel
from web.api.routing import MAX_ID, Call, Operation

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ---- units -----------------------------------------------------------------------------------------------


class UnitOut(_Out):
    id: int
    name: str
    abbreviation: str
    code: str = Field(description="Mã định danh theo QCVN 102:2016/BTTTT, ví dụ 000.00.12.H49")
    level: UnitLevel
    parent_id: int | None
    address: str
    email: str
    telephone: str
    place_name: str


class UnitCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    code: str = Field(max_length=20, examples=["000.05.12.H49"])
    level: UnitLevel
    parent_id: Id | None = None
    abbreviation: str = Field(default="UBND", max_length=30)
    address: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=254)
    telephone: str = Field(default="", max_length=50)
    place_name: str = Field(default="", max_length=100)


class UnitUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=20)
    level: UnitLevel | None = None
    parent_id: Id | None = None
    abbreviation: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=254)
    telephone: str | None = Field(default=None, max_length=50)
    place_name: str | None = Field(default=None, max_length=100)


def _merge(draft: object, patch: BaseModel, sent: frozenset[str], nullable: frozenset[str] = frozenset()) -> None:
    """Copy the fields the client sent onto ``draft``; ``null`` clears only the fields in ``nullable``."""
    for name in sent & set(type(patch).model_fields):
        value = getattr(patch, name)
        if value is None and name not in nullable:
            continue
        setattr(draft, name, value)


def _unit_draft(unit: Unit) -> UnitDraft:
    return UnitDraft(
        name=unit.name,
        code=unit.code,
        level=unit.level,
        parent_id=unit.parent_id,
        abbreviation=unit.abbreviation,
        address=unit.address,
        email=unit.email,
        telephone=unit.telephone,
        place_name=unit.place_name,
    )


def list_units(call: Call) -> list[UnitOut]:
    return [UnitOut.model_validate(u) for u in directory.list_units(call.session)]


def get_unit(call: Call) -> UnitOut:
    return UnitOut.model_validate(directory.get_unit(call.session, call.id("unit_id")))


def create_unit(call: Call) -> UnitOut:
    require_manage_directory(call.person)
    draft = UnitDraft(**call.body_as(UnitCreate).model_dump())
    return UnitOut.model_validate(directory.create_unit(call.session, call.person, draft))


def update_unit(call: Call) -> UnitOut:
    require_manage_directory(call.person)
    unit_id = call.id("unit_id")
    draft = _unit_draft(directory.get_unit(call.session, unit_id))
    _merge(draft, call.body_as(UnitUpdate), call.sent, nullable=frozenset({"parent_id"}))
    return UnitOut.model_validate(directory.update_unit(call.session, call.person, unit_id, draft))


# ---- sites -----------------------------------------------------------------------------------------------


class SiteOut(_Out):
    id: int
    unit_id: int
    name: str
    location: str
    active: bool


class SiteCreate(_In):
    unit_id: Id
    name: str = Field(min_length=1, max_length=200)
    location: str = Field(default="", max_length=300)
    active: bool = True


class SiteUpdate(_In):
    unit_id: Id | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    active: bool | None = None


class SiteQuery(_In):
    unit_id: Id | None = None


def list_sites(call: Call) -> list[SiteOut]:
    query = call.query_as(SiteQuery)
    return [SiteOut.model_validate(s) for s in directory.list_sites(call.session, query.unit_id)]


def get_site(call: Call) -> SiteOut:
    return SiteOut.model_validate(directory.get_site(call.session, call.id("site_id")))


def create_site(call: Call) -> SiteOut:
    require_manage_directory(call.person)
    draft = SiteDraft(**call.body_as(SiteCreate).model_dump())
    return SiteOut.model_validate(directory.create_site(call.session, call.person, draft))


def _site_draft(site: Site) -> SiteDraft:
    return SiteDraft(unit_id=site.unit_id, name=site.name, location=site.location, active=site.active)


def update_site(call: Call) -> SiteOut:
    require_manage_directory(call.person)
    site_id = call.id("site_id")
    draft = _site_draft(directory.get_site(call.session, site_id))
    _merge(draft, call.body_as(SiteUpdate), call.sent)
    return SiteOut.model_validate(directory.update_site(call.session, call.person, site_id, draft))


# ---- people ----------------------------------------------------------------------------------------------


class PersonOut(_Out):
    id: int
    username: str
    full_name: str
    position: str
    unit_id: int
    email: str
    telephone: str
    roles: list[Role]
    language: str
    active: bool

    @classmethod
    def of(cls, person: Person) -> PersonOut:
        data = person.model_dump(exclude={"password_hash", "roles"})
        return cls(**data, roles=sorted(person.role_set()))


class PersonCreate(_In):
    username: str = Field(min_length=2, max_length=80, examples=["thuky.xaa"])
    full_name: str = Field(min_length=1, max_length=200)
    unit_id: Id
    position: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    telephone: str = Field(default="", max_length=50)
    roles: list[Role] = Field(default_factory=list, max_length=len(Role))
    language: str = Field(default="vi", max_length=5)
    active: bool = True
    password: str | None = Field(
        default=None, max_length=accounts.MAX_PASSWORD_LENGTH, description="Mật khẩu đăng nhập (tuỳ chọn)."
    )


class PersonUpdate(_In):
    username: str | None = Field(default=None, min_length=2, max_length=80)
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    unit_id: Id | None = None
    position: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    telephone: str | None = Field(default=None, max_length=50)
    roles: list[Role] | None = Field(default=None, max_length=len(Role))
    language: str | None = Field(default=None, max_length=5)
    active: bool | None = None
    password: str | None = Field(default=None, max_length=accounts.MAX_PASSWORD_LENGTH)


class PersonQuery(_In):
    unit_id: Id | None = None


def _person_draft(person: Person) -> PersonDraft:
    return PersonDraft(
        username=person.username,
        full_name=person.full_name,
        unit_id=person.unit_id,
        position=person.position,
        email=person.email,
        telephone=person.telephone,
        roles=sorted(person.role_set()),
        language=person.language,
        active=person.active,
    )


def me(call: Call) -> PersonOut:
    return PersonOut.of(call.person)


def list_people(call: Call) -> list[PersonOut]:
    query = call.query_as(PersonQuery)
    return [PersonOut.of(p) for p in directory.list_people(call.session, query.unit_id)]


def get_person(call: Call) -> PersonOut:
    return PersonOut.of(directory.get_person(call.session, call.id("person_id")))


def create_person(call: Call) -> PersonOut:
    require_manage_directory(call.person)
    body = call.body_as(PersonCreate)
    if body.password is not None:
        # Checked before anything is written, so a bad password leaves no half-made account.
        accounts.check_password_policy(body.password)
    draft = PersonDraft(**body.model_dump(exclude={"password"}))
    person = directory.create_person(call.session, call.person, draft)
    if body.password is not None:
        accounts.set_password(
            call.session, person, body.password, actor=call.person, hasher=call.context.password_hasher
        )
    return PersonOut.of(person)


def update_person(call: Call) -> PersonOut:
    require_manage_directory(call.person)
    person_id = call.id("person_id")
    body = call.body_as(PersonUpdate)
    if body.password is not None:
        accounts.check_password_policy(body.password)
    draft = _person_draft(directory.get_person(call.session, person_id))
    _merge(draft, body, call.sent - {"password"})
    person = directory.update_person(call.session, call.person, person_id, draft)
    if body.password is not None:
        accounts.set_password(
            call.session, person, body.password, actor=call.person, hasher=call.context.password_hasher
        )
    return PersonOut.of(person)


ADMIN_ONLY = (401, 403, 404, 409, 422)

OPERATIONS: list[Operation] = [
    Operation("GET", "/me", me, "Người đang gọi API", "people", response=PersonOut, errors=(401,)),
    Operation("GET", "/units", list_units, "Danh sách đơn vị", "units", response=list[UnitOut], errors=(401,)),
    Operation(
        "POST",
        "/units",
        create_unit,
        "Tạo đơn vị",
        "units",
        body=UnitCreate,
        response=UnitOut,
        status=201,
        errors=ADMIN_ONLY,
    ),
    Operation("GET", "/units/{unit_id:int}", get_unit, "Một đơn vị", "units", response=UnitOut, errors=(401, 404)),
    Operation(
        "PATCH",
        "/units/{unit_id:int}",
        update_unit,
        "Sửa đơn vị",
        "units",
        body=UnitUpdate,
        response=UnitOut,
        errors=ADMIN_ONLY,
    ),
    Operation(
        "GET",
        "/sites",
        list_sites,
        "Danh sách điểm cầu",
        "sites",
        query=SiteQuery,
        response=list[SiteOut],
        errors=(401, 422),
    ),
    Operation(
        "POST",
        "/sites",
        create_site,
        "Tạo điểm cầu",
        "sites",
        body=SiteCreate,
        response=SiteOut,
        status=201,
        errors=ADMIN_ONLY,
    ),
    Operation("GET", "/sites/{site_id:int}", get_site, "Một điểm cầu", "sites", response=SiteOut, errors=(401, 404)),
    Operation(
        "PATCH",
        "/sites/{site_id:int}",
        update_site,
        "Sửa điểm cầu",
        "sites",
        body=SiteUpdate,
        response=SiteOut,
        errors=ADMIN_ONLY,
    ),
    Operation(
        "GET",
        "/people",
        list_people,
        "Danh sách người dùng",
        "people",
        query=PersonQuery,
        response=list[PersonOut],
        errors=(401, 422),
    ),
    Operation(
        "POST",
        "/people",
        create_person,
        "Tạo người dùng",
        "people",
        body=PersonCreate,
        response=PersonOut,
        status=201,
        errors=ADMIN_ONLY,
    ),
    Operation(
        "GET", "/people/{person_id:int}", get_person, "Một người dùng", "people", response=PersonOut, errors=(401, 404)
    ),
    Operation(
        "PATCH",
        "/people/{person_id:int}",
        update_person,
        "Sửa người dùng",
        "people",
        body=PersonUpdate,
        response=PersonOut,
        errors=ADMIN_ONLY,
    ),
]
