"""SPEC §3 L10 and §11.3: one-on-one, round robin (anyone free), group (everyone free)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from server.availability.engine import (
    choose_round_robin_host,
    free_hosts,
    free_slots,
    local_day_range,
    team_slots,
)
from server.availability.intervals import Interval
from server.availability.rules import SlotRules, Window

MONDAY = date(2027, 3, 15)
NOW = datetime(2027, 3, 1, tzinfo=UTC)
RANGE = local_day_range(MONDAY, MONDAY, "UTC")


def rules(**fields: Any) -> SlotRules:
    """Monday 09:00–12:00 UTC, hour-long meetings: starts at 09, 10 and 11."""
    fields.setdefault("timezone", "UTC")
    fields.setdefault("weekly_hours", {0: ((time(9), time(12)),)})
    fields.setdefault("duration_minutes", 60)
    fields.setdefault("window", Window(rolling_weeks=None))
    return SlotRules(**fields)


def at(hour: int) -> datetime:
    return datetime.combine(MONDAY, time(hour), tzinfo=UTC)


def hour_busy(*hours: int) -> list[Interval]:
    return [Interval(at(h), at(h) + timedelta(hours=1)) for h in hours]


TEAM = {1: hour_busy(9), 2: hour_busy(9, 10), 3: hour_busy(9, 11)}


def test_one_on_one_offers_what_its_host_has_free() -> None:
    assert team_slots("one_on_one", rules(), {7: hour_busy(10)}, NOW, *RANGE) == [at(9), at(11)]


def test_one_on_one_with_other_than_one_host_is_refused() -> None:
    with pytest.raises(ValueError, match="one host"):
        team_slots("one_on_one", rules(), TEAM, NOW, *RANGE)


def test_round_robin_offers_a_start_when_any_host_is_free() -> None:
    assert team_slots("round_robin", rules(), TEAM, NOW, *RANGE) == [at(10), at(11)]


def test_round_robin_offers_nothing_when_everyone_is_busy() -> None:
    team = {1: hour_busy(9, 10, 11), 2: hour_busy(9, 10, 11)}
    assert team_slots("round_robin", rules(), team, NOW, *RANGE) == []


def test_group_offers_a_start_only_when_every_host_is_free() -> None:
    team = {1: hour_busy(9), 2: hour_busy(11)}
    assert team_slots("group", rules(), team, NOW, *RANGE) == [at(10)]


def test_group_and_round_robin_agree_with_a_single_host() -> None:
    team = {4: hour_busy(10)}
    expected = free_slots(rules(), team[4], NOW, *RANGE)
    assert team_slots("group", rules(), team, NOW, *RANGE) == expected
    assert team_slots("round_robin", rules(), team, NOW, *RANGE) == expected


def test_team_without_hosts_offers_nothing() -> None:
    assert team_slots("round_robin", rules(), {}, NOW, *RANGE) == []
    assert team_slots("group", rules(), {}, NOW, *RANGE) == []


def test_unknown_link_type_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown link type"):
        team_slots("collective", rules(), TEAM, NOW, *RANGE)


def test_free_hosts_lists_who_can_take_the_start_in_mapping_order() -> None:
    team = {3: [], 1: hour_busy(10), 2: []}
    assert free_hosts(rules(), team, NOW, at(10)) == [3, 2]
    assert free_hosts(rules(), team, NOW, at(9)) == [3, 1, 2]


def test_free_hosts_is_empty_for_a_start_the_link_does_not_offer() -> None:
    team = {1: [], 2: []}
    assert free_hosts(rules(), team, NOW, at(9) + timedelta(minutes=10)) == []
    assert free_hosts(rules(), team, at(10), at(9)) == []


def test_round_robin_goes_to_the_host_with_fewest_upcoming_bookings() -> None:
    assert choose_round_robin_host([1, 2, 3], {1: 2, 2: 1, 3: 4}, {}) == 2


def test_round_robin_tie_goes_to_the_host_assigned_longest_ago() -> None:
    last = {1: at(11), 2: at(9), 3: at(10)}
    assert choose_round_robin_host([1, 2, 3], {1: 1, 2: 1, 3: 1}, last) == 2


def test_round_robin_host_never_assigned_counts_as_assigned_longest_ago() -> None:
    last = {1: at(9), 2: None}
    assert choose_round_robin_host([1, 2, 3], {}, last) == 2


def test_round_robin_full_tie_goes_to_the_first_free_host() -> None:
    assert choose_round_robin_host([5, 3, 4], {}, {}) == 5


def test_round_robin_fewest_bookings_beats_longest_since_assignment() -> None:
    last = {1: None, 2: at(11)}
    assert choose_round_robin_host([1, 2], {1: 3, 2: 0}, last) == 2


def test_choosing_among_no_free_host_is_refused() -> None:
    with pytest.raises(ValueError, match="No free host"):
        choose_round_robin_host([], {}, {})
