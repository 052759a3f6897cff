"""Messages in the reader's language (P0.2 customer first, P6.1.1 terms without jargon): every
text a person reads — `UserError.message`, top-level error messages, vouchers, e-mails, text
messages, report headings — comes from one catalogue per language; error codes never change.

The English text in the code is the message id (gettext style). A message with values is
written as an f-string; its template is the f-string with each `{expression}` kept as a named
placeholder, and a catalogue entry translates the template with the same placeholders, e.g.
``"You may not {action} tier {tier} documents."`` -> ``"您无权{action}第 {tier} 级文件。"``.
`translate()` matches a finished English message against the templates, so code raising a
`DomainError` stays plain Python. The values filled in from data stay as they were, except
the enumerated ones (statuses, kinds) of the placeholders `zh_CN_values.json` names, which are
translated too: "Points Adjustment request approved" reads "积分调整 申请结果：批准".
`tests/test_i18n.py` extracts every message from the code and fails when one lacks a
translation.

The language of a request comes from the account's saved preference, else `Accept-Language`,
else the default; it travels in a context variable set at the edge of each request. Texts for
a guest outside a request (e-mails sent later) use the language stored with the booking.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date as _babel_date
from babel.numbers import format_currency as _babel_currency

ENGLISH = "en"
CHINESE = "zh-CN"
SUPPORTED = (ENGLISH, CHINESE)
_CATALOGUE_FILES = {CHINESE: "zh_CN.json"}
_VALUE_FILES = {CHINESE: "zh_CN_values.json"}
_BABEL_LOCALE = {ENGLISH: "en", CHINESE: "zh_CN"}

_default_language = ENGLISH
current_language: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_language", default=None
)


def configure(default_language: str) -> None:
    global _default_language
    _default_language = normalise(default_language) or ENGLISH


def default_language() -> str:
    return _default_language


def language() -> str:
    """The language of the current request (or the default outside one)."""
    return current_language.get() or _default_language


def normalise(tag: str | None) -> str | None:
    """A supported language for a BCP 47 tag, or None: every Chinese tag reads zh-CN (the
    catalogue is Simplified Chinese), every English tag reads en."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return {"zh": CHINESE, "en": ENGLISH}.get(primary)


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The account's saved preference wins; else the best supported language of the
    `Accept-Language` header by its q-values; else the default."""
    chosen = normalise(preferred)
    if chosen:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "")[:512].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        supported = normalise(tag)
        if supported and quality > 0:
            ranked.append((-quality, position, supported))
    return min(ranked)[2] if ranked else _default_language


# ---- catalogues ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """English template -> translation, for one language (empty for English)."""
    name = _CATALOGUE_FILES.get(lang)
    if name is None:
        return {}
    return json.loads((Path(__file__).parent / name).read_text(encoding="utf-8"))


@cache
def value_catalogue(lang: str) -> dict[str, dict[str, str]]:
    """Placeholder -> English value -> translation, for the enumerated values (statuses, kinds)
    that messages fill in from data, e.g. ``{"request.status.lower()": {"approved": "批准"}}``.
    Only the placeholders named here have their values translated: any other value (a name, a
    reason, a number, a free-text kind) is shown as it was given."""
    name = _VALUE_FILES.get(lang)
    if name is None:
        return {}
    return json.loads((Path(__file__).parent / name).read_text(encoding="utf-8"))


@cache
def _patterns(lang: str) -> list[tuple[re.Pattern, list[str], str]]:
    """Templates with placeholders as anchored patterns, most literal text first so that the
    most specific template wins."""
    compiled = []
    for template, translation in catalogue(lang).items():
        names = _PLACEHOLDER.findall(template)
        if not names:
            continue
        literal = _PLACEHOLDER.split(template)[::2]
        pattern = "".join(
            re.escape(text) + ("(.+?)" if i < len(names) else "") for i, text in enumerate(literal)
        )
        compiled.append((re.compile(f"^{pattern}$", re.S), names, translation))
    compiled.sort(key=lambda item: -len(_PLACEHOLDER.sub("", item[0].pattern)))
    return compiled


def translate(message: str, lang: str | None = None) -> str:
    """The message in `lang` (default: the request's language); the English message itself when
    the catalogue has no entry for it."""
    lang = lang or language()
    table = catalogue(lang)
    if not table or not message:
        return message
    exact = table.get(message)
    if exact is not None:
        return exact
    values = value_catalogue(lang)
    for pattern, names, translation in _patterns(lang):
        found = pattern.match(message)
        if found:
            rendered = translation
            for name, value in zip(names, found.groups(), strict=True):
                shown = values.get(name, {}).get(value, value)  # an enumerated value translated
                rendered = rendered.replace("{" + name + "}", shown)
            return rendered
    return message


def t(lang: str | None, template: str, **values: object) -> str:
    """Render `template` (an English message id with `{name}` placeholders) in `lang`."""
    text = catalogue(lang or language()).get(template, template)
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def N_(text: str) -> str:
    """Mark a fixed text (a report heading) for the catalogue; it is translated where shown."""
    return text


# ---- formatting ---------------------------------------------------------------------------


def format_money(amount: Decimal, currency: str, lang: str | None = None) -> str:
    return _babel_currency(amount, currency, locale=_BABEL_LOCALE[lang or language()])


def format_date(day: dt.date, lang: str | None = None) -> str:
    return _babel_date(day, format="long", locale=_BABEL_LOCALE[lang or language()])
