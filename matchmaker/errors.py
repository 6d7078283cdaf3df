"""Error pages in Chinese, JSON errors under /api; no traceback ever reaches a page."""

from __future__ import annotations

import logging
import re

from flask import Flask, abort, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "您没有权限访问该页面",
    404: "页面不存在或您无权查看",
    405: "不支持该请求方式",
    409: "操作与当前状态冲突",
    413: "提交的内容过大",
    422: "提交的内容有误",
    429: "操作过于频繁，请稍后再试",
    500: "服务器内部错误，我们已记录该问题",
    503: "服务暂时不可用，请稍后再试",
}


def wants_json() -> bool:
    """API requests get JSON errors; everything else gets a page."""
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, field: str | None = None) -> tuple[Response | str, int]:
    """A JSON error under /api (``{"error": {"status", "message", "field"}}``), else the error page."""
    message = message or MESSAGES.get(status, "出错了")
    if wants_json():
        body: dict[str, object] = {"status": status, "message": message, "field": field}
        return jsonify(error=body), status
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message), status


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _http_error(exc: HTTPException) -> tuple[Response | str, int]:
    status = exc.code or 500
    # Our own aborts carry a Chinese message for the user; library defaults are English.
    if status < 500 and exc.description and _CJK.search(exc.description):
        return error_response(status, exc.description)
    return error_response(status)


def _csrf_error(exc: CSRFError) -> tuple[Response | str, int]:
    return error_response(400, "表单已过期或缺少安全校验，请刷新页面后重试")


def _unexpected(exc: Exception) -> tuple[Response | str, int]:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500)


def refuse_control_characters() -> None:
    """400 for a NUL character in a page's query string or form (no database column stores one).

    The API checks its own arguments and bodies and answers 422 naming the field.
    """
    if wants_json():
        return
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, "请求中含有不允许的控制字符（\\u0000）")


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unexpected)
    app.register_error_handler(Exception, _unexpected)
