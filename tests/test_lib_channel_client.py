"""The REST channel adapter against a real HTTP server on 127.0.0.1 that accepts, rate-limits, fails, hangs,
answers garbage and recovers: a push never raises, every problem is reported."""

import json
from decimal import Decimal

import pytest
from channel_server import ChannelServer
from returns_lib.resale import channel_client as cc


@pytest.fixture
def server():
    with ChannelServer() as running:
        yield running


def client(server, token="good-token", **options):
    waits = []
    options.setdefault("timeout", 0.5)
    options.setdefault("backoff", 0.01)
    return cc.RestChannelClient(server.url, token, sleep=waits.append, **options), waits


def offers(count, price="19.90"):
    return [cc.OfferUpdate(f"SKU-{i:03d}", price=Decimal(price), quantity=1) for i in range(count)]


def test_offers_are_sent_in_batches_the_channel_accepts(server):
    push, _waits = client(server)
    result = push.push(offers(60))
    assert result.ok and len(result.accepted) == 60
    assert result.calls == 3, "25 SKUs per call: 25, 25, 10"
    sizes = [len(json.loads(body)["offers"]) for body in server.state.received]
    assert sizes == [25, 25, 10]
    first = json.loads(server.state.received[0])["offers"][0]
    assert first == {"sku": "SKU-000", "currency": "EUR", "price": "19.90", "quantity": 1}


def test_a_quantity_only_update_sends_no_price(server):
    push, _waits = client(server)
    assert push.push([cc.OfferUpdate("SOLD-1", quantity=0)]).accepted == ["SOLD-1"]
    assert json.loads(server.state.received[0])["offers"] == [{"sku": "SOLD-1", "currency": "EUR", "quantity": 0}]


def test_rate_limited_then_served_waiting_what_the_channel_asks(server):
    server.state.script = ["429", "429"]
    push, waits = client(server)
    result = push.push(offers(3))
    assert result.ok and result.calls == 3
    assert waits == [0.0, 0.0], "Retry-After: 0 is honoured, not the back-off"


def test_server_errors_back_off_and_recover(server):
    server.state.script = ["500", "500"]
    push, waits = client(server, backoff=0.1)
    result = push.push(offers(2))
    assert result.ok and result.calls == 3
    assert waits == [0.1, 0.2], "exponential back-off"


def test_a_channel_that_stays_down_is_reported_and_the_next_batch_still_goes(server):
    server.state.script = ["500", "500", "500"]
    push, _waits = client(server, max_attempts=3)
    result = push.push(offers(30))
    assert [error.kind for error in result.errors] == [cc.UNAVAILABLE]
    assert len(result.errors[0].skus) == 25 and "after 3 attempts" in result.errors[0].message
    assert len(result.accepted) == 5, "the second batch went through"


def test_a_hanging_channel_times_out_without_raising(server):
    server.state.script = ["hang", "hang"]
    server.state.hang_seconds = 1.0
    push, _waits = client(server, timeout=0.2, max_attempts=2)
    result = push.push(offers(1))
    assert [error.kind for error in result.errors] == [cc.TIMEOUT]
    assert result.accepted == []


def test_wrong_credentials_stop_the_push_without_retrying(server):
    push, waits = client(server, token="stolen")
    result = push.push(offers(60))
    assert result.calls == 1 and waits == []
    assert [error.kind for error in result.errors] == [cc.AUTH, cc.AUTH]
    assert len(result.errors[1].skus) == 35, "the batches not sent are named too"


def test_the_channel_refuses_offers_one_by_one(server):
    push, _waits = client(server)
    result = push.push([cc.OfferUpdate("OK-1", price=Decimal("10")),
                        cc.OfferUpdate("ZERO-1", price=Decimal("0")),
                        cc.OfferUpdate("NEG-1", quantity=-1)])
    assert result.accepted == ["OK-1"]
    assert result.rejected == {"ZERO-1": "price must be positive",
                               "NEG-1": "quantity must be a whole number, not negative"}


def test_an_answer_that_is_not_json_is_an_error_not_a_crash(server):
    server.state.script = ["garbage"]
    push, _waits = client(server)
    result = push.push(offers(2))
    assert [error.kind for error in result.errors] == [cc.MALFORMED]
    assert result.errors[0].skus == ("SKU-000", "SKU-001")


def test_a_batch_the_channel_refuses_is_not_retried(server):
    server.state.max_batch = 10
    push, waits = client(server, batch_size=20)
    result = push.push(offers(20))
    assert result.calls == 1 and waits == []
    assert result.errors[0].kind == cc.REFUSED and "at most 10 offers" in result.errors[0].message


def test_nobody_listening_is_reported():
    unreachable = cc.RestChannelClient("http://127.0.0.1:9", "good-token", timeout=0.5, max_attempts=2,
                                       sleep=lambda _s: None)
    result = unreachable.push(offers(1))
    assert [error.kind for error in result.errors] == [cc.UNAVAILABLE]
