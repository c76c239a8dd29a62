"""A soak of ``ganwen bot`` as users run it: the process polling the fake Bot API on 127.0.0.1
for 10,000 updates from 2,000 users while 5% of its sends are answered 429 or 5xx. Nothing may be
lost, and the process may not grow by 20 MB or more after warm-up. Bounded: 10,000 updates and
at most :data:`DEADLINE` seconds. Marked slow; ``.ci/run`` runs it."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.helpers import ganwen_bot, stop_bot

UPDATES, USERS, WARM_UP = 10_000, 2_000, 2_000
FAILING_SHARE = 0.05
MAX_GROWTH_MB = 20
DEADLINE = 600.0
BATCH = 500  # updates queued at a time: the bot always has work in hand, as under real load
QUESTIONS = (
    "南康2020年投资完成多少", "萍乡企业上云多少家", "赣州经开区医疗床位总数是多少",
    "于都规上工业企业总户数是多少", "南康2020年投資完成多少", "今天星期几", "那萍乡呢",
    "/ask 南康2020年投资完成多少", "赣州有多少家企业上云",
)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def answered(tg: FakeTelegram) -> set[tuple[int, int]]:
    return {(c.params["chat_id"], c.params["reply_parameters"]["message_id"])
            for c in tg.calls("sendMessage") if c.status == 200 and "reply_parameters" in c.params}


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_ten_thousand_updates_under_a_flaky_bot_api(tmp_path):
    with FakeTelegram() as tg:
        tg.flaky("sendMessage", FAILING_SHARE)
        # the fake has no flood limit to respect
        with ganwen_bot(tg, tmp_path, GANWEN_SEND_RATE="100000") as proc:
            start, asked, rss = time.monotonic(), set(), {}
            for n in range(UPDATES):
                user = 10_000 + n % USERS
                _, message = tg.user_message(QUESTIONS[n % len(QUESTIONS)], user_id=user)
                asked.add((user, message["message_id"]))
                if (n + 1) % BATCH == 0:  # wait for the batch before the last to be answered
                    while len(answered(tg)) < n + 1 - BATCH:
                        assert time.monotonic() - start < DEADLINE, "the bot fell behind"
                        time.sleep(0.05)
                    if n + 1 - BATCH >= WARM_UP and "warm" not in rss:
                        rss["warm"] = rss_mb(proc.pid)
            while answered(tg) != asked:
                assert time.monotonic() - start < DEADLINE, f"{len(asked - answered(tg))} lost"
                time.sleep(0.1)
            took = time.monotonic() - start
            rss["end"] = rss_mb(proc.pid)
            failed = [c for c in tg.calls("sendMessage") if c.status != 200]
            _, err, _ = stop_bot(proc, signal.SIGTERM, tmp_path)
    growth = rss["end"] - rss["warm"]
    print(f"\nsoak: {UPDATES} updates from {USERS} users in {took:.0f} s; "
          f"{len(failed)} sends answered 429/5xx; RSS {rss['warm']:.0f} MB after "
          f"{WARM_UP} -> {rss['end']:.0f} MB at the end (+{growth:.1f} MB)")
    assert answered(tg) == asked
    assert len(failed) > UPDATES * FAILING_SHARE / 2
    assert growth < MAX_GROWTH_MB
    assert proc.returncode == 0 and "Traceback" not in err
