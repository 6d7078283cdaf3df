"""API tokens: issued for a user name and password (failures rate-limited), revoked on logout."""

from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker.api.common import TOKEN_KIND, ApiError, current_api_user, json_body, runtime, text_field, token_required
from matchmaker.api.serializers import iso
from matchmaker.auth.limits import limit_failed_logins
from matchmaker.services.accounts import authenticate
from matchmaker.services.sessions import open_session, revoke_session
from models import AuthSession, hash_token


@limit_failed_logins
def issue_token() -> Response:
    """Exchange a user name and password for a bearer token valid API_TOKEN_HOURS."""
    data = json_body()
    username = text_field(data, "username", required=True)
    password = text_field(data, "password", required=True)
    rt = runtime()
    with rt.session_factory() as session:
        user = authenticate(session, rt.config, username, password)
        if user is None:
            g.login_failed = True
            raise ApiError(401, "用户名或密码错误，或账户已停用")
        token = open_session(session, user, TOKEN_KIND, rt.config.API_TOKEN_HOURS)
        session.flush()
        expires_at = session.scalar(select(AuthSession.expires_at).where(AuthSession.token_hash == hash_token(token)))
        session.commit()
    return jsonify(token=token, token_type="Bearer", expires_at=iso(expires_at))


@token_required
def logout() -> Response:
    """Revoke the presented token at once; 204."""
    with runtime().session_factory() as session:
        revoke_session(session, current_api_user().token)
        session.commit()
    return Response(status=204)
