"""A collector's morning by keyboard alone (Tab, Shift+Tab, Enter, Space, typing): log
in, the worklist, an account, a call with a promise, a task added and completed. Every
element that takes focus on the way shows it (an outline or a ring), and every form
submits from the keyboard."""

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server
from tests.web.support import PASSWORD

MAX_TABS = 150

# The focused element, how it looks, and whether the eye can find it.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
    || (s.boxShadow && s.boxShadow !== 'none');
  return {tag: e.tagName.toLowerCase(), name: e.getAttribute('name') || '',
          text: (e.innerText || e.value || '').trim().slice(0, 60),
          href: e.getAttribute('href') || '', cls: e.className || '',
          form: e.form ? (e.form.getAttribute('action') || '') : '',
          ring: ring, visible: r.width > 0 && r.height > 0};
}"""


def focused(page: Page) -> dict[str, str | bool] | None:
    found: dict[str, str | bool] | None = page.evaluate(FOCUSED)
    return found


def tab_to(page: Page, wanted: str, *, back: bool = False) -> dict[str, str | bool]:
    """Press Tab (Shift+Tab when ``back``) until the focused element matches ``wanted``
    (a CSS selector), checking that each element passed on the way shows its focus."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        if now is None:
            continue
        seen.append(now)
        assert now["visible"], f"focus went to an invisible element: {now}"
        assert now["ring"], f"the focus is not visible on {now}"
        if page.evaluate("(s) => document.activeElement.matches(s)", wanted):
            return now
    raise AssertionError(f"{wanted} never took the focus; focus went to {seen[-10:]}")


def type_date(page: Page, selector: str, day: date) -> None:
    """Type ``day`` into the focused date field: its parts come in the browser's order
    (day first in Britain, month first in the US), and Tab moves between them."""
    field = page.locator(selector)
    page.keyboard.type(f"{day:%d%m%Y}")
    if field.input_value() != day.isoformat():  # month first: back to it and again
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.type(f"{day:%m%d%Y}")
    expect(field).to_have_value(day.isoformat())


def test_a_collectors_morning_by_keyboard(page: Page, server: Server) -> None:
    page.goto(server.url("/login"))
    tab_to(page, "input[name=email]")
    page.keyboard.type(server.users["collector"])
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(server.url("/"))

    # The first Tab offers to skip the navigation.
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip is not None
    assert (skip["text"], skip["ring"]) == ("Skip to content", True)
    tab_to(page, "nav a[href='/worklist']")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url("/worklist"))

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # skip to the content
    account = tab_to(page, ".worklist tbody tr a.strong")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url(str(account["href"])))
    customer_path = str(account["href"])

    # Back and forth: Shift+Tab returns to the previous control.
    tab_to(page, "#call-form select[name=outcome]")
    tab_to(page, "#call-form input[name=contact]")
    tab_to(page, "#call-form select[name=outcome]", back=True)
    page.keyboard.type("promised")  # a closed select picks by typing
    expect(page.locator("#call-form select[name=outcome]")).to_have_value("promised")
    tab_to(page, "#call-form input[name=contact]")
    page.keyboard.type("Ms Accounts Payable")
    tab_to(page, "#call-form textarea[name=note]")
    page.keyboard.type("Pays after their Friday run.")
    promised = date.today() + timedelta(days=5)
    tab_to(page, "#call-form input[name=promised_on]")
    type_date(page, "#call-form input[name=promised_on]", promised)
    tab_to(page, "#call-form button[type=submit]")
    page.keyboard.press("Space")
    expect(page.locator(".flash")).to_contain_text(
        f"Call logged with a promise to pay on {promised.isoformat()}"
    )
    expect(page.locator(".timeline")).to_contain_text(
        "Call with Ms Accounts Payable: promised to pay"
    )

    # A task: its form opens from its summary by keyboard, then the task is done.
    tab_to(page, "#add-task summary")
    page.keyboard.press("Enter")
    tab_to(page, "#add-task input[name=title]")
    page.keyboard.type("Send the signed delivery note")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Task added: Send the signed delivery note")
    task = page.locator("#tasks .case", has_text="Send the signed delivery note")
    expect(task).to_have_count(1)
    action = task.locator("form[action$='/done']").get_attribute("action")
    tab_to(page, f"form[action='{action}'] button")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Task done: Send the signed delivery note")
    assert page.url.startswith(server.url(customer_path.split("#")[0]))
    expect(page.locator("#tasks .case", has_text="Send the signed delivery note")).to_have_count(0)
