"""Generate module 4's tables: a month of sign-in attempts on a client portal, and the callers a
department wants to publish statistics about.

Why synthetic: security and privacy are learned on logs and records that no one may publish
for real. A real sign-in log holds people's accounts and networks; a real caller table holds
people. The department is fictional (book/fictional-world.md): the Department of Household
Benefits, whose clients sign in to the "My Household Benefits" portal to see and change their
benefits, and whose call centre answers them. The tables mirror what a security team and a
privacy office work from:

* portal_sign_ins.csv: one row per sign-in attempt in November 2023, with the fields of the
  Open Cybersecurity Schema Framework's Authentication event class that matter here (the time,
  the user, the source network and address, the outcome, whether a second factor was used).
  Accounts are codes, usernames are keyed pseudonyms, networks are private-use autonomous
  system numbers (RFC 6996: 64512 to 65534, owned by no one) and addresses sit in IPv6's
  documentation prefix (RFC 3849: 2001:db8::/32, routed nowhere);
* benefit_callers.csv: one row per person who called the call centre from October to December
  2023, with the fields a published table of calls would be cut from: age band, postal prefix
  (the first three characters of a postal code, the forward sortation area), official language
  of service, the benefit or reason they called about, and how many calls they made.

Planted, for the lessons to find (datasets/datapackage.json lists them as known issues):

* a phishing campaign on 7 November: over the next two days, accounts whose owners typed
  their password into a fake page are signed in to from hosting networks they never used,
  first time, with no failed password; those with a second factor hold (the attacker fails it);
* credential stuffing in the night of 18 November: a burst of attempts from a few hosting
  networks, each trying a different username from another site's breach, most of which are
  not our users; the few reused passwords get in where there is no second factor;
* password spraying from 9 to 27 November: in office hours, networks that each try one common
  password against many real accounts, once per account per day, so no account is ever
  locked and per-account counts see nothing; per-network counts of distinct accounts do,
  together with the share that fails (three large internet providers reach more accounts
  than any attacker, honestly);
* after each attack, an attacker who got into an account comes back to it, so successful
  attempts outnumber the accounts taken over;
* among the callers, people in rural postal areas and French speakers outside Quebec and New
  Brunswick are few, and many are unique on age band, postal prefix and language until the
  table is generalized.

Run ``python datasets/generate.py`` to rewrite every table; the output is the same for the same
seed, and a test checks that the committed files match.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import numpy as np

SEED = 20231107
MONTH_START = datetime(2023, 11, 1)
DAYS = 30
ACCOUNTS = 2400
MFA_SHARE = 0.38  # accounts that have a second factor set up
LOCKOUT_AFTER = 5  # failed passwords in a row lock an account for 30 minutes
LOCKOUT = timedelta(minutes=30)

# Private-use autonomous system numbers (RFC 6996), so that no real network is named.
HOME_NETWORKS = [(64512 + n, "residential" if n < 60 else "mobile") for n in range(80)]
# A few large internet providers serve hundreds of clients each: they reach the most accounts
# of any network, honestly, so "many accounts" alone is not a sign of attack.
HOME_WEIGHTS = np.array([14.0 if n in (0, 1, 60) else 1.0 for n in range(80)])
OFFICE_NETWORKS = [(64600 + n, "business") for n in range(10)]
# Hosting networks carry honest traffic too: people who browse through a VPN service.
VPN_NETWORKS = [(65001 + n, "hosting") for n in range(8)]
PHISHING_NETWORKS = [(65101, "hosting"), (65102, "hosting"), (65103, "hosting")]
STUFFING_NETWORKS = [(65201 + n, "hosting") for n in range(7)]
SPRAYING_NETWORKS = [(65301 + n, "hosting") for n in range(24)]

PHISHING_DAY = datetime(2023, 11, 7, 9, 30)  # the fake "your rebate is waiting" email
PHISHED = 34  # people who typed their password into the fake page
STUFFING_START = datetime(2023, 11, 18, 1, 12)
STUFFING_ATTEMPTS = 2300
STUFFING_MINUTES = 95
STUFFING_KNOWN_SHARE = 0.36  # of the breach list's usernames, the share that are our users
REUSE_SHARE = 0.035  # of those, the share whose password there is their password here
SPRAY_FIRST, SPRAY_LAST = datetime(2023, 11, 9), datetime(2023, 11, 27)
SPRAY_ACCOUNTS_PER_DAY = 140
SPRAY_HIT = 0.006  # accounts whose password is the one being sprayed that day


def _address(rng: np.random.Generator, asn: int) -> str:
    """An address in the documentation prefix, inside the network's own /48."""
    return f"2001:db8:{asn:x}:{int(rng.integers(0, 0xFFFF)):x}::{int(rng.integers(1, 0xFFF)):x}"


