"""The Jinja2 environment of the team's pages, its filters, and rendering helpers.

Amounts are minor units formatted with Babel at the edge (``money`` filter); they are
never added across currencies here.
"""

from importlib.resources import files
from typing import Any
from urllib.parse import unquote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from recoup.cases.core import MAX_INSTALMENTS
from recoup.comms.render import format_iban, format_sort_code
from recoup.templating import autoescape
from recoup.web.deps import CSRF_COOKIE, is_https
from recoup.web.formatting import format_day, format_moment, format_money, format_number

FLASH_COOKIE = "recoup_flash"

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(str(files("recoup.web") / "templates")), autoescape=autoescape
    )
)


def query(request: Request, **changes: Any) -> str:
    """The current query string with ``changes`` applied (None drops a key)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


env = templates.env
env.filters["money"] = format_money
env.filters["number"] = format_number
env.filters["day"] = format_day
env.filters["moment"] = format_moment
env.filters["iban"] = format_iban  # as a message prints them
env.filters["sort_code"] = format_sort_code
env.globals["query"] = query
# The plan form offers what the plan rule accepts (one rule: ``cases.core``).
env.globals["max_instalments"] = MAX_INSTALMENTS


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a page; sets a fresh anonymous CSRF cookie if the request made one."""
    context.setdefault("actor", getattr(request.state, "actor", None))
    context.setdefault("flash", unquote(request.cookies.get(FLASH_COOKIE, "")))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    new_csrf = getattr(request.state, "new_csrf_cookie", None)
    if new_csrf:
        response.set_cookie(
            CSRF_COOKIE, new_csrf, httponly=True, samesite="lax", secure=is_https(request)
        )
    if context["flash"]:
        response.delete_cookie(FLASH_COOKIE)
    return response
