"""User administration: create, edit, disable, reset the password, assign roles."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.core.auth import bp
from app.core.auth.forms import PasswordResetForm, UserForm
from app.core.auth.models import User
from app.core.auth.services import create_user, find_user, reset_password, set_user_enabled, update_user
from app.core.pagination import paginate
from app.core.permissions import Role, can_manage_users, roles_required
from app.core.records.audit import history_of
from app.core.text_search import contains_text
from app.core.web import check_version, redirect_after_post, render
from app.extensions import db

admin_required = roles_required(Role.SYSTEM_ADMIN)


def get_user_or_404(user_id: int, for_edit: bool = False) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if for_edit and not can_manage_users(current_user):
        abort(403)
    return user


@bp.route("/users")
@admin_required
def users():
    q = request.args.get("q", "").strip()
    department = request.args.get("department", "")
    query = select(User).options(selectinload(User.roles))  # each row shows its roles
    if q:
        query = query.where(or_(contains_text(User.username, q), contains_text(User.display_name, q)))
    if department:
        query = query.where(User.department == department)
    page = paginate(
        query.order_by(User.username), request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"]
    )
    return render("core/auth/users.html", "user_table", page=page, q=q, department=department)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = UserForm()
    if request.method == "POST":
        if form.validate() and _username_free(form) and _password_given(form):
            user = create_user(
                username=form.username.data,
                display_name=form.display_name.data,
                email=form.email.data,
                department=form.department.data,
                roles=form.roles.data,
                password=form.password.data,
                actor=current_user._get_current_object(),
            )
            db.session.commit()
            flash(_("User %(name)s created.", name=user.display_name), "success")
            return redirect_after_post(url_for("auth.user_detail", user_id=user.id))
        return render("core/auth/user_form.html", "user_form", form=form, user=None, status=422)
    return render("core/auth/user_form.html", form=form, user=None)


def _username_free(form: UserForm, user: User | None = None) -> bool:
    other = find_user(form.username.data)
    if other is not None and other is not user:
        form.username.errors.append(_("This username is taken."))
        return False
    return True


def _password_given(form: UserForm) -> bool:
    if not form.password.data:
        form.password.errors.append(_("This field is required."))
        return False
    return True


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_detail(user_id: int):
    user = get_user_or_404(user_id, for_edit=request.method == "POST")
    form = UserForm(obj=user if request.method == "GET" else None)
    form.username.render_kw = {"readonly": True}
    if request.method == "GET":
        form.roles.data = sorted(user.role_set)
    else:
        form.username.data = user.username
        if form.validate():
            if user.id == current_user.id and Role.SYSTEM_ADMIN.value not in form.roles.data:
                form.roles.errors.append(_("You cannot remove your own administrator role."))
            else:
                check_version(user)
                update_user(
                    user,
                    display_name=form.display_name.data,
                    email=form.email.data,
                    department=form.department.data,
                    roles=form.roles.data,
                    actor=current_user._get_current_object(),
                )
                db.session.commit()
                flash(_("Changes saved."), "success")
                return redirect_after_post(url_for("auth.user_detail", user_id=user.id))
        return render(
            "core/auth/user_form.html",
            "user_form",
            form=form,
            user=user,
            history=history_of(user),
            reset_form=PasswordResetForm(),
            status=422,
        )
    return render(
        "core/auth/user_form.html",
        form=form,
        user=user,
        history=history_of(user),
        reset_form=PasswordResetForm(),
    )


@bp.route("/users/<int:user_id>/enabled", methods=["POST"])
@admin_required
def user_toggle(user_id: int):
    user = get_user_or_404(user_id, for_edit=True)
    enable = request.form.get("enabled") == "1"
    if user.id == current_user.id and not enable:
        abort(403)
    set_user_enabled(user, enable, actor=current_user._get_current_object())
    db.session.commit()
    return render("core/auth/_user_row.html", user=user)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def user_password(user_id: int):
    user = get_user_or_404(user_id, for_edit=True)
    form = PasswordResetForm()
    if not form.validate():
        return render("core/auth/user_form.html", "reset_form", user=user, reset_form=form, status=422)
    reset_password(user, form.password.data, actor=current_user._get_current_object())
    db.session.commit()
    return render(
        "core/auth/user_form.html", "reset_form", user=user, reset_form=PasswordResetForm(), reset_done=True
    )