def _user_key(username: str) -> str:
    """A keyed pseudonym of the username typed: the same name gives the same key, and the key
    cannot be turned back into the name without the key (which is not published)."""
    return "u" + hashlib.blake2b(username.encode(), key=b"module-4-teaching-key",
                                 digest_size=5).hexdigest()


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


class _Events:
    """The attempts each kind of traffic makes, before the portal's rules are applied."""

    def __init__(self) -> None:
        self.items: list[tuple] = []

    def add(self, rng: np.random.Generator, moment: datetime, person: dict | None,
            username: str, network: tuple[int, str], password_right: bool,
            second_factor: bool = False) -> None:
        self.items.append((moment, person, username, network, password_right, second_factor,
                           _address(rng, network[0])))


def _portal(events: _Events) -> list[dict]:
    """Apply the portal's rules in time order, as it saw the attempts: an unknown username
    fails; an account with five failed passwords within 30 minutes is locked for 30 minutes
    (so an attack can lock a person out of their own account); a right password still needs
    the second factor where one is set up."""
    failures: dict[str, list[datetime]] = {}
    locked_until: dict[str, datetime] = {}
    rows = []
    for moment, person, username, network, right, second, address in sorted(
            events.items, key=lambda item: (item[0], item[2])):
        account = person["id"] if person else ""
        if person is None:
            outcome, mfa = "unknown_user", ""
        elif locked_until.get(account, datetime.min) > moment:
            outcome, mfa = "locked_out", ""
        elif not right:
            outcome, mfa = "wrong_password", ""
            recent = [t for t in failures.get(account, []) if moment - t < LOCKOUT] + [moment]
            failures[account] = recent
            if len(recent) >= LOCKOUT_AFTER:
                locked_until[account], failures[account] = moment + LOCKOUT, []
        else:
            failures[account] = []
            if not person["mfa"]:
                outcome, mfa = "success", "not enrolled"
            else:
                outcome, mfa = ("success", "passed") if second else ("mfa_failed", "failed")
        rows.append({"attempt_id": f"T{len(rows) + 1:06d}", "time": _stamp(moment),
                     "account_id": account, "user_key": _user_key(username),
                     "source_asn": network[0], "network_type": network[1],
                     "source_ip": address, "outcome": outcome, "mfa": mfa})
    return rows


def _everyday(rng: np.random.Generator, events: _Events, accounts: list[dict]) -> None:
    """People signing in to their own accounts: mostly in the evening, from one or two home
    networks (some from work too), with the odd mistyped password."""
    hours = np.array([1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 9, 9, 10, 9, 9, 9, 10, 12, 14, 15, 14, 11,
                      7, 3], dtype=float)
    for person in accounts:
        for _ in range(int(rng.poisson(2.6))):
            day = MONTH_START + timedelta(days=int(rng.integers(DAYS)))
            moment = day + timedelta(hours=int(rng.choice(24, p=hours / hours.sum())),
                                     seconds=int(rng.integers(3600)))
            network = person["networks"][int(rng.integers(len(person["networks"])))]
            typos = int(rng.choice([0, 1, 2, 6], p=[0.88, 0.09, 0.02, 0.01]))
            for _ in range(typos):
                events.add(rng, moment, person, person["username"], network, False)
                moment += timedelta(seconds=int(rng.integers(8, 60)))
            if typos < LOCKOUT_AFTER:
                events.add(rng, moment, person, person["username"], network, True,
                           bool(rng.random() < 0.98))


