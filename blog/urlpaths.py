"""reverse() for the links a list page prints dozens of times, at a fraction of the cost.

Why: a page of 20 posts prints ~90 links (post, author, each tag), and reverse() walks the
resolver, matches the pattern and quotes the result on every call; it was a hot spot of the
home page. Here a route is reversed once, with a placeholder, and later calls substitute the
value into the cached result.

The result is always reverse()'s: the cache is keyed by route, urlconf and script prefix
(Zappa serves a stage under e.g. /dev/, a test may override ROOT_URLCONF), and a value that
reverse() would quote or reject is handed to reverse() itself. The routes are not translated
(no i18n_patterns), so the language is not part of the key. Script prefixes come from the
server's configuration, not from readers, so the cache stays a handful of entries.
"""

import re

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Characters that are valid in both <slug:> and <str:> values and that reverse() never
# quotes: a value made only of these reads the same in the URL as in the database.
_VERBATIM = re.compile(r"[-a-zA-Z0-9_]+").fullmatch
_PLACEHOLDER = "urlpaths0placeholder"
_split_routes = {}


def path_for(name, kwarg, value):
    """reverse(name, kwargs={kwarg: value}), for a route whose one argument is a <slug:> or
    a <str:> (other converters may reject or rewrite a value: use reverse() for those)."""
    if not isinstance(value, str) or _VERBATIM(value) is None:
        return reverse(name, kwargs={kwarg: value})
    key = (name, kwarg, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    try:
        head, tail = _split_routes[key]
    except KeyError:
        head, _, tail = reverse(name, kwargs={kwarg: _PLACEHOLDER}).partition(_PLACEHOLDER)
        _split_routes[key] = head, tail
    return head + value + tail
