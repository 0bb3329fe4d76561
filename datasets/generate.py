"""Generate the synthetic tables in this folder from one seeded random generator.

Why synthetic: the curriculum needs service data with realistic shape and realistic flaws, but no
real department's figures may be invented. These tables describe the fictional departments of
the book's fictional world (see book/fictional-world.md). Their columns mirror real public
schemas, so what learners practise transfers to real open data:

* service_inventory.csv mirrors the Government of Canada Service Inventory (open.canada.ca,
  column definitions in open-data/ckanext-canada, ckanext/canada/tables/service.yaml).
* service_transactions.csv holds the raw counts behind the four key performance indicators that
  the UK Government Digital Service asked every service to publish.
* call_centre_monthly.csv has monthly call volumes and waits, measured against a standard of
  calls answered within 10 minutes, like the standards Canadian call centres publish.

The flaws are deliberate and documented in datapackage.json ("known issues"): inconsistent
department names, "ND"/"NA" codes in volume fields, blanks, a duplicated row, and one unit
mix-up. Module 2's tables (a delivery team's backlog, status changes and sprints) come from
datasets/agile_team.py, module 3's from datasets/service_research.py, module 4's from
datasets/portal_security.py and module 5's from datasets/benefit_triage.py, each called from
here. Run `python datasets/generate.py` to
rewrite the CSVs; the output is byte-identical for the same seed, and a test checks that the
committed files match.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 20240401
HERE = Path(__file__).resolve().parent
FISCAL_YEARS = ["2020-2021", "2021-2022", "2022-2023", "2023-2024"]
CHANNELS = ["online", "in_person", "phone", "mail"]


@dataclass(frozen=True)
class Department:
    org_id: int
    name_en: str
    name_fr: str
    variants: tuple[str, ...]  # other spellings a data entry clerk might type
    call_centre: bool


@dataclass(frozen=True)
class Service:
    service_id: str
    org_id: int
    name_en: str
    name_fr: str
    service_type: str  # codes from the real inventory's controlled list
    client_target_groups: str
    service_fee: str
    base_volume: int  # applications a year, all channels, in the first year
    online_share: float  # share of applications made online in the first year
    online_growth: float  # yearly gain in online share (percentage points as a fraction)
    channels: tuple[str, ...]  # channels the service is offered through
    completion_online: float
    cost_online: float  # dollars per completed transaction
    satisfaction: float


DEPARTMENTS = [
    Department(
        901,
        "Department of Household Benefits",
        "Ministère des Prestations aux ménages",
        ("Dept. of Household Benefits", "Household Benefits, Department of",
         "department of household benefits "),
        True,
    ),
    Department(
        902,
        "Licensing and Permits Agency",
        "Agence des licences et des permis",
        ("Licensing & Permits Agency", "Licensing and Permits Agency (LPA)"),
        True,
    ),
    Department(
        903,
        "Travel Documents Office",
        "Bureau des documents de voyage",
        ("Travel Document Office", "TRAVEL DOCUMENTS OFFICE"),
        True,
    ),
    Department(
        904,
        "Department of Small Business Services",
        "Ministère des Services aux petites entreprises",
        ("Small Business Services", "Dept of Small Business Services"),
        False,
    ),
    Department(
        905,
        "Civil Records Office",
        "Bureau de l'état civil",
        ("Civil Records Office ", "Office of Civil Records"),
        False,
    ),
    Department(
        906,
        "Department of Housing Renewal",
        "Ministère du Renouvellement du logement",
        ("Housing Renewal Department",),
        False,
    ),
]

ALL = ("online", "in_person", "phone", "mail")
SERVICES = [
    Service("7101", 901, "Home Heating Rebate", "Remise pour le chauffage résidentiel",
            "RES", "PP", "N", 240_000, 0.55, 0.06, ALL, 0.82, 4.10, 0.78),
    Service("7102", 901, "Caregiver Allowance", "Allocation aux proches aidants",
            "RES", "PP", "N", 65_000, 0.40, 0.05, ALL, 0.74, 6.80, 0.71),
    Service("7103", 901, "Benefit Overpayment Review", "Examen des trop-payés de prestations",
            "REG", "PP", "N", 18_000, 0.20, 0.04, ("online", "phone", "mail"), 0.68, 11.50, 0.58),
    Service("7104", 901, "Student Grant Top-up", "Supplément de bourse aux étudiants",
            "RES", "PP", "N", 120_000, 0.80, 0.03, ("online", "phone", "mail"), 0.88, 2.60, 0.84),
    Service("7201", 902, "Recreational Fishing Licence", "Permis de pêche récréative",
            "HVRT", "PP", "Y", 410_000, 0.70, 0.04, ALL, 0.91, 1.90, 0.86),
    Service("7202", 902, "Small-Vessel Operator Permit", "Permis d'exploitant de petit bâtiment",
            "HVRT", "PP", "Y", 52_000, 0.35, 0.07, ALL, 0.79, 7.40, 0.73),
    Service("7203", 902, "Commercial Harvest Permit", "Permis de récolte commerciale",
            "REG", "ES", "Y", 9_500, 0.25, 0.06, ("online", "mail"), 0.72, 14.20, 0.65),
    Service("7301", 903, "Travel Document Renewal", "Renouvellement de document de voyage",
            "HVRT", "PP", "Y", 380_000, 0.30, 0.09, ALL, 0.77, 9.80, 0.69),
    Service("7302", 903, "Urgent Travel Document", "Document de voyage urgent",
            "HVRT", "PP", "Y", 21_000, 0.05, 0.02, ("in_person", "phone"), 0.93, 38.00, 0.62),
    Service("7303", 903, "Child Travel Document", "Document de voyage pour enfant",
            "HVRT", "PP", "Y", 95_000, 0.15, 0.08, ALL, 0.75, 12.10, 0.70),
    Service("7401", 904, "Business Start-up Registration", "Inscription d'une jeune entreprise",
            "REG", "ES", "Y", 33_000, 0.75, 0.04, ("online", "mail"), 0.86, 3.30, 0.80),
    Service("7402", 904, "Export Readiness Advice", "Conseils de préparation à l'exportation",
            "AD", "ES", "N", 4_200, 0.45, 0.05, ("online", "in_person", "phone"), 0.81, 22.00,
            0.83),
    Service("7403", 904, "Small Business Innovation Grant", "Subvention à l'innovation des PME",
            "RES", "ES", "N", 2_800, 0.90, 0.02, ("online",), 0.63, 48.00, 0.61),
    Service("7501", 905, "Birth Certificate Request", "Demande de certificat de naissance",
            "HVRT", "PP", "Y", 150_000, 0.50, 0.06, ALL, 0.89, 3.90, 0.82),
    Service("7502", 905, "Name Change Registration", "Enregistrement d'un changement de nom",
            "REG", "PP", "Y", 12_000, 0.10, 0.05, ("in_person", "mail", "online"), 0.70, 16.50,
            0.66),
    Service("7503", 905, "Death Record Request", "Demande d'acte de décès",
            "HVRT", "PP", "Y", 48_000, 0.30, 0.05, ALL, 0.87, 5.10, 0.79),
    Service("7601", 906, "Accessibility Retrofit Grant", "Subvention pour l'adaptation du logement",
            "RES", "PP", "N", 14_000, 0.60, 0.05, ("online", "phone", "mail"), 0.66, 19.00, 0.67),
    Service("7602", 906, "Co-operative Housing Loan", "Prêt pour le logement coopératif",
            "RES", "IO", "N", 900, 0.50, 0.06, ("online", "mail"), 0.71, 64.00, 0.74),
]

# How channels compare with online for the same service: relative completion, cost and
# satisfaction. Assisted channels complete more often and cost far more per transaction.
CHANNEL_COMPLETION = {"online": 1.0, "in_person": 1.12, "phone": 1.06, "mail": 0.97}
CHANNEL_COST = {"online": 1.0, "in_person": 6.5, "phone": 4.0, "mail": 3.2}
CHANNEL_SATISFACTION = {"online": 1.0, "in_person": 1.05, "phone": 0.92, "mail": 0.95}

# The documented flaws (see datapackage.json). Kept as data so the lesson and tests agree.
NO_DATA_CELLS = {("2020-2021", "7302", "phone"), ("2021-2022", "7503", "mail"),
                 ("2022-2023", "7102", "in_person")}
UNIT_MIXUP = {"org_id": 903, "fiscal_yr": "2022-2023", "column": "num_website_visits",
              "factor": 1000}
DUPLICATED_ROW = ("2021-2022", "7201")
MISSING_FRENCH_NAME = {("2020-2021", "7403"), ("2023-2024", "7602")}
MISSING_WEBSITE_VISITS = {("2020-2021", "7602"), ("2021-2022", "7403")}


def _channel_split(service: Service, year_index: int, rng: np.random.Generator) -> dict:
    """Share of applications by channel: online grows each year, the rest shrink pro rata."""
    online = 0.0
    if "online" in service.channels:
        online = min(0.97, service.online_share + service.online_growth * year_index)
        if service.channels == ("online",):
            online = 1.0
    others = [c for c in service.channels if c != "online"]
    weights = {"in_person": 0.45, "phone": 0.2, "mail": 0.35}
    total_weight = sum(weights[c] for c in others) or 1.0
    shares = {"online": online}
    for c in others:
        jitter = rng.uniform(0.85, 1.15)
        shares[c] = (1 - online) * weights[c] / total_weight * jitter
    scale = sum(shares.values())
    return {c: shares.get(c, 0.0) / scale for c in CHANNELS if c in service.channels}


def _service_rows(rng: np.random.Generator) -> tuple[list[dict], list[dict]]:
    inventory, transactions = [], []
    departments = {d.org_id: d for d in DEPARTMENTS}
    for year_index, fiscal_yr in enumerate(FISCAL_YEARS):
        for service in SERVICES:
            dept = departments[service.org_id]
            growth = (1.03 + rng.normal(0, 0.02)) ** year_index
            volume = int(service.base_volume * growth)
            shares = _channel_split(service, year_index, rng)
            started = {c: int(round(volume * s)) for c, s in shares.items()}
            # Some years a clerk types the department name differently.
            name_choices = (dept.name_en, *dept.variants)
            dept_name = dept.name_en if rng.random() < 0.6 else str(rng.choice(name_choices))
            row = {
                "fiscal_yr": fiscal_yr,
                "service_id": service.service_id,
                "service_name_en": service.name_en,
                "service_name_fr": "" if (fiscal_yr, service.service_id) in MISSING_FRENCH_NAME
                else service.name_fr,
                "service_type": service.service_type,
                "client_target_groups": service.client_target_groups,
                "org_id": service.org_id,
                "department_en": dept_name,
                "department_fr": dept.name_fr,
                "service_fee": service.service_fee,
                "os_account_registration": "Y" if "online" in service.channels else "N",
                "os_authentication": "Y" if "online" in service.channels else "N",
                "os_application": "Y" if "online" in service.channels else "N",
                "os_decision": "Y" if service.online_share > 0.5 and year_index >= 1 else "N",
                "os_issuance": "Y" if service.online_share > 0.6 else "N",
                "os_issue_resolution_feedback": "Y" if year_index >= 2 else "N",
            }
            total = 0
            for channel, column in [("online", "num_applications_online"),
                                    ("in_person", "num_applications_in_person"),
                                    ("phone", "num_applications_by_phone"),
                                    ("mail", "num_applications_by_mail")]:
                if channel not in service.channels:
                    row[column] = "NA"
                elif (fiscal_yr, service.service_id, channel) in NO_DATA_CELLS:
                    row[column] = "ND"
                    total += started[channel]
                else:
                    row[column] = str(started[channel])
                    total += started[channel]
            row["num_applications_total"] = str(total)
            enquiries = int(total * rng.uniform(0.15, 0.6)) if "phone" in service.channels else 0
            row["num_phone_enquiries"] = str(enquiries) if enquiries else "NA"
            visits = int(total * rng.uniform(3.0, 7.0))
            if (dept.org_id == UNIT_MIXUP["org_id"] and fiscal_yr == UNIT_MIXUP["fiscal_yr"]):
                visits = int(round(visits / UNIT_MIXUP["factor"]))
            row["num_website_visits"] = (
                "" if (fiscal_yr, service.service_id) in MISSING_WEBSITE_VISITS else str(visits)
            )
            row["automated_decision_system"] = "Y" if service.service_id in {"7104", "7201"} \
                and year_index >= 2 else "N"
            inventory.append(row)
            if (fiscal_yr, service.service_id) == DUPLICATED_ROW:
                inventory.append(dict(row))

            # Transactions: the counts behind the four KPIs, one row per offered channel.
            trend = 1 + 0.015 * year_index
            for channel, n_started in started.items():
                completion = min(0.98, service.completion_online * CHANNEL_COMPLETION[channel]
                                 * trend * rng.uniform(0.97, 1.03))
                completed = int(round(n_started * completion))
                unit_cost = service.cost_online * CHANNEL_COST[channel] * rng.uniform(0.9, 1.1)
                if channel == "online":
                    unit_cost *= 0.94 ** year_index  # digital costs fall as volumes grow
                satisfaction = min(0.97, service.satisfaction * CHANNEL_SATISFACTION[channel]
                                   * rng.uniform(0.96, 1.04))
                # Survey response: a few percent of completed transactions, at least 30.
                surveyed = max(30, int(completed * rng.uniform(0.01, 0.04)))
                satisfied = int(rng.binomial(surveyed, satisfaction))
                transactions.append({
                    "fiscal_yr": fiscal_yr,
                    "service_id": service.service_id,
                    "channel": channel,
                    "transactions_started": n_started,
                    "transactions_completed": completed,
                    "total_cost_cad": int(round(unit_cost * completed, -2)),
                    "survey_responses": surveyed,
                    "satisfied_responses": satisfied,
                })
    return inventory, transactions


@dataclass(frozen=True)
class CallEvent:
    """A change to a call centre's month: more calls, more or fewer agents, dropped calls."""

    start: tuple[int, int]  # (year, month), inclusive
    end: tuple[int, int]  # (year, month), inclusive
    calls: float = 1.0  # multiplies the calls expected that month
    staffing: float = 1.0  # multiplies the agents on the phones
    dropped: float = 0.0  # extra share of calls that end before an agent answers
    extra_wait: float = 0.0  # minutes added to the mean wait of the calls answered

    def covers(self, year: int, month: int) -> bool:
        return self.start <= (year, month) <= self.end