def _come_back(rng: np.random.Generator, events: _Events, person: dict,
               network: tuple[int, str], moment: datetime, days: int) -> None:
    """An attacker who got into an account without a second factor comes back to it from the
    same network, once or twice in the next ``days`` days (to change the bank account, to
    see what arrived): takeovers are counted in accounts, not in successful attempts."""
    if person["mfa"]:
        return
    for _ in range(int(rng.integers(1, 3))):
        moment += timedelta(minutes=int(rng.integers(30, days * 24 * 60)))
        events.add(rng, moment, person, person["username"], network, True)


def _phishing(rng: np.random.Generator, events: _Events, accounts: list[dict]) -> None:
    """The phished passwords used within two days, from networks the victims never use."""
    for index in rng.choice(len(accounts), PHISHED, replace=False):
        person = accounts[int(index)]
        moment = PHISHING_DAY + timedelta(minutes=int(rng.integers(20, 2 * 24 * 60)))
        network = PHISHING_NETWORKS[int(rng.integers(len(PHISHING_NETWORKS)))]
        for _ in range(int(rng.integers(1, 4)) if person["mfa"] else 1):
            events.add(rng, moment, person, person["username"], network, True)
            moment += timedelta(minutes=int(rng.integers(1, 20)))
        _come_back(rng, events, person, network, moment, days=4)


def _stuffing(rng: np.random.Generator, events: _Events, accounts: list[dict]) -> None:
    """Another site's breach list, tried once per username in one night."""
    known = iter(rng.permutation(len(accounts)))
    for number in range(STUFFING_ATTEMPTS):
        moment = STUFFING_START + timedelta(seconds=int(rng.integers(STUFFING_MINUTES * 60)))
        network = STUFFING_NETWORKS[int(rng.integers(len(STUFFING_NETWORKS)))]
        if rng.random() < STUFFING_KNOWN_SHARE:
            person = accounts[int(next(known))]
            reused = bool(rng.random() < REUSE_SHARE)
            events.add(rng, moment, person, person["username"], network, reused)
            if reused:
                _come_back(rng, events, person, network, moment, days=3)
        else:
            events.add(rng, moment, None, f"breach-list-{number}@example.com", network, False)


def _spraying(rng: np.random.Generator, events: _Events, accounts: list[dict]) -> None:
    """One common password a working day against many real accounts, once each, from three
    of the attacker's networks that day."""
    day = SPRAY_FIRST
    while day <= SPRAY_LAST:
        if day.weekday() < 5:
            todays = rng.choice(len(SPRAYING_NETWORKS), 3, replace=False)
            for index in rng.choice(len(accounts), SPRAY_ACCOUNTS_PER_DAY, replace=False):
                person = accounts[int(index)]
                moment = day + timedelta(hours=10, seconds=int(rng.integers(6 * 3600)))
                network = SPRAYING_NETWORKS[int(todays[int(rng.integers(3))])]
                hit = bool(rng.random() < SPRAY_HIT)
                events.add(rng, moment, person, person["username"], network, hit)
                if hit:
                    _come_back(rng, events, person, network, moment, days=3)
        day += timedelta(days=1)


def _accounts(rng: np.random.Generator) -> list[dict]:
    accounts = []
    for number in range(1, ACCOUNTS + 1):
        homes = [HOME_NETWORKS[int(i)] for i in
                 rng.choice(len(HOME_NETWORKS), int(rng.integers(1, 3)), replace=False,
                            p=HOME_WEIGHTS / HOME_WEIGHTS.sum())]
        if rng.random() < 0.15:
            homes.append(OFFICE_NETWORKS[int(rng.integers(len(OFFICE_NETWORKS)))])
        if rng.random() < 0.07:
            homes.append(VPN_NETWORKS[int(rng.integers(len(VPN_NETWORKS)))])
        accounts.append({"id": f"A{number:05d}", "username": f"client{number}@example.org",
                         "mfa": bool(rng.random() < MFA_SHARE), "networks": homes})
    return accounts


