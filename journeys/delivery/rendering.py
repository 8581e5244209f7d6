"""Rendering message content in a sandbox: Django template syntax over plain data, nothing else.

Templates are written by marketers and personalised with data customers send through public
write keys, so rendering is kept to what a message needs:

- an Engine of our own with no loaders, no template libraries, and a trimmed set of built-in
  tags and filters: nothing that includes files, loads libraries, reverses URLs, dumps the
  context (`debug`), generates unbounded text (`lorem`) or turns escaping off (`safe`,
  `autoescape`);
- the context is plain JSON data wrapped so that no attribute or method is reachable from a
  template (`{{ customer.email.upper }}` and `{{ customer.items }}` render as nothing);
- HTML is autoescaped; text parts (subject, plain text, SMS, webhook strings) are not HTML;
- sources and outputs are size-limited, and so is the work done in loops (a few nested
  `{% for %}` over long strings would otherwise run for hours); any failure is a RenderError
  for that one message.
"""

import re
from html import unescape

from django.template import Context, Engine, Library, Node, NodeList, TemplateSyntaxError, defaultfilters, defaulttags
from django.utils.html import strip_tags

MAX_SOURCE_CHARS = 200_000
MAX_OUTPUT_CHARS = 1_000_000
# Loop passes and the text they produce, over one render (all loops, nested ones included).
# A message listing a basket or a feed needs hundreds; the output limit would be met long before.
MAX_LOOP_PASSES = 100_000
MAX_LOOP_OUTPUT_CHARS = 4 * MAX_OUTPUT_CHARS  # nested loops count their text at each level

BLOCKED_TAGS = {"autoescape", "debug", "load", "lorem", "url", "csrf_token", "querystring", "partialdef", "partial"}
# Padding and formatting filters take a width or precision from the template: "ljust:1000000000"
# or stringformat:"2000000000s" would exhaust memory before the output limit is checked.
BLOCKED_FILTERS = {"safe", "safeseq", "pprint", "ljust", "rjust", "center", "stringformat", "floatformat"}


class RenderError(Exception):
    """A template that cannot be rendered for this customer: bad syntax, a blocked tag, too large."""


class _Sealed:
    """Public attributes out of reach: templates see the value, never its methods."""

    __slots__ = ()

    def __getattribute__(self, name):
        if not name.startswith("_"):
            raise AttributeError(name)
        return super().__getattribute__(name)

    def __dir__(self):
        # Django re-raises an AttributeError for a name dir() lists; list none.
        return []


class Text(_Sealed, str):
    """A string from customer data whose methods templates cannot reach or call."""

    __slots__ = ()


class Record:
    """A JSON object seen from a template: keys only, no attributes, no methods."""

    __slots__ = ("_data",)

    def __init__(self, data: dict):
        object.__setattr__(self, "_data", data)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __bool__(self):
        return bool(self._data)

    def __contains__(self, key):
        return key in self._data

    def __str__(self):
        return ", ".join(f"{key}: {value}" for key, value in self._data.items())

    def __setattr__(self, name, value):
        raise AttributeError("read-only")

    def __dir__(self):
        return []


class Items(_Sealed, tuple):
    """A JSON array seen from a template: iterable and indexable, its methods out of reach."""

    __slots__ = ()


