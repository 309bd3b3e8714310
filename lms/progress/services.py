"""Everything a learner does to a step: open it, mark it done, answer a quiz, reflect."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from lms.accounts.models import User
from lms.catalogue.models import Course, Module, Step
from lms.cohorts.models import Cohort, Enrolment
from lms.db import begin_write, insert_ignore, utcnow
from lms.errors import InvalidInput, NotAllowed
from lms.events import commit
from lms.extensions import db
from lms.progress.completion import Outcome, complete_step, recompute_course
from lms.progress.models import NoteAcknowledgement, QuizAttempt, Reflection, StepProgress

MAX_REFLECTION_CHARS = 20_000


@dataclass
class QuizResult:
    attempt: QuizAttempt
    outcome: Outcome


def _touch_enrolments(user: User, step: Step) -> None:
    """Remember this step as the learner's place in every enrolment on its course."""
    cohort_ids = select(Cohort.id).where(Cohort.course_id == step.course_id)
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.cohort_id.in_(cohort_ids))
        .values(resume_step_id=step.id, last_activity_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _record(user: User, step: Step, **stamps: object) -> Outcome:
    """Upsert the learner's progress row, then let the engine decide what is now complete."""
    now = utcnow()
    inserted = insert_ignore(
        StepProgress,
        {"user_id": user.id, "step_id": step.id, **{k: now for k in stamps}},
        ["user_id", "step_id"],
    )
    if not inserted and stamps:
        for column in stamps:
            field = getattr(StepProgress, column)
            db.session.execute(
                update(StepProgress)
                .where(
                    StepProgress.user_id == user.id,
                    StepProgress.step_id == step.id,
                    field.is_(None),
                )
                .values({column: now})
                .execution_options(synchronize_session=False)
            )
    outcome = Outcome()
    if complete_step(user.id, step):
        outcome.steps.append(step.id)
        course_outcome = recompute_course(user.id, step.module.course)
        outcome.modules, outcome.course = course_outcome.modules, course_outcome.course
    return outcome


def open_step(user: User, step: Step, enrolment: Enrolment | None) -> None:
    """The learner opened ``step``: note the view and keep their place."""
    already = db.session.scalar(
        select(StepProgress.viewed_at).where(
            StepProgress.user_id == user.id, StepProgress.step_id == step.id
        )
    )
    if already is not None and enrolment is not None and enrolment.resume_step_id == step.id:
        return  # nothing new to record
    begin_write()
    _record(user, step, viewed_at=True)
    _touch_enrolments(user, step)
    commit()


def mark_done(user: User, step: Step) -> Outcome:
    if step.complete_when in ("quiz_passed", "reflection_submitted"):
        raise InvalidInput(
            "This step is completed by "
            + (
                "passing its quiz."
                if step.complete_when == "quiz_passed"
                else "saving a reflection."
            )
        )
    begin_write()
    outcome = _record(user, step, viewed_at=True, marked_done_at=True)
    _touch_enrolments(user, step)
    commit()
    return outcome


def submit_quiz(user: User, step: Step, answers: dict[int, int | None]) -> QuizResult:
    """Score an attempt. ``answers`` maps question index to the chosen 1-based choice."""
    questions = step.config.get("questions", [])
    missing = [i + 1 for i in range(len(questions)) if not answers.get(i)]
    if missing:
        numbers = ", ".join(str(n) for n in missing)
        raise InvalidInput(
            f"Please choose an answer for question {numbers}."
            if len(missing) == 1
            else f"Please choose an answer for questions {numbers}."
        )
    chosen: list[int] = []
    for i, question in enumerate(questions):
        choice = answers[i]
        if choice is None or not 1 <= choice <= len(question["choices"]):
            raise InvalidInput(f"Question {i + 1} has no choice {choice}.")
        chosen.append(choice)
    score = sum(1 for q, c in zip(questions, chosen, strict=True) if q["answer"] == c)
    passed = score >= int(step.config.get("pass_mark", len(questions)))
    begin_write()
    attempt = QuizAttempt(
        user_id=user.id, step_id=step.id, answers=chosen, score=score, passed=passed
    )
    db.session.add(attempt)
    db.session.flush()
    outcome = _record(user, step, viewed_at=True)
    _touch_enrolments(user, step)
    commit()
    return QuizResult(attempt=attempt, outcome=outcome)


def latest_attempt(user: User, step: Step) -> QuizAttempt | None:
    return db.session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.step_id == step.id)
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    )


