"""A demo directory: a fictional district of a fictional province, its ten communes, their meeting rooms,
people in every role, and the public holidays of 2026–2027.

The places and people are invented (any likeness to a real commune is chance); the e-mail domains are
under ``sonha.gov.vn``, which is not a real province's domain. ``seed_demo`` only adds what is missing,
so it can run at every start without undoing what an administrator has changed since.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from argon2 import PasswordHasher
from sqlmodel import Session, select

from meetings import audit
from meetings.accounts import hash_password
from meetings.directory import (
    PersonDraft,
    SiteDraft,
    UnitDraft,
    person_by_username,
    save_person,
    save_site,
    save_unit,
    site_by_name,
    unit_by_code,
)
from meetings.people import Role
from meetings.units import Unit, UnitLevel
from meetings.workdays import Holiday

PROVINCE_CODE = "000.00.00.H49"
DISTRICT_CODE = "000.00.12.H49"
DOMAIN = "ngockhe.sonha.gov.vn"

# (kind, name) of the communes; a thị trấn is the district town.
COMMUNES: tuple[tuple[str, str], ...] = (
    ("thị trấn", "Ngọc Khê"),
    ("xã", "Tân Lập"),
    ("xã", "Hòa Bình"),
    ("xã", "Phúc Sơn"),
    ("xã", "Đồng Tâm"),
    ("xã", "Thanh Vân"),
    ("xã", "Minh Khai"),
    ("xã", "Yên Thịnh"),
    ("xã", "Bản Giàng"),
    ("xã", "Quyết Tiến"),
)
# Invented names for the commune officials (chair of the commune) and IT operators, in commune order.
OFFICIALS = (
    "Nguyễn Văn Hùng", "Lò Thị Hoa", "Hoàng Văn Tuấn", "Vi Thị Lan", "Đinh Văn Tú",
    "Sầm Thị Mai", "Nông Văn Dũng", "Triệu Thị Hương", "Lý Văn Sơn", "Ma Thị Ngọc",
)  # fmt: skip
OPERATORS = (
    "Phạm Minh Đức", "Trần Thị Thảo", "Lương Văn Khánh", "Hà Thị Yến", "Bế Văn Long",
    "Đặng Thị Nga", "Vũ Văn Quang", "Hoàng Thị Linh", "Mông Văn Thắng", "La Thị Hằng",
)  # fmt: skip

# Public holidays (Labour Code 2019, art. 112) on days that would otherwise be worked. Tết and the 2/9
# extra day are fixed each year by the government; the spans below are the usual pattern, marked
# "chưa xác minh" (unverified) until checked against the year's official notice. Administrators edit them.
HOLIDAYS: tuple[tuple[date, str], ...] = (
    (date(2026, 1, 1), "Tết Dương lịch"),
    (date(2026, 2, 16), "Tết Nguyên đán (28 tháng Chạp) (chưa xác minh)"),
    (date(2026, 2, 17), "Tết Nguyên đán (mùng 1 Tết Bính Ngọ)"),
    (date(2026, 2, 18), "Tết Nguyên đán (mùng 2)"),
    (date(2026, 2, 19), "Tết Nguyên đán (mùng 3)"),
    (date(2026, 2, 20), "Tết Nguyên đán (mùng 4) (chưa xác minh)"),
    # 10/3 âm lịch falls on Sunday 26 April 2026: the day off moves to Monday.
    (date(2026, 4, 27), "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch, Chủ nhật 26/4)"),
    (date(2026, 4, 30), "Ngày Chiến thắng (30/4)"),
    (date(2026, 5, 1), "Ngày Quốc tế Lao động (1/5)"),
    (date(2026, 9, 1), "Quốc khánh, ngày nghỉ liền kề (chưa xác minh)"),
    (date(2026, 9, 2), "Quốc khánh (2/9)"),
    (date(2027, 1, 1), "Tết Dương lịch"),
    (date(2027, 2, 4), "Tết Nguyên đán (28 tháng Chạp) (chưa xác minh)"),
    (date(2027, 2, 5), "Tết Nguyên đán (30 tháng Chạp)"),
    # Mùng 1 and mùng 2 Tết Đinh Mùi are Saturday 6 and Sunday 7 February 2027: days off move to the week after.
    (date(2027, 2, 8), "Tết Nguyên đán (mùng 3)"),
    (date(2027, 2, 9), "Tết Nguyên đán, nghỉ bù (chưa xác minh)"),
    (date(2027, 2, 10), "Tết Nguyên đán, nghỉ bù (chưa xác minh)"),
    (date(2027, 4, 16), "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
    (date(2027, 4, 30), "Ngày Chiến thắng (30/4)"),
    # 1 May 2027 is a Saturday.
    (date(2027, 5, 3), "Nghỉ bù Ngày Quốc tế Lao động (Thứ Bảy 1/5)"),
    (date(2027, 9, 2), "Quốc khánh (2/9)"),
    (date(2027, 9, 3), "Quốc khánh, ngày nghỉ liền kề (chưa xác minh)"),
)

PASSWORD_SUFFIX = "-demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    full_name: str
    roles: str
    unit_name: str


def demo_password(username: str) -> str:
    """Every demo account's password is its username followed by ``-demo``."""
    return username + PASSWORD_SUFFIX