def sandboxed(value, depth: int = 0):
    """Plain JSON data wrapped so templates can read it and do nothing else with it."""
    if depth > 20:
        return None
    if isinstance(value, dict):
        return Record({str(key): sandboxed(item, depth + 1) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return Items(sandboxed(item, depth + 1) for item in value)
    if isinstance(value, str):
        return Text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return Text(str(value))


class _MeteredLoopBody(Node):
    """A `for` loop's body, charging each pass and its text to the render's budget."""

    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList):
        self.nodelist = nodelist

    def render(self, context):
        budget = context.render_context.get(_LOOP_BUDGET)
        if budget is None:
            budget = context.render_context[_LOOP_BUDGET] = {"passes": 0, "chars": 0}
        budget["passes"] += 1
        if budget["passes"] > MAX_LOOP_PASSES:
            raise RenderError(f"template loops run more than {MAX_LOOP_PASSES:,} times")
        output = self.nodelist.render(context)
        budget["chars"] += len(output)
        if budget["chars"] > MAX_LOOP_OUTPUT_CHARS:
            raise RenderError(f"template loops produce more than {MAX_LOOP_OUTPUT_CHARS:,} characters")
        return output


_LOOP_BUDGET = "journeys.loop_budget"


def _metered_for(parser, token):
    """Django's `for` tag, its body wrapped so every pass is metered (see _MeteredLoopBody)."""
    node = defaulttags.do_for(parser, token)
    node.nodelist_loop = NodeList([_MeteredLoopBody(node.nodelist_loop)])
    return node


def _library(source: Library, blocked: set[str]) -> Library:
    library = Library()
    library.tags = {name: tag for name, tag in source.tags.items() if name not in blocked}
    library.filters = {name: f for name, f in source.filters.items() if name not in blocked}
    if "for" in library.tags:
        library.tags["for"] = _metered_for
    return library


def _engine(*, autoescape: bool) -> Engine:
    engine = Engine(
        dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=autoescape, string_if_invalid="", debug=False
    )
    # Replaces Django's built-ins (which also include {% include %} and {% extends %}); copies,
    # so the project's other templates keep every tag.
    engine.template_builtins = [
        _library(defaulttags.register, BLOCKED_TAGS),
        _library(defaultfilters.register, BLOCKED_FILTERS),
    ]
    return engine


HTML_ENGINE = _engine(autoescape=True)
TEXT_ENGINE = _engine(autoescape=False)


def render_string(source: str, context: dict, *, html: bool = False) -> str:
    """Render one template source with an already sandboxed context; RenderError on any failure."""
    if not source:
        return ""
    if len(source) > MAX_SOURCE_CHARS:
        raise RenderError(f"template is longer than {MAX_SOURCE_CHARS} characters")
    engine = HTML_ENGINE if html else TEXT_ENGINE
    try:
        output = engine.from_string(source).render(Context(context, autoescape=html))
    except TemplateSyntaxError as error:
        raise RenderError(f"template error: {error}") from None
    except RenderError:
        raise
    except RecursionError:
        raise RenderError("template nests too deeply") from None
    except Exception as error:  # a filter given odd data; never let it reach the worker
        raise RenderError(f"render failed: {error.__class__.__name__}: {error}") from None
    if len(output) > MAX_OUTPUT_CHARS:
        raise RenderError(f"rendered message is longer than {MAX_OUTPUT_CHARS} characters")
    return output


def render_json(value, context: dict, depth: int = 0):
    """A JSON body whose strings (keys stay as written) are text templates."""
    if depth > 20:
        raise RenderError("webhook body nests too deeply")
    if isinstance(value, str):
        return render_string(value, context)
    if isinstance(value, list):
        return [render_json(item, context, depth + 1) for item in value]
    if isinstance(value, dict):
        return {key: render_json(item, context, depth + 1) for key, item in value.items()}
    return value


def text_from_html(html: str) -> str:
    """A readable plain-text part for an email written only in HTML."""
    text = html.replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n").replace("</p>", "\n\n")
    lines = [line.strip() for line in strip_tags(text).splitlines()]
    return unescape("\n".join(lines)).strip()


# A dotted name from one of the render context's roots, inside {{ }} or {% %}.
_TAG = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.DOTALL)
# A name given a |default filter is allowed to be missing.
_ROOTED_NAME = re.compile(r"(?<![\w.'\"])((?:customer|event|context|journey)(?:\.\w+)+)(?![\w.]|\s*\|\s*default)")


def missing_variables(source: str, context: dict) -> list[str]:
    """Dotted names the template reads that this context does not hold, in the order written.

    Django renders a missing variable as an empty string without a word; a preview uses this to
    say so ("context.order_id is not in this preview's data"). Loop variables are not checked:
    only names starting at a root of the render context (customer, event, context, journey).
    """
    missing: list[str] = []
    for match in _TAG.finditer(source or ""):
        inside = match.group(1) if match.group(1) is not None else match.group(2)
        for name in _ROOTED_NAME.findall(inside):
            if name not in missing and not _resolves(name, context):
                missing.append(name)
    return missing


def _resolves(name: str, context: dict) -> bool:
    value = context
    for part in name.split("."):
        if isinstance(value, dict | Record) and part in value:
            value = value[part]
        elif isinstance(value, Items) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False
    return True
