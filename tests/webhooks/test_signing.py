"""``X-Rendezvous-Signature`` (SPEC §10): what :mod:`server.webhooks.signing` makes, checked
with hmac directly, and what its ``verify`` (offered to receivers) refuses."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from server.webhooks.signing import SignatureInvalid, signature_header, verify

SECRET = "whsec_0123456789abcdef"
BODY = '{"id":"d1","event":"ping","data":{"name":"Zoë"}}'.encode()
T = 1_800_000_000


def test_the_header_is_t_and_the_hmac_of_t_dot_body():
    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert signature_header(SECRET, T, BODY) == f"t={T},v1={expected}"


def test_verify_accepts_a_fresh_signature():
    assert verify(signature_header(SECRET, T, BODY), SECRET, BODY, now=T + 299) == T


@pytest.mark.parametrize(
    ("header", "secret", "body", "now"),
    [
        (signature_header(SECRET, T, BODY), SECRET, BODY, T + 301),  # over 5 minutes old
        (signature_header(SECRET, T, BODY), "whsec_another-secret", BODY, T),
        (signature_header(SECRET, T, BODY), SECRET, BODY + b" ", T),  # the body changed
        (signature_header(SECRET, T, BODY).replace(f"t={T}", f"t={T + 1}"), SECRET, BODY, T),
        ("", SECRET, BODY, T),
        ("v1=abc", SECRET, BODY, T),
    ],
    ids=["old", "other-secret", "body-changed", "t-changed", "missing", "no-t"],
)
def test_verify_refuses(header, secret, body, now):
    with pytest.raises(SignatureInvalid):
        verify(header, secret, body, now=now)
