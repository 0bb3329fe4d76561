"""Generate module 3's tables: what the users of one online service did, said and felt.

Why synthetic: user research is learned on a service's own evidence, and no real participant's
words or real user's sessions may be published or invented. The service is fictional
(book/fictional-world.md): the Travel Documents Office's Travel Document Renewal, which moved
online in April 2023. People who could not finish online phoned instead, and its call centre's
calls rose by more than half (module 1's `call_centre_monthly.csv`). In May 2023 a research
team looks at why. The tables mirror what such a team works from:

* renewal_sessions.csv: one row per session of the online form, as a web analytics funnel
  export gives it (session, date, channel, device, the applicant's answer to an optional
  question on assistive technology, the last step reached and how the session ended there);
* renewal_interviews.csv: one row per coded excerpt of the notes of twelve research
  interviews (each participant's profile and consent, the theme, the excerpt), written for this
  book: no real person's words;
* renewal_survey.csv: one row per answer to the exit survey's satisfaction question;
* call_reasons_monthly.csv: the reasons agents recorded for a 1-in-100 sample of the calls
  answered at the Travel Documents Office, by month, January to September 2023.

Planted, for the lessons to find (datasets/datapackage.json lists them as known issues):

* the photo step loses screen-reader users far more than anyone else (its cropping tool cannot
  be used without a mouse); voice-control users seem to struggle at sign-in, but their sample is
  small: over both channels the difference is not shown, online only it barely is;
* one participant talks at length about paper forms: counted by excerpts, "prefers paper" is
  the top theme; counted by participants, it is one person's; one participant withdrew consent;
* the satisfaction question's mean sits near the middle because answers split: people who
  finished online on their own were mostly satisfied, people who had to phone mostly were not;
* the call spike of April to July 2023 is failure demand: calls about photos, sign-in and
  "where is my application" (the online system showed no status), which fall after the fixes
  of August.

Run ``python datasets/generate.py`` to rewrite every table; the output is the same for the same
seed, and a test checks that the committed files match.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

SEED = 20230501
FIRST_DAY = date(2023, 5, 1)  # a Monday; the export covers two weeks
DAYS = 14
SESSIONS = 3200
ASSISTED_SHARE = 0.08  # sessions run with an agent at a counter (assisted digital)

STEPS = ["Check eligibility", "Sign in", "Your details", "Upload photo", "Pay fee",
         "Review and submit"]
# The chance of going on from each step, for an applicant online on a desktop with no
# assistive technology; the exceptions below change one step each.
BASE_CONTINUE = [0.93, 0.86, 0.94, 0.80, 0.95, 0.97]
EXCEPTIONS = {
    ("assistive_technology", "screen reader", "Upload photo"): 0.30,
    ("assistive_technology", "screen magnifier", "Upload photo"): 0.58,
    ("assistive_technology", "voice control", "Sign in"): 0.68,
    ("device", "mobile", "Upload photo"): 0.85,
    ("device", "mobile", "Your details"): 0.90,
}
# At a counter an agent goes through the form: the person's barriers do not apply, and the
# agent's account and scanner make these steps all but certain.
ASSISTED_CONTINUE = {"Sign in": 0.98, "Upload photo": 0.97}
# Of the sessions that stop at a step, the share that stop just after an error message.
ERROR_SHARE = {"Sign in": 0.5, "Upload photo": 0.6, "Pay fee": 0.4}
ASSISTIVE = {"none": 0.70, "": 0.21, "screen magnifier": 0.03, "screen reader": 0.025,
             "voice control": 0.015}  # "" : the optional question was not answered
DEVICES = {"desktop": 0.52, "mobile": 0.40, "tablet": 0.08}

SATISFACTION = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied",
                "Satisfied", "Very satisfied"]
# How each group of respondents answered (shares of the five answers, worst first).
SURVEY_GROUPS = {
    "Finished online on my own": (200, [0.02, 0.05, 0.10, 0.43, 0.40]),
    "Finished online with help": (60, [0.08, 0.17, 0.25, 0.35, 0.15]),
    "Phoned the call centre": (130, [0.45, 0.37, 0.10, 0.06, 0.02]),
    "Gave up": (40, [0.60, 0.30, 0.08, 0.02, 0.00]),
}

CALL_REASONS = [  # reason, share of calls before April 2023, from April to July, from August
    ("Where is my application", 0.16, 0.27, 0.17),
    ("Photo upload problem", 0.01, 0.16, 0.04),
    ("Sign-in or account problem", 0.04, 0.10, 0.05),
    ("Payment problem", 0.03, 0.05, 0.03),
    ("Eligibility and documents needed", 0.32, 0.17, 0.29),
    ("Urgent travel", 0.14, 0.09, 0.14),
    ("Change or correct my details", 0.10, 0.06, 0.10),
    ("Other", 0.20, 0.10, 0.18),
]


def _pick(rng: np.random.Generator, shares: dict[str, float]) -> str:
    names = list(shares)
    weights = np.array(list(shares.values()))
    return names[rng.choice(len(names), p=weights / weights.sum())]


def _sessions(rng: np.random.Generator) -> list[dict]:
    rows = []
    for number in range(1, SESSIONS + 1):
        day = FIRST_DAY + timedelta(days=int(rng.integers(DAYS)))
        channel = "assisted" if rng.random() < ASSISTED_SHARE else "online"
        device = "desktop" if channel == "assisted" else _pick(rng, DEVICES)
        aid = _pick(rng, ASSISTIVE)
        if channel == "assisted" and aid == "":
            aid = "none"  # the agent asks the question
        person = {"channel": channel, "device": device, "assistive_technology": aid}
        for step_number in range(1, len(STEPS) + 1):
            step, base = STEPS[step_number - 1], BASE_CONTINUE[step_number - 1]
            if channel == "assisted":
                chance = ASSISTED_CONTINUE.get(step, base)
            else:  # the hardest barrier at this step counts
                chance = min((EXCEPTIONS[(key, value, step)] for key, value in person.items()
                              if (key, value, step) in EXCEPTIONS), default=base)
            if rng.random() >= chance:
                outcome = "error" if rng.random() < ERROR_SHARE.get(step, 0.2) else "left"
                break
        else:
            outcome = "submitted"
        rows.append({"session_id": f"S{number:04d}", "session_date": day.isoformat(),
                     "channel": channel, "device": device, "assistive_technology": aid,
                     "last_step_number": step_number, "last_step": step, "outcome": outcome})
    rows.sort(key=lambda row: (row["session_date"], row["session_id"]))
    return rows


# The research interviews: each participant's profile, and what they said, by theme. Written
# for this book; the participants are fictional.
PARTICIPANTS = {
    "P01": ("Renews online; blind, uses a screen reader on a laptop", "screen reader", "given"),
    "P02": ("Renews online; uses a screen reader on a phone", "screen reader", "given"),
    "P03": ("Renews online; low vision, uses a screen magnifier", "screen magnifier", "given"),
    "P04": ("Retired; renewed on paper for 30 years", "none", "given"),
    "P05": ("Renews on a phone; no computer at home", "none", "given"),
    "P06": ("First renewal as an adult", "none", "given"),
    "P07": ("Gave up online and phoned the call centre", "none", "given"),
    "P08": ("Uses voice control after a wrist injury", "voice control", "given"),
    "P09": ("Renewed with an agent's help at a counter", "none", "given"),
    "P10": ("Renews for the whole family, one after another", "none", "given"),
    "P11": ("Travels for work several times a year", "none", "withdrawn"),
    "P12": ("Renews in French", "none", "given"),
}
EXCERPTS = [
    ("P01", "Photo upload",
     "The crop box only moves when you drag it. My screen reader said 'image' and "
     "nothing else."),
    ("P01", "Photo upload",
     "I tried every key I know on the photo page. After twenty minutes I asked my "
     "neighbour to do it."),
    ("P01", "Status after submitting",
     "Once it was sent I had no idea whether it had worked. There was no page to "
     "check."),
    ("P02", "Photo upload",
     "The upload button has no name, so my phone just reads 'button, button'."),
    ("P02", "Photo upload",
     "I got an error in red at the top, but the screen reader never took me to it."),
    ("P02", "Sign-in",
     "The sign-in code came by text and the box timed out before I could switch apps "
     "and back."),
    ("P03", "Photo upload",
     "Zoomed in, I could see the crop handles or the Save button, never both at once."),
    ("P03", "Status after submitting",
     "I phoned twice in the first week only to ask if they had my photo."),
    ("P04", "Prefers paper",
     "I have filled in the paper form every ten years since 1993. I knew exactly where"
     " everything went."),
    ("P04", "Prefers paper",
     "With paper I can keep a copy of what I sent. On a screen it just disappears."),
    ("P04", "Prefers paper",
     "My late husband and I always did the forms together at the kitchen table."),
    ("P04", "Prefers paper",
     "Why not keep the paper form for those of us who like it?"),
    ("P04", "Prefers paper",
     "The paper form had the instructions right beside each box."),
    ("P04", "Prefers paper",
     "I printed the web pages so that I could read them properly first."),
    ("P04", "Prefers paper",
     "I like to sign something with a pen. That is how I know it is official."),
    ("P04", "Prefers paper",
     "The post office was always where I sent it from. I trust the post."),
    ("P04", "Prefers paper",
     "Paper never tells you your session has expired."),
    ("P04", "Prefers paper",
     "I would pay extra to send it on paper, honestly."),
    ("P04", "Prefers paper",
     "My daughter says paper is slower, but I am in no hurry."),
    ("P04", "Prefers paper",
     "When I make a mistake on paper I can see it and fix it."),
    ("P04", "Help from a person",
     "In the end I wanted to talk to someone who could tell me I had done it right."),
    ("P05", "Photo upload",
     "Taking the photo with my phone was easy. It was rejected twice for shadows, but "
     "it told me why."),
    ("P05", "Status after submitting",
     "I kept checking my email for a week. Nothing came until the document itself."),
    ("P05", "Status after submitting",
     "I would have liked a reference number and a page that says where it is."),
    ("P06", "Sign-in",
     "I had to create an account before I could even see the questions, and I did not "
     "know which one."),
    ("P06", "Sign-in",
     "Two different passwords: one for the account, one for the application? I mixed "
     "them up."),
    ("P06", "Status after submitting",
     "After paying I saw a white page with a number, and that was it."),
    ("P07", "Fee and payment",
     "It took my card, then said the payment had failed, and I could not tell if I had"
     " been charged."),
    ("P07", "Help from a person",
     "I needed a person to tell me whether to pay again. The phone was the only way."),
    ("P07", "Status after submitting",
     "The agent could see my application but I could not. That is the only reason I "
     "called."),
    ("P07", "Status after submitting",
     "I called back a week later just to check nothing had gone wrong."),
    ("P08", "Photo upload",
     "Voice control cannot drag, so I could not crop the photo at all."),
    ("P08", "Sign-in",
     "Saying 'click continue' did nothing on the sign-in page; the button must be "
     "called something else."),
    ("P08", "Photo upload",
     "I gave up on the photo step and asked my brother to finish it with the mouse."),
    ("P09", "Help from a person",
     "The agent at the counter did the photo in a minute with a scanner."),
    ("P09", "Status after submitting",
     "She told me it would take about two weeks, which was all I wanted to know."),
    ("P10", "Sign-in",
     "To do my children's renewals I had to sign out and start again for each one."),
    ("P10", "Fee and payment",
     "I paid three fees separately and got three receipts with no names on them."),
    ("P10", "Status after submitting",
     "I have no way to see which of the three applications is where."),
    ("P11", "Fee and payment",
     "The fee for faster service was only shown after I had typed in everything."),
    ("P11", "Fee and payment",
     "I could not see what the fee was for a renewal sent from abroad."),
    ("P11", "Fee and payment",
     "I paid for urgent service and was never told whether it had been applied."),
    ("P12", "Language",
     "The form was in French, but the error messages came up in English."),
    ("P12", "Language",
     "The confirmation email was in English even though I chose French at the start."),
    ("P12", "Status after submitting",
     "I did not know if the English email meant my file was sent to the wrong office."),
]


def _interviews() -> list[dict]:
    rows = []
    for number, (participant, theme, text) in enumerate(EXCERPTS, 1):
        profile, aid, consent = PARTICIPANTS[participant]
        rows.append({"excerpt_id": f"E{number:03d}", "participant_id": participant,
                     "participant_profile": profile, "assistive_technology": aid,
                     "consent": consent, "theme": theme, "excerpt": text})
    return rows


def _survey(rng: np.random.Generator) -> list[dict]:
    answers = []
    for group, (count, shares) in SURVEY_GROUPS.items():
        for _ in range(count):
            answers.append((group, SATISFACTION[rng.choice(5, p=np.array(shares) / sum(shares))]))
    order = rng.permutation(len(answers))
    rows = []
    for number, index in enumerate(order, 1):
        group, answer = answers[index]
        day = FIRST_DAY + timedelta(days=int(rng.integers(DAYS + 7)))
        rows.append({"response_id": f"R{number:04d}", "response_date": day.isoformat(),
                     "how_completed": group, "satisfaction": answer})
    return rows


def _calls(rng: np.random.Generator, call_centre: list[dict]) -> list[dict]:
    """A 1-in-100 sample of each month's answered calls, from module 1's call-centre rows, so
    that the two tables agree: an agent can record a reason only for a call they answered."""
    answered = {row["month"]: int(row["calls_answered"]) for row in call_centre
                if int(row["org_id"]) == 903 and "2023-01" <= row["month"] <= "2023-09"}
    rows = []
    for month, calls in sorted(answered.items()):
        period = 0 if month < "2023-04" else 1 if month < "2023-08" else 2
        shares = np.array([reason[1 + period] for reason in CALL_REASONS])
        counts = rng.multinomial(round(calls / 100), shares / shares.sum())
        for (reason, *_), count in zip(CALL_REASONS, counts, strict=True):
            rows.append({"month": month, "org_id": 903, "reason": reason,
                         "sampled_calls": int(count)})
    return rows


def tables(earlier: dict[str, list[dict]], seed: int = SEED) -> dict[str, list[dict]]:
    """The four tables, by name, as rows (datasets/generate.py writes them); ``earlier`` holds
    the tables made before, of which the call sample needs module 1's call centres."""
    rng = np.random.default_rng(seed)
    return {"renewal_sessions": _sessions(rng),
            "renewal_interviews": _interviews(),
            "renewal_survey": _survey(rng),
            "call_reasons_monthly": _calls(rng, earlier["call_centre_monthly"])}
