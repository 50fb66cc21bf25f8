"""Policies due for review: a policy with ``review_every_months`` or ``next_review`` is named
by ``handbook check`` (a warning, located at the field) and on the HR page once its review is
within ``REVIEW_WARNING_DAYS`` or past."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handbook.load import Problem
from handbook.models.policy import Policy
from handbook.project import Project
from handbook.records.report import add_months

REVIEW_WARNING_DAYS = 60


@dataclass(frozen=True)
class ReviewDue:
    policy: Policy
    due: date
    days: int
    """Days from today to the review (negative: that many days late)."""

    @property
    def field(self) -> str:
        return "next_review" if self.policy.next_review else "review_every_months"

    def words(self) -> str:
        if self.days < 0:
            return f"review was due {self.due.isoformat()} ({-self.days} days ago)"
        return f"review due {self.due.isoformat()} (in {self.days} days)" if self.days else "review due today"


def review_date(project: Project, policy: Policy) -> date | None:
    """``next_review``, else ``review_every_months`` after the later of the effective date and
    the last publication; None when the policy sets neither."""
    if policy.next_review:
        return policy.next_review
    if not policy.review_every_months:
        return None
    published = [version.published for version in project.history.get(policy.id, [])]
    return add_months(max([policy.effective_date, *published]), policy.review_every_months)


def reviews_due(project: Project, today: date, within: int = REVIEW_WARNING_DAYS) -> list[ReviewDue]:
    """Policies whose review is within ``within`` days of ``today`` or past, soonest first."""
    found = []
    for policy in project.policies:
        due = review_date(project, policy)
        if due is not None and (due - today).days <= within:
            found.append(ReviewDue(policy, due, (due - today).days))
    return sorted(found, key=lambda review: review.due)


def review_warnings(project: Project, today: date) -> list[Problem]:
    return [review.policy.source.problem((review.field,), f"warning: policy '{review.policy.id}': "
                                                          f"{review.words()}")
            for review in reviews_due(project, today)]
