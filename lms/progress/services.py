"""Everything a learner does to a step: open it, mark it done, answer a quiz, reflect."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from lms.accounts.models import User
from lms.catalogue.models import Course, Module, Step
from lms.cohorts.models import Cohort, Enrolment
from lms.db import begin_write, insert_ignore, upsert, utcnow
from lms.errors import InvalidInput, NotAllowed
from lms.events import commit
from lms.extensions import Model, db
from lms.progress.completion import (
    MET_BY_MARKING,
    Outcome,
    Subject,
    marked_done,
    step_recorded,
    subject_of,
)
from lms.progress.models import NoteAcknowledgement, QuizAttempt, Reflection, StepProgress

MAX_REFLECTION_CHARS = 20_000


@dataclass
class QuizResult:
    attempt: QuizAttempt
    outcome: Outcome


def _touch_enrolments(user_id: int, course_id: int, step_id: int) -> None:
    """Remember this step as the learner's place in every enrolment on its course."""
    db.session.execute(
        _TOUCH_ENROLMENTS,
        {"p_user": user_id, "p_course": course_id, "p_step": step_id, "p_now": utcnow()},
    )


def _record(who: Subject, *stamps: str) -> Outcome:
    """Upsert the learner's progress row, stamping ``stamps`` (each set once, never moved),
    then let the engine decide what is now complete."""
    upsert(
        StepProgress,
        {"user_id": who.user_id, "step_id": who.step_id, **dict.fromkeys(stamps, utcnow())},
        ("user_id", "step_id"),
        fill_empty=True,
    )
    return step_recorded(who)


def open_step(user: User, step: Step, enrolment: Enrolment | None) -> None:
    """The learner opened ``step``: note the view and keep their place."""
    already = db.session.scalar(
        select(StepProgress.viewed_at).where(
            StepProgress.user_id == user.id, StepProgress.step_id == step.id
        )
    )
    if already is not None and enrolment is not None and enrolment.resume_step_id == step.id:
        return  # nothing new to record
    who = subject_of(user, step)
    begin_write()
    _record(who, "viewed_at")
    _touch_enrolments(who.user_id, who.course_id, who.step_id)
    commit()


def mark_done(user: User, step: Step) -> Outcome:
    """The learner marks ``step`` done; returns what that newly completed."""
    if step.complete_when in ("quiz_passed", "reflection_submitted"):
        raise InvalidInput(
            "This step is completed by "
            + (
                "passing its quiz."
                if step.complete_when == "quiz_passed"
                else "saving a reflection."
            )
        )
    who = subject_of(user, step)
    begin_write()
    if who.complete_when in MET_BY_MARKING:
        outcome = marked_done(who)
    else:
        outcome = _record(who, "viewed_at", "marked_done_at")
    _touch_enrolments(who.user_id, who.course_id, who.step_id)
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
    who = subject_of(user, step)
    begin_write()
    attempt = QuizAttempt(
        user_id=who.user_id, step_id=who.step_id, answers=chosen, score=score, passed=passed
    )
    db.session.add(attempt)
    db.session.flush()
    outcome = _record(who, "viewed_at")
    _touch_enrolments(who.user_id, who.course_id, who.step_id)
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
    cohort_id = cohort.id if cohort else None
    who = subject_of(user, step)
    begin_write()
    now = utcnow()
    this_one = (Reflection.user_id == who.user_id, Reflection.step_id == who.step_id)
    reflection = db.session.scalar(select(Reflection).where(*this_one))
    if reflection is None:
        inserted = insert_ignore(
            Reflection,
            {
                "user_id": who.user_id,
                "step_id": who.step_id,
                "body": text,
                "created_at": now,
                "updated_at": now,
                "shared_with_cohort_id": cohort_id,
            },
            ["user_id", "step_id"],
        )
        if not inserted:  # saved at the same moment in another tab: keep the latest words
            reflection = db.session.scalar(select(Reflection).where(*this_one))
    if reflection is not None:
        reflection.body = text
        reflection.updated_at = now
        reflection.shared_with_cohort_id = cohort_id
        db.session.flush()
    outcome = _record(who, "viewed_at")
    _touch_enrolments(who.user_id, who.course_id, who.step_id)
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
    values = {"user_id": user.id, "subject": note_subject(target)}
    begin_write()
    insert_ignore(NoteAcknowledgement, {**values, "at": utcnow()}, ["user_id", "subject"])
    commit()


def come_back_later(user: User, step: Step) -> None:
    """Keep the learner's place at ``step`` without counting anything against them."""
    user_id, course_id, step_id = user.id, step.course_id, step.id
    begin_write()
    _touch_enrolments(user_id, course_id, step_id)
    commit()


# -- statements built once ----------------------------------------------------------------

# Plain tables rather than the mapped classes: these run in every write of a step's
# progress, and so skip the ORM's compile step.
_ENROLMENTS = Model.metadata.tables[Enrolment.__tablename__]
_COHORTS = Model.metadata.tables[Cohort.__tablename__]
_TOUCH_ENROLMENTS = (
    update(_ENROLMENTS)
    .where(
        _ENROLMENTS.c.user_id == bindparam("p_user"),
        _ENROLMENTS.c.cohort_id.in_(
            select(_COHORTS.c.id).where(_COHORTS.c.course_id == bindparam("p_course"))
        ),
    )
    .values(resume_step_id=bindparam("p_step"), last_activity_at=bindparam("p_now"))
)