@dataclass(frozen=True)
class CallCentre:
    org_id: int
    base_calls: int  # calls expected in an average month of the first year
    agents: int  # agents on the phones in the first year
    peak_month: int  # the month of the seasonal peak (1 = January)
    season: float  # how far the seasonal peak rises above the yearly average (0.18 = 18%)
    events: tuple[CallEvent, ...] = ()


# The scenarios of lesson 3 and the assignment (see book/fictional-world.md, "Events"):
# * Household Benefits widened its heating rebate in October 2022; calls jumped and extra
#   agents were hired three months later.
# * The Travel Documents Office moved renewals to a new online system in April 2023. People who
#   could not finish online phoned instead (failure demand), until fixes landed in August; in
#   June its phone lines reached capacity and many callers were cut off before an answer.
LATE = (2030, 12)
CALL_CENTRES = [
    CallCentre(901, 42_000, 95, 1, 0.18, (
        CallEvent((2022, 10), (2023, 3), calls=1.45),
        CallEvent((2023, 4), LATE, calls=1.2),
        CallEvent((2023, 1), LATE, staffing=1.25),
    )),
    CallCentre(902, 18_000, 48, 1, 0.18),
    CallCentre(903, 50_000, 132, 4, 0.10, (
        CallEvent((2020, 4), (2021, 3), calls=0.70),
        CallEvent((2023, 2), (2023, 3), calls=1.06),
        CallEvent((2023, 4), (2023, 4), calls=1.60, staffing=1.20),
        CallEvent((2023, 5), (2023, 5), calls=1.55, staffing=1.07),
        CallEvent((2023, 6), (2023, 6), calls=1.50, staffing=1.07, dropped=0.22, extra_wait=3.0),
        CallEvent((2023, 7), (2023, 7), calls=1.28, staffing=1.07, dropped=0.02),
        CallEvent((2023, 8), (2023, 8), calls=1.12, dropped=0.03),
        CallEvent((2023, 9), LATE, staffing=1.08),
    )),
]