def ascii_slug(text: str, separator: str = "-") -> str:
    """``Bản Giàng`` → ``ban-giang``: Vietnamese without diacritics, for usernames and mailbox names."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return separator.join(plain.lower().split())


@dataclass(frozen=True)
class _Account:
    username: str
    full_name: str
    position: str
    roles: tuple[Role, ...]
    unit_code: str


def _units() -> list[tuple[UnitDraft, str | None]]:
    """Each unit with its parent's code, parents first."""
    units: list[tuple[UnitDraft, str | None]] = [
        (UnitDraft("UBND tỉnh Sơn Hà", PROVINCE_CODE, UnitLevel.PROVINCE, email="vanphong@sonha.gov.vn",
                   address="Số 1 đường Trần Hưng Đạo, thành phố Sơn Hà", place_name="Sơn Hà"), None),
        (UnitDraft("UBND huyện Ngọc Khê", DISTRICT_CODE, UnitLevel.DISTRICT, email=f"vanphong@{DOMAIN}",
                   address="Tổ 3, thị trấn Ngọc Khê, huyện Ngọc Khê", telephone="0219 3870 123",
                   place_name="Ngọc Khê"), PROVINCE_CODE),
    ]  # fmt: skip
    for number, (kind, name) in enumerate(COMMUNES, start=1):
        prefix = "tt" if kind == "thị trấn" else "xa"
        draft = UnitDraft(
            f"UBND {kind} {name}",
            f"000.{number:02d}.12.H49",
            UnitLevel.COMMUNE,
            email=f"ubnd.{prefix}-{ascii_slug(name)}@{DOMAIN}",
            address=f"Trụ sở UBND {kind} {name}, huyện Ngọc Khê",
            place_name=name,
        )
        units.append((draft, DISTRICT_CODE))
    return units


def _accounts() -> list[_Account]:
    accounts = [
        _Account("admin", "Trần Quốc Việt", "Chuyên viên CNTT, Văn phòng HĐND và UBND huyện",
                 (Role.ADMINISTRATOR,), DISTRICT_CODE),
        _Account("chutich", "Hoàng Văn Minh", "Chủ tịch UBND huyện", (Role.CHAIR,), DISTRICT_CODE),
        _Account("chanhvanphong", "Lê Thị Thu Hà", "Chánh Văn phòng HĐND và UBND huyện", (Role.SECRETARY,),
                 DISTRICT_CODE),
    ]  # fmt: skip
    for number, (kind, name) in enumerate(COMMUNES, start=1):
        code = f"000.{number:02d}.12.H49"
        slug = ascii_slug(name, "")
        accounts.append(
            _Account(f"canbo.{slug}", OFFICIALS[number - 1], f"Chủ tịch UBND {kind} {name}",
                     (Role.SITE_OFFICIAL,), code)
        )  # fmt: skip
        accounts.append(
            _Account(f"cntt.{slug}", OPERATORS[number - 1], "Công chức Văn phòng - Thống kê, phụ trách CNTT",
                     (Role.SITE_OPERATOR,), code)
        )  # fmt: skip
    return accounts


