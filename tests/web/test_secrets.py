"""Secrets never travel in cookies: a generated password is shown once, in the body of
the response to the form that created it, and is not kept anywhere the browser stores."""

import re

from tests.web.support import World, csrf_of, log_in, make_client


def test_a_generated_password_is_shown_once_and_never_put_in_a_cookie(world: World) -> None:
    admin = make_client(world, base_url="https://testserver")
    log_in(admin, "admin@alpha.example")
    csrf = csrf_of(admin.get("/users").text)

    created = admin.post(
        "/users", data={"email": "fresh@alpha.example", "role": "viewer", "csrf_token": csrf}
    )

    assert created.status_code == 201, created.text[:500]
    shown = re.search(r'<code class="secret">([^<]+)</code>', created.text)
    assert shown, "the generated password is not on the page"
    password = shown.group(1)
    assert "Added fresh@alpha.example as viewer" in created.text
    assert created.headers["cache-control"] == "no-store"
    for cookie in created.headers.get_list("set-cookie"):
        assert password not in cookie
    assert all(password not in value for value in admin.cookies.values())
    assert password not in admin.get("/users").text  # shown once
    newcomer = make_client(world, base_url="https://testserver")
    log_in(newcomer, "fresh@alpha.example", password)


def test_a_chosen_password_is_not_repeated(world: World) -> None:
    admin = make_client(world)
    log_in(admin, "admin@alpha.example")
    csrf = csrf_of(admin.get("/users").text)
    chosen = "a chosen password of mine"

    added = admin.post(
        "/users",
        data={"email": "chosen@alpha.example", "role": "viewer", "password": chosen,
              "csrf_token": csrf},
    )  # fmt: skip

    assert added.status_code == 303
    assert all(chosen not in cookie for cookie in added.headers.get_list("set-cookie"))
    assert "Added chosen@alpha.example as viewer." in admin.get("/users").text