def _call_centre_rows(rng: np.random.Generator) -> list[dict]:
    """Monthly calls for the departments that run a call centre, April 2020 to March 2024.

    Each centre has a seasonal peak (winter heating questions, spring travel), slow growth in
    calls and agents, and the events listed in CALL_CENTRES.
    """
    rows = []
    months = [(2020 + (m + 3) // 12, (m + 3) % 12 + 1) for m in range(48)]
    names = {d.org_id: d.name_en for d in DEPARTMENTS}
    for centre in CALL_CENTRES:
        for index, (year, month) in enumerate(months):
            season = 1 + centre.season * math.cos((month - centre.peak_month) / 12 * 2 * math.pi)
            calls = centre.base_calls * season * (1.01 ** (index / 12))
            staffing = centre.agents * (1.02 ** (index / 12))
            dropped = extra_wait = 0.0
            for event in centre.events:
                if event.covers(year, month):
                    calls *= event.calls
                    staffing *= event.staffing
                    dropped += event.dropped
                    extra_wait += event.extra_wait
            received = int(rng.poisson(calls))
            capacity = staffing * 21 * 22  # agents x working days x calls per agent per day
            load = received / capacity
            answered = int(received * min(0.99, 1.02 - 0.12 * max(0.0, load - 0.85)
                                         - rng.uniform(0, 0.03) - dropped))
            within = min(0.97, max(0.15, 1.55 - 0.85 * load + rng.normal(0, 0.03)))
            wait = max(0.5, 2.0 + 14.0 * max(0.0, load - 0.7) ** 1.5 + rng.normal(0, 0.4)
                       + extra_wait)
            rows.append({
                "month": f"{year}-{month:02d}",
                "org_id": centre.org_id,
                "department_en": names[centre.org_id],
                "calls_received": received,
                "calls_answered": answered,
                "answered_within_10_min": int(answered * within),
                "mean_wait_minutes": round(wait, 1),
            })
    return rows


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# Later modules' tables each have a generator of their own beside this file, with its own seed:
# adding a module's data never changes another module's.
MODULE_GENERATORS = ["agile_team", "service_research", "portal_security", "benefit_triage"]


def _module_generator(name: str):
    """Load ``datasets/<name>.py`` (this folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"datasets_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def generate(out_dir: Path = HERE, seed: int = SEED) -> dict[str, Path]:
    """Write every CSV into out_dir and return their paths by table name (module 1's tables
    from ``seed``; each later module's from its own generator and seed)."""
    rng = np.random.default_rng(seed)
    inventory, transactions = _service_rows(rng)
    calls = _call_centre_rows(rng)
    out_dir = Path(out_dir)
    paths = {}
    made = {"service_inventory": inventory, "service_transactions": transactions,
            "call_centre_monthly": calls}
    for name in MODULE_GENERATORS:  # each later module may draw on the tables made before it
        made |= _module_generator(name).tables(dict(made))
    for table, rows in made.items():
        paths[table] = out_dir / f"{table}.csv"
        _write(paths[table], rows)
    return paths


if __name__ == "__main__":
    for path in generate().values():
        print(f"wrote {path.relative_to(HERE.parent)}")
