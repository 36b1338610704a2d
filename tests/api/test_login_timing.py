"""A login takes as long for an address without an account as for a wrong password
(issue 12.10): the answer's timing can't tell which emails have accounts."""

from __future__ import annotations

import statistics
import time

import pytest

pytestmark = pytest.mark.db


def login_ms(client, email: str) -> float:
    began = time.perf_counter()
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": "wrong one"})
    assert response.status_code == 401
    return (time.perf_counter() - began) * 1000


def test_an_unknown_address_takes_as_long_as_a_wrong_password(client, host):
    login_ms(client, host.email)  # warm
    known = statistics.median(login_ms(client, host.email) for _ in range(7))
    unknown = statistics.median(login_ms(client, "nobody@example.com") for _ in range(7))
    # the password hash dominates both (about 100 ms); without it, an unknown address
    # answers in a few milliseconds
    assert unknown >= 0.6 * known, (known, unknown)
