"""Every kind of event and every problem the journal page can show has its French words: a
missing one would show the code's English name (« account.totp_replace ») to an auditor."""

from api.web.journal_events import action_label
from api.web.journal_labels import ENTITY_LABELS, PROBLEM_LABELS, VERB_LABELS
from core.accounts import events
from core.audit.verify import ProblemKind


def test_every_account_event_reads_in_french():
    actions = [v for k, v in vars(events).items() if k.isupper() and str(v).startswith("account.")]
    assert len(actions) >= 10  # the premise: the account events are found
    assert events.ENTITY in ENTITY_LABELS
    for action in actions:
        verb = action.partition(".")[2]
        assert verb in VERB_LABELS, action
        assert action_label(action) == VERB_LABELS[verb]


def test_every_problem_verification_finds_reads_in_french():
    assert set(PROBLEM_LABELS) == set(ProblemKind)
