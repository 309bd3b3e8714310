"""A table named without the plugin's prefix."""

from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class Unprefixed(db.Model):  # type: ignore[name-defined]  # mypy cannot see db.Model
    __tablename__ = "notes_without_prefix"

    id: Mapped[int] = mapped_column(primary_key=True)
