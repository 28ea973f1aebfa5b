"""Build exactly the data a test needs. Every user's password is 'demo1234'."""

import itertools
from datetime import date, datetime, timedelta

from werkzeug.security import generate_password_hash

from backend.auth.models import Team, User
from backend.customers.models import Account, Customer, RelatedParty, Transaction
from backend.extensions import db
from backend.products.models import Product
from backend.visits.models import Interaction

PASSWORD = "demo1234"
# Hashing once keeps tests fast; the login path still checks it for real.
PASSWORD_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


def team(name: str | None = None) -> Team:
    row = Team(name=name or f"team-{next(_seq)}")
    db.session.add(row)
    db.session.flush()
    return row


def user(username: str | None = None, role: str = "rm", team: Team | None = None,
         **fields) -> User:
    row = User(username=username or f"user{next(_seq)}", password_hash=PASSWORD_HASH,
               role=role, team=team, display_name=fields.pop("display_name", username or "U"),
               **fields)
    db.session.add(row)
    db.session.flush()
    return row


def product(code: str | None = None, family: str = "deposit", is_credit: bool = False,
            **fields) -> Product:
    code = code or f"P{next(_seq)}"
    fields.setdefault("margin_rate", 0.02)
    fields.setdefault("annual_cost", 100)
    row = Product(code=code, name=fields.pop("name", f"产品{code}"),
                  name_en=fields.pop("name_en", f"Product {code}"), family=family,
                  is_credit=is_credit, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def customer(rm: User | None, name: str | None = None, **fields) -> Customer:
    n = next(_seq)
    row = Customer(external_id=fields.pop("external_id", f"C{n:06d}"),
                   name=name or f"测试企业{n}", name_en=fields.pop("name_en", f"Test Co {n}"),
                   rm_id=rm.id if rm else None, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def account(customer: Customer, product: Product, balance: float = 0, **fields) -> Account:
    row = Account(external_id=fields.pop("external_id", f"A{next(_seq):07d}"),
                  customer_id=customer.id, product_id=product.id,
                  opened_on=fields.pop("opened_on", date(2023, 1, 1)), balance=balance, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def transaction(account: Account, amount: float, posted_at: datetime, channel: str = "mobile",
                kind: str = "payment", **fields) -> Transaction:
    row = Transaction(external_id=fields.pop("external_id", f"T{next(_seq):09d}"),
                      account_id=account.id, amount=amount, posted_at=posted_at,
                      channel=channel, kind=kind, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def interaction(rm: User, customer: Customer, started_at: datetime | None = None,
                channel: str = "visit", outcome: str = "reached", **fields) -> Interaction:
    client_id = fields.pop("client_id", f"00000000-0000-4000-8000-{next(_seq):012d}")
    row = Interaction(client_id=client_id,
                      rm_id=rm.id, customer_id=customer.id, channel=channel, outcome=outcome,
                      started_at=started_at or datetime.now() - timedelta(days=3), **fields)
    db.session.add(row)
    db.session.flush()
    return row


def related(customer: Customer, kind: str, other: Customer | None = None,
            person_name: str | None = None) -> RelatedParty:
    row = RelatedParty(customer_id=customer.id, kind=kind,
                       related_customer_id=other.id if other else None, person_name=person_name)
    db.session.add(row)
    db.session.flush()
    return row


def two_teams():
    """The access-matrix world: team A (rm_a, rm_a2, lead_a) and team B (rm_b, lead_b)."""
    team_a, team_b = team("A"), team("B")
    people = {
        "rm_a": user("rm_a", "rm", team_a), "rm_a2": user("rm_a2", "rm", team_a),
        "lead_a": user("lead_a", "lead", team_a), "rm_b": user("rm_b", "rm", team_b),
        "lead_b": user("lead_b", "lead", team_b), "referrer": user("referrer", "referrer"),
        "analyst": user("analyst", "analyst"), "admin": user("admin", "admin"),
    }
    db.session.commit()
    return people
