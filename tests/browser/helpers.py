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
