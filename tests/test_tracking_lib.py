"""Carrier events: signatures, parsing (all or nothing), status mapping, back-off."""

import json
from datetime import datetime

import pytest
from returns_lib import tracking


def event(**overrides):
    base = {"event_id": "EV-1", "tracking_ref": "1Z999", "status": "PICKED_UP", "time": "2026-11-20T09:15:00+01:00",
            "place": "Lyon", "description": "Parcel collected"}
    base.update(overrides)
    return base


def test_signature_is_hmac_sha256_of_the_raw_body():
    body = b'{"event_id": "EV-1"}'
    header = tracking.sign("s3cret", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert tracking.verify_signature("s3cret", body, header)
    assert not tracking.verify_signature("s3cret", body + b" ", header), "any change of the body breaks it"
    assert not tracking.verify_signature("other", body, header)
    assert not tracking.verify_signature(None, body, header), "a carrier without secret accepts nothing"
    assert not tracking.verify_signature("s3cret", body, None)
    assert not tracking.verify_signature("s3cret", body, header[7:]), "the sha256= prefix is required"


def test_one_event_a_list_or_an_events_object():
    one = tracking.parse_events(event())
    assert len(one) == 1
    assert one[0].event_type == "picked_up"
    assert one[0].time == datetime(2026, 11, 20, 8, 15), "times are stored as naive UTC"
    assert len(tracking.parse_events([event(), event(event_id="EV-2")])) == 2
    assert len(tracking.parse_events({"events": [event()]})) == 1


@pytest.mark.parametrize(
    ("status", "event_type"),
    [("picked up", "picked_up"), ("In-Transit", "in_transit"), ("ARRIVED_AT_HUB", "arrived_hub"),
     ("delivered", "delivered"), ("EXCEPTION", "carrier_exception"), ("SORTED_SOMEWHERE", None)],
)
def test_status_mapping(status, event_type):
    assert tracking.map_status(status) == event_type


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "expected an event"),
        ("text", "expected an event"),
        ([event(), "x"], "event 2 is not an object"),
        ([event(), event(event_id=None)], "event 2: 'event_id' is missing"),
        ([event(tracking_ref="  ")], "'tracking_ref' is missing"),
        ([event(status=["x"])], "'status' must be text"),
        ([event(time="yesterday")], "not ISO 8601"),
        ([event(time="2026-11-20T09:15:00")], "no time zone"),
        ([event(place="x" * 300)], "longer than 256"),
    ],
)
def test_malformed_batches_are_refused_whole(payload, message):
    with pytest.raises(tracking.MalformedEvents, match=message):
        tracking.parse_events(payload)


def test_body_must_be_json():
    with pytest.raises(tracking.MalformedEvents, match="not JSON"):
        tracking.parse_body(b"<xml/>")
    with pytest.raises(tracking.MalformedEvents, match="not JSON"):
        tracking.parse_body(b"\xff\xfe")
    assert tracking.parse_body(json.dumps(event()).encode())[0].place == "Lyon"


def test_an_unknown_status_is_kept_in_view_as_in_transit():
    parsed = tracking.parse_events(event(status="SORTED_SOMEWHERE", description="Night sort"))[0]
    assert parsed.event_type == "in_transit"
    assert parsed.description == "SORTED_SOMEWHERE: Night sort"


def test_a_polled_parcel_may_have_no_events_yet():
    assert tracking.parse_events({"events": []}, allow_empty=True) == []
    with pytest.raises(tracking.MalformedEvents):
        tracking.parse_events({"events": []})


def test_too_many_events_in_one_call():
    with pytest.raises(tracking.MalformedEvents, match="at most 500"):
        tracking.parse_events([event(event_id=str(i)) for i in range(501)])


def test_backoff_doubles_and_is_capped():
    assert [tracking.backoff_delay(n) for n in range(5)] == [0, 300, 600, 1200, 2400]
    assert tracking.backoff_delay(30) == 6 * 3600