def sharing_cohort(user: User, course: Course) -> Cohort | None:
    """The cohort whose facilitators could read this learner's shared reflections."""
    return db.session.scalar(
        select(Cohort)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(
            Enrolment.user_id == user.id,
            Cohort.course_id == course.id,
            Enrolment.status.in_(("active", "completed")),
        )
        .where(Cohort.facilitators.any())
        .order_by(Enrolment.enrolled_at.desc())
        .limit(1)
    )


def save_reflection(user: User, step: Step, body: str, *, share: bool) -> Outcome:
    """Save (or update) the learner's reflection; private unless ``share`` is chosen."""
    if step.type != "reflection":
        raise InvalidInput("This step doesn't take a reflection.")
    text = (body or "").strip()
    if not text:
        raise InvalidInput(
            "Your reflection is empty. Write a few words, then save it.",
            field_errors={"body": "Write a few words first."},
        )
    if len(text) > MAX_REFLECTION_CHARS:
        raise InvalidInput(
            f"Your reflection is {len(text):,} characters long; the limit is "
            f"{MAX_REFLECTION_CHARS:,}. Please shorten it, or split it into two.",
            field_errors={"body": "Too long."},
        )
    cohort = sharing_cohort(user, step.module.course) if share else None
    if share and cohort is None:
        raise InvalidInput(
            "There are no facilitators to share this with on your course, so "
            "your reflection stays private."
        )
    begin_write()
    now = utcnow()
    reflection = db.session.scalar(
        select(Reflection).where(Reflection.user_id == user.id, Reflection.step_id == step.id)
    )
    if reflection is None:
        inserted = insert_ignore(
            Reflection,
            {
                "user_id": user.id,
                "step_id": step.id,
                "body": text,
                "created_at": now,
                "updated_at": now,
                "shared_with_cohort_id": cohort.id if cohort else None,
            },
            ["user_id", "step_id"],
        )
        if not inserted:  # saved at the same moment in another tab: keep the latest words
            reflection = db.session.scalar(
                select(Reflection).where(
                    Reflection.user_id == user.id, Reflection.step_id == step.id
                )
            )
    if reflection is not None:
        reflection.body = text
        reflection.updated_at = now
        reflection.shared_with_cohort_id = cohort.id if cohort else None
        db.session.flush()
    outcome = _record(user, step, viewed_at=True)
    _touch_enrolments(user, step)
    commit()
    return outcome


def set_reflection_sharing(user: User, reflection: Reflection, share: bool) -> None:
    if reflection.user_id != user.id:
        raise NotAllowed("You can only change the sharing of your own reflections.")
    cohort = sharing_cohort(user, reflection.step.module.course) if share else None
    if share and cohort is None:
        raise InvalidInput("There are no facilitators to share this with on your course.")
    begin_write()
    reflection.shared_with_cohort_id = cohort.id if cohort else None
    commit()


def note_subject(target: Module | Step) -> str:
    return f"{'module' if isinstance(target, Module) else 'step'}:{target.id}"


def has_acknowledged(user: User, target: Module | Step) -> bool:
    return bool(
        db.session.scalar(
            select(NoteAcknowledgement.id).where(
                NoteAcknowledgement.user_id == user.id,
                NoteAcknowledgement.subject == note_subject(target),
            )
        )
    )


def acknowledge_note(user: User, target: Module | Step) -> None:
    """The learner read the content note and chose to continue."""
    begin_write()
    insert_ignore(
        NoteAcknowledgement,
        {"user_id": user.id, "subject": note_subject(target), "at": utcnow()},
        ["user_id", "subject"],
    )
    commit()


def come_back_later(user: User, step: Step) -> None:
    """Keep the learner's place at ``step`` without counting anything against them."""
    begin_write()
    _touch_enrolments(user, step)
    commit()