def _sign_ins(rng: np.random.Generator) -> list[dict]:
    accounts = _accounts(rng)
    events = _Events()
    for traffic in (_everyday, _phishing, _stuffing, _spraying):
        traffic(rng, events, accounts)
    return _portal(events)


# The callers: postal prefixes by region, with how many callers each sends in a quarter (on
# average) and the share who are served in French. A "0" as the second character marks a rural
# area, as in Canada's postal codes.
POSTAL_PREFIXES = {
    # prefix: (expected callers, share served in French)
    "K1K": (70, 0.35), "K1N": (90, 0.40), "K2P": (85, 0.25), "K0A": (14, 0.30), "K0C": (9, 0.45),
    "M4C": (120, 0.02), "M5V": (110, 0.02), "M6H": (95, 0.02), "L0R": (10, 0.01),
    "N0B": (8, 0.01), "P0A": (6, 0.15), "P3E": (30, 0.35),
    "H2X": (110, 0.80), "H3Z": (80, 0.55), "G1R": (70, 0.97), "J0B": (12, 0.95),
    "J8Y": (45, 0.75), "G0L": (8, 0.98),
    "E1C": (35, 0.60), "E3B": (30, 0.15), "E0A": (7, 0.70), "B3H": (45, 0.03), "B0J": (6, 0.05),
    "C1A": (15, 0.02), "A1C": (20, 0.01),
    "R3C": (50, 0.05), "R0A": (6, 0.10), "S4P": (35, 0.02), "S0K": (5, 0.01),
    "T2P": (70, 0.02), "T5J": (55, 0.03), "T0L": (6, 0.01), "V6B": (90, 0.02),
    "V8W": (35, 0.01), "V0N": (7, 0.01), "X1A": (4, 0.03), "Y1A": (4, 0.04),
}
AGE_BANDS = ["18-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64",
             "65-69", "70-74", "75-79", "80-84", "85+"]
AGE_WEIGHTS = [6, 7, 8, 9, 9, 9, 9, 9, 9, 8, 7, 5, 3, 2]
# What they called about; the overpayment review is the sensitive one (a debt to the Crown).
REASONS = {"Home Heating Rebate": 0.34, "Caregiver Allowance": 0.20,
           "Student Grant Top-up": 0.12, "Benefit Overpayment Review": 0.10,
           "Change of address or bank account": 0.14, "Other": 0.10}


def _callers(rng: np.random.Generator) -> list[dict]:
    rows = []
    ages = np.array(AGE_WEIGHTS, dtype=float)
    for prefix, (expected, french) in POSTAL_PREFIXES.items():
        for _ in range(int(rng.poisson(expected))):
            age = AGE_BANDS[int(rng.choice(len(AGE_BANDS), p=ages / ages.sum()))]
            if age == "18-24":
                reason_weights = dict(REASONS, **{"Student Grant Top-up": 0.45})
            elif age in ("65-69", "70-74", "75-79", "80-84", "85+"):
                reason_weights = dict(REASONS, **{"Student Grant Top-up": 0.0,
                                                  "Caregiver Allowance": 0.30})
            else:
                reason_weights = REASONS
            names = list(reason_weights)
            weights = np.array(list(reason_weights.values()))
            rows.append({"postal_prefix": prefix, "age_band": age,
                         "language": "French" if rng.random() < french else "English",
                         "reason": names[int(rng.choice(len(names), p=weights / weights.sum()))],
                         "calls": int(1 + rng.poisson(0.6))})
    order = rng.permutation(len(rows))
    return [{"caller_id": f"C{number:04d}", **rows[index]}
            for number, index in enumerate(order, 1)]


def tables(earlier: dict[str, list[dict]], seed: int = SEED) -> dict[str, list[dict]]:
    """The two tables, by name, as rows (datasets/generate.py writes them); ``earlier`` is not
    needed: module 4's world starts in November 2023."""
    del earlier
    rng = np.random.default_rng(seed)
    return {"portal_sign_ins": _sign_ins(rng), "benefit_callers": _callers(rng)}
