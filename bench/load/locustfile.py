"""An RM's morning, for Locust (bench/bench_load.py runs it against gunicorn).

Each simulated RM signs in once as their own demo user (rm1, rm2, ...), then repeats the
morning: Today's plan, five 360 cards of the day's customers (or of the portfolio when
the day is light), three visits logged through the offline sync endpoint, and one offer
presented. Requests are named by route, so the statistics are per endpoint.
"""

import itertools
import os
import random
import uuid
from datetime import UTC, datetime

from locust import HttpUser, between, task

_numbers = itertools.count(1)


class RelationshipManager(HttpUser):
    wait_time = between(1, 3)  # an RM reads a card before opening the next

    def on_start(self):
        self.username = f"rm{next(_numbers)}"
        # every RM of the branch behind one NAT address, as the trusted proxy reports it
        if address := os.environ.get("LOAD_CLIENT_ADDRESS"):
            self.client.headers["X-Forwarded-For"] = address
        response = self.client.post("/api/v1/auth/login", name="/api/v1/auth/login",
                                    json={"username": self.username, "password": "demo1234"})
        response.raise_for_status()
        self.client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        portfolio = self.client.get("/api/v1/customers?per_page=50",
                                    name="/api/v1/customers").json()["items"]
        self.portfolio = [c["id"] for c in portfolio]

    @task
    def morning(self):
        plan = self.client.get("/api/v1/plan", name="/api/v1/plan").json()
        today = [e["customer"]["id"] for e in plan["entries"]]
        cards = (today + random.sample(self.portfolio, min(5, len(self.portfolio))))[:5]
        for customer_id in cards:
            self.client.get(f"/api/v1/customers/{customer_id}", name="/api/v1/customers/[id]")
        for customer_id in cards[:3]:
            write = {"client_id": str(uuid.uuid4()), "kind": "interaction",
                     "body": {"customer_id": customer_id, "channel": "visit",
                              "started_at": datetime.now(UTC).isoformat(),
                              "outcome": "reached", "notes": "晨访：了解经营情况与资金需求"}}
            with self.client.post("/api/v1/sync", name="/api/v1/sync", json={"writes": [write]},
                                  catch_response=True) as response:
                if response.status_code != 200:  # a 429 included: the limit is under test
                    response.failure(f"sync refused with HTTP {response.status_code}")
                    continue
                status = response.json()["results"][0]["status"]
                if status != "created":
                    response.failure(f"sync answered {status}")
        offers = self.client.get(f"/api/v1/customers/{cards[0]}/offers",
                                 name="/api/v1/customers/[id]/offers").json()["items"]
        fresh = [o for o in offers if o.get("state") in (None, "suggested")]
        if fresh:
            self.client.post(f"/api/v1/offers/{fresh[0]['id']}/feedback",
                             name="/api/v1/offers/[id]/feedback", json={"state": "presented"})
