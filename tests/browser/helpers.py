"""Steps the browser tests of the canvas share."""

from playwright.sync_api import expect


def open_editor(page, live_server_url, journey):
    page.goto(f"{live_server_url}/journeys/{journey.pk}/")
    expect(page.locator(".editor-shell")).to_have_attribute("data-ready", "true")


def select(page, node_id: str) -> None:
    page.locator(f'.react-flow__node[data-id="{node_id}"] [data-testid="node-label"]').click()
    expect(page.locator(".inspector")).to_have_attribute("data-node-id", node_id)
    expect(page.locator(".react-flow__node.selected")).to_have_count(1)


def field(page, name: str):
    return page.locator(f'.inspector [data-field="{name}"]')


# What sticks out of a panel on the right: the panel's own scroll width beyond its box, and each
# descendant whose box ends past the panel's right edge (text cut off, inputs past the window).
OVERFLOW = """(box) => {
  const right = box.getBoundingClientRect().right;
  const out = [...box.querySelectorAll('*')]
    .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > right + 0.5; })
    .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${Math.round(e.getBoundingClientRect().right - right)} px`);
  if (box.scrollWidth > box.clientWidth) out.unshift(`scrollWidth ${box.scrollWidth} > ${box.clientWidth}`);
  return out;
}"""


def overflow(locator) -> list[str]:
    """Why `locator`'s content is wider than its box; empty when everything fits."""
    return locator.evaluate(OVERFLOW)
