"""Accounts (administrators only): the list, adding an account, changing one, and setting a
new password for someone who lost theirs."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from survey_app.auth import roles_required
from survey_app.auth.accounts import AccountError, create_user, set_password, update_user
from survey_app.i18n import current_language
from survey_app.models import Role, Unit, User, db
from survey_app.staff.blueprint import bp
from survey_app.staff.forms import NewUserForm, SetPasswordForm, UserForm
from survey_app.staff.labels import role_label
from survey_app.staff.menu import add_menu_item


def _choices(form: UserForm) -> None:
    """Fill the role and unit choices in the current language."""
    form.role.choices = [SelectChoice(role.value, role_label(role.value)) for role in Role]
    language = current_language()
    form.unit.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(unit.id), f"{unit.name(language)} ({unit.code})")
        for unit in db.session.scalars(select(Unit).order_by(Unit.kind, Unit.code))
    ]


def _unit(form: UserForm) -> Unit | None:
    """The unit chosen in ``form`` (None for none or an unknown id)."""
    return db.session.get(Unit, form.unit.data) if form.unit.data is not None else None


def _show(form: UserForm, error: AccountError) -> None:
    """Attach an account error to its field (the name field when it names none)."""
    field = form[error.field] if error.field and error.field in form else form.display_name
    field.errors = [*field.errors, error.message]


@bp.get("/users")
@roles_required(Role.ADMIN)
def user_list() -> ResponseReturnValue:
    """Every account, active ones first."""
    users = db.session.scalars(
        select(User).options(joinedload(User.unit)).order_by(User.active.desc(), User.username)
    ).all()
    return render_template("staff/users/list.html", users=users)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_new() -> ResponseReturnValue:
    """Add an account."""
    form = NewUserForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            user = create_user(
                username=form.username.data,
                display_name=form.display_name.data,
                role=form.role.data,
                password=form.password.data,
                unit=_unit(form),
            )
        except AccountError as error:
            db.session.rollback()
            _show(form, error)
        else:
            db.session.commit()
            flash(gettext("The account %(name)s has been added.", name=user.username), "success")
            return redirect(url_for("staff.user_list"))
    return render_template("staff/users/form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int) -> ResponseReturnValue:
    """Change an account's name, role, unit or whether it may sign in."""
    user = db.get_or_404(User, user_id)
    form = UserForm(
        data={
            "display_name": user.display_name,
            "role": user.role,
            "unit": user.unit_id,
            "active": user.active,
        }
    )
    _choices(form)
    if form.validate_on_submit():
        try:
            update_user(
                user,
                display_name=form.display_name.data,
                role=form.role.data,
                unit=_unit(form),
                active=form.active.data,
            )
        except AccountError as error:
            db.session.rollback()
            _show(form, error)
        else:
            db.session.commit()
            flash(gettext("The account %(name)s has been saved.", name=user.username), "success")
            return redirect(url_for("staff.user_list"))
    return render_template("staff/users/form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_password(user_id: int) -> ResponseReturnValue:
    """Give an account a new password (its sessions end)."""
    user = db.get_or_404(User, user_id)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data)
        except AccountError as error:
            db.session.rollback()
            form.password.errors = [*form.password.errors, error.message]
        else:
            db.session.commit()
            flash(
                gettext("The password of %(name)s has been changed.", name=user.username),
                "success",
            )
            return redirect(url_for("staff.user_list"))
    return render_template("staff/users/password.html", form=form, user=user)


add_menu_item("staff.user_list", lazy_gettext("Accounts"), order=80, active_prefix="staff.user")
