"""What people saw, by the ids a record stores: question prompts, option texts, form labels.

Exports and evidence files show HR the words, not the ids; an id the project no longer has
(a question since removed) is shown as itself, so nothing disappears.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handbook.project import Project


@dataclass
class Labels:
    """Lookups built once from a project; empty (ids stand for themselves) without one."""

    prompts: dict[tuple[str, str], str] = field(default_factory=dict)
    options: dict[tuple[str, str, str], str] = field(default_factory=dict)
    fields: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def of(cls, project: Project | None) -> Labels:
        labels = cls()
        if project is None:
            return labels
        for quiz in project.quizzes:
            for question in quiz.questions:
                labels.prompts[quiz.id, question.id] = question.prompt
                for option in question.choices():
                    labels.options[quiz.id, question.id, option.id] = option.text
        for form in project.forms:
            for form_field, _ in form.fields():
                labels.fields[form.id, form_field.id] = form_field.label
                for choice in form_field.options:
                    labels.options[form.id, form_field.id, choice.id] = choice.label
        return labels

    def option(self, owner: str, question: str, option: str) -> str:
        return self.options.get((owner, question, option), option)

    def prompt(self, quiz: str, question: str) -> str:
        return self.prompts.get((quiz, question), question)

    def form_answer(self, form: str, field_id: str, answer: object) -> object:
        """A form answer with option ids replaced by their labels (text and yes/no unchanged)."""
        if isinstance(answer, list):
            return [self.option(form, field_id, str(item)) for item in answer]
        if isinstance(answer, str) and (form, field_id, answer) in self.options:
            return self.options[form, field_id, answer]
        return answer

    def quiz_answers(self, quiz: str, answers: dict[str, list[str]], asked: list[str] | None = None) -> str:
        """``prompt: option text; option text`` per question in the order asked (then any other
        answered question), questions apart by `` | ``."""
        order = [q for q in asked or [] if q in answers] + [q for q in answers if q not in (asked or [])]
        return " | ".join(
            f"{self.prompt(quiz, question)}: "
            + "; ".join(self.option(quiz, question, option) for option in answers[question])
            for question in order)