def demo_logins() -> list[DemoLogin]:
    """The demo accounts and their passwords, in the order they are listed to users."""
    unit_names = {u.code: u.name for u, _ in _units()}
    return [
        DemoLogin(a.username, demo_password(a.username), a.full_name, " ".join(a.roles), unit_names[a.unit_code])
        for a in _accounts()
    ]


def demo_present(session: Session) -> bool:
    """Whether the demo district is in the directory (seeded before)."""
    return unit_by_code(session, DISTRICT_CODE) is not None


def seed_demo(session: Session, *, hasher: PasswordHasher | None = None) -> list[DemoLogin]:
    """Add whatever of the demo directory and holidays is missing, in one transaction; return the log-ins.

    ``hasher`` hashes the demo passwords (see :func:`meetings.accounts.password_hasher`)."""
    try:
        _seed(session, hasher)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return demo_logins()


def _seed(session: Session, hasher: PasswordHasher | None) -> None:
    ids: dict[str, int] = {}
    for draft, parent_code in _units():
        unit = unit_by_code(session, draft.code)
        if unit is None:
            draft.parent_id = ids[parent_code] if parent_code else None
            unit, _ = save_unit(session, None, draft)
        assert unit.id is not None
        ids[unit.code] = unit.id
    for code, unit_id in ids.items():
        unit = session.get(Unit, unit_id)
        assert unit is not None
        if code == PROVINCE_CODE:
            continue  # the province takes part through its own deployment, not this demo
        name = f"Phòng họp trực tuyến {unit.name}"
        if site_by_name(session, unit_id, name) is None:
            location = "Hội trường tầng 2" if code == DISTRICT_CODE else "Phòng họp nhà làm việc chính"
            save_site(session, None, SiteDraft(unit_id, name, location))
    for account in _accounts():
        if person_by_username(session, account.username) is not None:
            continue
        person_draft = PersonDraft(
            username=account.username,
            full_name=account.full_name,
            unit_id=ids[account.unit_code],
            position=account.position,
            email=f"{account.username}@{DOMAIN}",
            roles=account.roles,
        )
        person, _ = save_person(session, None, person_draft)
        person.password_hash = hash_password(demo_password(account.username), hasher=hasher)
        session.add(person)
    known = {h.day for h in session.exec(select(Holiday)).all()}
    for day, name in HOLIDAYS:
        if day not in known:
            holiday = Holiday(day=day, name=name)
            session.add(holiday)
            session.flush()
            audit.record(session, None, "create", "holiday", holiday.id, day=day.isoformat(), name=name)


ROLE_LABELS = {
    Role.ADMINISTRATOR: "quản trị",
    Role.CHAIR: "chủ trì",
    Role.SECRETARY: "thư ký",
    Role.SITE_OFFICIAL: "cán bộ điểm cầu",
    Role.SITE_OPERATOR: "kỹ thuật điểm cầu",
}


def logins_table(logins: list[DemoLogin]) -> str:
    """The log-ins as an aligned Markdown table: readable in a terminal, pasteable into the README."""
    header = ("Tên đăng nhập", "Mật khẩu", "Vai trò", "Đơn vị")
    rows = [
        (f"`{x.username}`", f"`{x.password}`", ", ".join(ROLE_LABELS[Role(r)] for r in x.roles.split()), x.unit_name)
        for x in logins
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
