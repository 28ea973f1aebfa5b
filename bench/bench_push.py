"""Benchmark: 10,000 notifications sent to a push service on 127.0.0.1.

Queues the notifications (100 users, one device each), then times the sender
(dispatch, aes128gcm encryption, VAPID, HTTP through the worker pool, status written
back) until all are sent. The push service runs in its own process, as a real one would
not share the sender's interpreter. The floor, measured in the same run: encrypting the
same messages for the same devices and nothing else, on one thread.

    python bench/bench_push.py [--notifications N] [--users N] [--workers N]
"""

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, make_app  # noqa: E402
from tests.push.pushservice import PushService, Subscriber  # noqa: E402


def _serve(conn) -> None:
    """The push service process: say where it listens, then how many messages it got."""
    with PushService() as push:
        conn.send(push.origin)
        conn.recv()
        conn.send(len(push.received))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    from datetime import date

    from pywebpush import WebPusher
    from sqlalchemy import func, insert, select

    from backend.auth.models import Team, User
    from backend.extensions import db
    from backend.models_base import utcnow
    from backend.push import sender, vapid
    from backend.push.models import Notification, PushSubscription

    print(f"machine: {machine()}  date: {date.today()}")
    app, folder = make_app(None, "push")
    app.config.update(PUSH_ALLOW_LOCAL=True, PUSH_WORKERS=args.workers,
                      VAPID_FILE=str(folder / "vapid.json"))
    vapid.save(folder / "vapid.json", vapid.generate(app.config["VAPID_SUBJECT"]))
    fork = multiprocessing.get_context("fork")
    conn, child = fork.Pipe()
    service = fork.Process(target=_serve, args=(child,), daemon=True)
    service.start()
    origin = conn.recv()
    with app.app_context():
        team = Team(name="bench")
        db.session.add(team)
        db.session.flush()
        subscribers = {}
        for i in range(args.users):
            user = User(username=f"rm{i}", password_hash="x", display_name=f"RM {i}", role="rm",
                        team_id=team.id)
            db.session.add(user)
            db.session.flush()
            device = Subscriber(f"{origin}/push/rm{i}")
            subscribers[user.id] = device
            db.session.add(PushSubscription(user_id=user.id, endpoint=device.endpoint,
                                            p256dh=device.keys["p256dh"],
                                            auth=device.keys["auth"]))
        db.session.commit()
        users = list(subscribers)
        now = utcnow()
        rows = [{"user_id": users[n % len(users)], "kind": "risk", "title": "风险预警",
                 "body": f"客户{n}：逾期 {n % 90} 天，授信使用率 95%", "url": f"/customers/{n}",
                 "urgency": "normal", "ttl_seconds": 86400, "status": "queued", "attempts": 0,
                 "created_at": now} for n in range(args.notifications)]
        db.session.execute(insert(Notification), rows)
        db.session.commit()

        started = time.perf_counter()
        sent = 0
        while sent < args.notifications:
            counts = sender.run_once()
            if not any(counts.values()):
                break
            sent += counts["sent"]
        send_seconds = time.perf_counter() - started
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.status == "sent")) == args.notifications
        conn.send("count")
        assert conn.recv() == args.notifications
        service.terminate()

        notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        started = time.perf_counter()
        for note in notes:
            device = subscribers[note.user_id]
            WebPusher({"endpoint": device.endpoint, "keys": device.keys}).encode(
                sender.payload(note), "aes128gcm")
        floor_seconds = time.perf_counter() - started

    send_rate = args.notifications / send_seconds
    floor_rate = args.notifications / floor_seconds
    print(f"sent {args.notifications:,} notifications to {args.users} devices on "
          f"{origin} with {args.workers} workers")
    print(f"  sender                    {send_seconds:6.2f} s  {send_rate:8,.0f} messages/s")
    print(f"  floor (encryption alone)  {floor_seconds:6.2f} s  {floor_rate:8,.0f} messages/s")
    print(f"  ratio (floor rate / sender rate) {floor_rate / send_rate:.2f}")


if __name__ == "__main__":
    main()
