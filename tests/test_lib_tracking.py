"""Carrier events: signatures, parsing (all or nothing), status mapping, back-off."""

import json
from datetime import datetime, timedelta, timezone

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
    assert [tracking.poll_backoff_seconds(n) for n in range(5)] == [0, 300, 600, 1200, 2400]
    assert tracking.poll_backoff_seconds(30) == 6 * 3600


NOW = datetime(2026, 11, 28, 12, 0)  # naive UTC, as the parser's ``now``


@pytest.mark.parametrize(
    ("time", "message"),
    [
        ("0001-01-01T00:00:00+01:00", "out of range"),  # before year 1 once in UTC
        ("9999-12-31T23:30:00-01:00", "out of range"),  # after year 9999 once in UTC
        ("1999-12-31T23:59:59Z", "before 2000-01-01"),
        ("1970-01-01T00:00:00Z", "before 2000-01-01"),
        ("2026-11-29T12:00:01Z", "in the future"),
        ("2099-01-01T00:00:00Z", "in the future"),
        ("x" * 10_000, "not ISO 8601"),
    ],
    ids=["year-0", "year-10000", "1999", "1970", "tomorrow-and-a-second", "2099", "10000-characters"],
)
def test_event_times_out_of_bounds_are_refused(time, message):
    with pytest.raises(tracking.MalformedEvents, match=message) as refused:
        tracking.parse_events([event(), event(event_id="EV-2", time=time)], now=NOW)
    assert "event 2" in str(refused.value)
    assert len(str(refused.value)) < 200, "the refusal does not echo a huge value back"


def test_event_times_within_the_clock_skew_margin_are_kept():
    skewed = tracking.parse_events(event(time="2026-11-29T11:59:59Z"), now=NOW)[0]
    assert skewed.time == datetime(2026, 11, 29, 11, 59, 59), "a carrier clock a few hours fast is tolerated"
    assert tracking.parse_events(event(time="2000-01-01T00:00:00Z"), now=NOW)[0].time == datetime(2000, 1, 1)
    assert tracking.MAX_CLOCK_SKEW == timedelta(days=1)


def test_the_bounds_follow_the_clock_when_no_now_is_given():
    now = datetime.now(timezone.utc)
    with pytest.raises(tracking.MalformedEvents, match="in the future"):
        tracking.parse_events(event(time=(now + timedelta(days=2)).isoformat()))
    assert tracking.parse_events(event(time=now.isoformat()))


def test_deeply_nested_json_is_malformed_not_a_crash():
    with pytest.raises(tracking.MalformedEvents, match="nested too deeply"):
        tracking.parse_body(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(tracking.MalformedEvents, match="nested too deeply"):
        tracking.parse_body(b'{"events": ' + b"[" * 5_000 + b"]" * 5_000 + b"}")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"event_id": "EV\u0000-1"}, "'event_id' has control characters"),
        ({"tracking_ref": "1Z\n999"}, "'tracking_ref' has control characters"),
        ({"status": "PICKED\u001bUP"}, "'status' has control characters"),
        ({"place": "Lyon\u0000"}, "'place' has control characters"),
        ({"description": "\ud800 lone surrogate"}, "'description' has control characters"),
    ],
    ids=["nul-id", "newline-ref", "escape-status", "nul-place", "surrogate-description"],
)
def test_text_that_cannot_be_stored_or_shown_is_refused(overrides, message):
    # json.dumps writes these characters as \\u escapes, as a carrier would send them.
    with pytest.raises(tracking.MalformedEvents, match=message):
        tracking.parse_body(json.dumps(event(**overrides)).encode())


def test_descriptions_may_span_lines():
    parsed = tracking.parse_events(event(description="Left at the depot.\r\nCall before 5 pm.\tThanks"))[0]
    assert parsed.description == "Left at the depot.\r\nCall before 5 pm.\tThanks"


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("1Z999AA10123456784", None),
        ("JJD 0001 2345 6789", None),
        ("x" * 64, None),
        ("x" * 65, "too_long"),
        ("x" * 200_000, "too_long"),
        ("1Z\x00999", "control_characters"),
        ("1Z\t999", "control_characters"),
        ("1Z\ud800", "control_characters"),
    ],
    ids=["ups", "dhl-spaces", "64", "65", "200000", "nul", "tab", "surrogate"],
)
def test_tracking_number_problems(ref, problem):
    assert tracking.tracking_ref_problem(ref) == problem
