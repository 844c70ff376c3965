"""The trust file's witness policy: who each city asks to co-sign (issue 11)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import note
from app.core.cosignature import generate_witness_key
from app.ledger import trust as T

# 20 prefecture-level cities of 6 provinces (GB/T 2260), as in a growing network.
CODES = (
    "130100 130200 130300 130400 130500 130600 130700 130800 "  # Hebei
    "140100 140200 140300 "  # Shanxi
    "210100 210200 "  # Liaoning
    "320100 320200 320300 320400 "  # Jiangsu
    "330100 330200 "  # Zhejiang
    "440100"  # Guangdong
).split()


def city(code: str, witnesses: tuple[str, ...] = ()) -> T.City:
    origin = f"cityledger.example/{code}"
    _, lvk = note.generate_key(origin)
    _, wvk = generate_witness_key(f"{origin}/witness")
    return T.City(code, f"c{code}", f"城{code}", 114.5, 38.0, origin, lvk, wvk, (), witnesses)


@pytest.fixture(scope="module")
def cities() -> tuple[T.City, ...]:
    return tuple(city(c) for c in CODES)


def network(cities, quorum=2, cap=T.DEFAULT_WITNESS_CAP) -> T.TrustFile:
    _, admin = T.generate_admin_key("admin")
    return T.TrustFile("net", admin, quorum=quorum, cities=tuple(cities), witness_cap=cap)


def test_small_network_asks_every_other_member(cities):
    trust = network(cities[:5])
    for c in trust.cities:
        assert T.witnesses_for(c, trust) == tuple(x for x in trust.cities if x.code != c.code)


def test_large_network_asks_cap_witnesses_spread_across_provinces(cities):
    trust = network(cities)
    provinces = {T.province_of(c) for c in CODES}
    load: Counter[str] = Counter()
    for c in trust.cities:
        chosen = T.witnesses_for(c, trust)
        assert len(chosen) == T.DEFAULT_WITNESS_CAP and c not in chosen
        assert len({x.code for x in chosen}) == len(chosen)
        # every province with another member is represented before any repeats
        others = {T.province_of(x.code) for x in trust.cities if x.code != c.code}
        assert {T.province_of(x.code) for x in chosen} == others & provinces
        load.update(x.code for x in chosen)
    # Within a province the choice differs by asker, so the province's members share the
    # work (a lone member of its province is asked by most: the price of the spread).
    hebei = {code for code in load if T.province_of(code) == "13"}
    assert len(hebei) >= 6 and max(load[c] for c in hebei) <= 8


def test_choice_is_deterministic_and_independent_of_file_order(cities):
    trust = network(cities)
    shuffled = network(tuple(reversed(cities)))
    for c in CODES:
        a = T.witnesses_for(c, trust)
        assert a == T.witnesses_for(c, trust) == T.witnesses_for(c, shuffled)
        assert a == T.witnesses_for(trust.city(c).origin, trust)  # by origin too
    assert T.witnesses_for("130100", trust) != T.witnesses_for("130200", trust)


def test_explicit_witnesses_line_wins_and_round_trips(cities):
    chosen = ("140100", "440100", "330200")
    members = (city("130100", chosen),) + cities[1:]
    trust = network(members, quorum=3, cap=5)
    assert [c.code for c in T.witnesses_for("130100", trust)] == sorted(chosen)
    skey, vkey = T.generate_admin_key("admin2")
    body = T.TrustFile("net", vkey, quorum=3, cities=members, witness_cap=5)
    text = body.to_text()
    assert "witness-cap 5\n" in text and "witnesses 140100 440100 330200\n" in text
    assert T.open_trust(body.sign(skey), vkey) == body


def test_old_trust_files_get_the_default_cap():
    skey, vkey = T.generate_admin_key("admin")
    text = T.TrustFile("net", vkey, quorum=2).to_text().replace("witness-cap 8\n", "")
    assert T.parse_trust_text(text).witness_cap == T.DEFAULT_WITNESS_CAP


@pytest.mark.parametrize(
    "witnesses, quorum, cap, message",
    [
        (("130100",), 0, 8, "own log"),
        (("140100", "140100"), 0, 8, "twice"),
        (("999900",), 0, 8, "not members"),
        (("140100",), 2, 8, "fewer than the quorum"),
        ((), 3, 2, "witness-cap"),
        ((), 0, 0, "witness-cap"),
    ],
)
def test_bad_policies_are_refused(cities, witnesses, quorum, cap, message):
    with pytest.raises(T.TrustError, match=message):
        members = (city("130100", witnesses),) + cities[1:]
        network(members, quorum=quorum, cap=cap)


@settings(max_examples=40, deadline=None)
@given(
    st.sets(
        st.tuples(st.sampled_from(["13", "14", "21", "32", "33", "44", "51"]), st.integers(1, 20)),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 10),
)
def test_policy_properties_hold_for_any_membership(members, cap):
    codes = sorted({f"{p}{n:02d}00" for p, n in members})
    trust = network([_CITY_POOL[c] for c in codes], quorum=min(cap, 1), cap=cap)
    for c in trust.cities:
        chosen = T.witnesses_for(c, trust)
        others = [x for x in trust.cities if x.code != c.code]
        assert c not in chosen and len(chosen) == min(cap, len(others))
        assert len(set(chosen)) == len(chosen) and set(chosen) <= set(others)
        provinces = {T.province_of(x.code) for x in others}
        assert len({T.province_of(x.code) for x in chosen}) == min(len(chosen), len(provinces))


_CITY_POOL = {
    f"{p}{n:02d}00": city(f"{p}{n:02d}00")
    for p in ("13", "14", "21", "32", "33", "44", "51")
    for n in range(1, 21)
}
