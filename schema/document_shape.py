"""The shape of a GraphQL document, read from its raw text at C speed before it is parsed.

graphql-core parses in pure Python (about 12 µs a token) and its OverlappingFieldsCanBeMerged
validation rule compares every pair of selections that share a response name, so a 25 KB
document that repeats one selection 990 times costs ~50 ms to parse and seconds to validate.
This module tokenises the text with one compiled regular expression and walks the tokens once,
counting what those costs depend on: tokens, field selections (with fragments expanded),
selections per selection set and how often one response name repeats in a merged selection set
(inline fragments and fragment spreads merged in, as the validator merges them), fragment
definitions and spreads. A document over a limit is refused before the parser sees it.

For a syntactically valid document the counts are exact; for an invalid one they are whatever
the tokens say, and the parser that runs next reports the syntax error. The same pass yields a
cache key that ignores operation names, comments and layout (see `ShapeOfDocument.key`).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

# Every significant GraphQL token (spec §2.1): strings first, so braces inside them are text.
_TOKEN = re.compile(
    r'"""(?:[^"\\]++|\\"""|\\|"(?!""))*+"""'
    r'|"(?:[^"\\\n\r]++|\\.)*+"'
    r"|\.\.\."
    r"|[!$&():=@\[\]{|}]"
    r"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
    r"|[_A-Za-z][_0-9A-Za-z]*"
    r"|#[^\n\r]*"
)
_NAME_START = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_OPERATION_KEYWORDS = frozenset({"query", "mutation", "subscription"})


@dataclass(frozen=True)
class DocumentLimits:
    """What one document may ask for. The defaults leave ample room for real clients (the
    full introspection query GraphiQL sends is ~180 tokens and 229 fields; a node(id:) query
    with an inline fragment for each Node type repeats `id` once per type, 32 times today, so
    the repeat limit leaves room for twice as many types) and keep
    parse + validation of the worst accepted document to ~35 ms of CPU (bench/stall.py)."""

    max_length: int = 32 * 1024  # characters of document text
    max_tokens: int = 1000
    max_fields: int = 500  # field selections in the document, fragments expanded
    max_selections_per_set: int = 150  # in one selection set, fragments merged in
    max_repeated_selections: int = 64  # one response name in one merged selection set
    max_fragments: int = 50  # fragment definitions
    max_fragment_spreads: int = 200  # `...Name` occurrences


class TooComplex(Exception):
    """The document is over a limit; `message` says which, `extensions` give the numbers."""

    def __init__(self, message: str, **extensions) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


@dataclass
class _SelectionSet:
    owner: str | None  # fragment name, None inside an operation
    inline: bool  # an inline fragment: merged into its parent set when it closes
    count: int = 0
    names: Counter = field(default_factory=Counter)
    spreads: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ShapeOfDocument:
    tokens: int
    fields: int
    key: str  # same for documents that differ only in operation names, comments, layout


def tokenize(text: str) -> list[str]:
    tokens = _TOKEN.findall(text)
    if "#" in text:  # comments (or a '#' inside a string): drop the comment tokens
        tokens = [token for token in tokens if token[0] != "#"]
    return tokens


def measure(text: str, limits: DocumentLimits) -> ShapeOfDocument:
    """Count the document's tokens and selections; raise TooComplex at the first limit hit."""
    if len(text) > limits.max_length:
        raise TooComplex(
            f"The document is {len(text)} characters long; the limit is {limits.max_length}.",
            limit="length",
            maximum=limits.max_length,
        )
    tokens = tokenize(text)
    if len(tokens) > limits.max_tokens:
        raise TooComplex(
            f"The document has {len(tokens)} tokens; the limit is {limits.max_tokens}.",
            limit="tokens",
            maximum=limits.max_tokens,
        )
    walk = _Walk(tokens, limits)
    walk.run()
    return ShapeOfDocument(tokens=len(tokens), fields=walk.check(), key=walk.key())


class _Walk:
    """One pass over the tokens: a stack of open selection sets, the closed ones kept for the
    fragment arithmetic done at the end."""

    def __init__(self, tokens: list[str], limits: DocumentLimits) -> None:
        self.tokens, self.limits = tokens, limits
        self.closed: list[_SelectionSet] = []
        self.fragments: dict[str, _SelectionSet] = {}
        self.fields_by_owner: Counter = Counter()
        self.spreads_by_owner: dict[str | None, list[str]] = {}
        self.spreads = 0
        self.fields = 0
        self.operation_name_at: list[int] = []

    def run(self) -> None:
        tokens, n = self.tokens, len(self.tokens)
        stack: list[_SelectionSet] = []
        owner: str | None = None
        parens = 0
        pending_inline = False
        i = 0
        while i < n:
            token = tokens[i]
            if parens:  # arguments, variable definitions: values only, no selections
                parens += token == "("
                parens -= token == ")"
            elif token == "(":
                parens = 1
            elif token == "{":
                if stack:
                    stack.append(_SelectionSet(stack[-1].owner, inline=pending_inline))
                else:
                    opened = _SelectionSet(owner, inline=False)
                    if owner is not None and owner not in self.fragments:
                        self.fragments[owner] = opened
                    stack.append(opened)
                pending_inline = False
            elif token == "}":
                if stack:
                    self._close(stack.pop(), stack)
                if not stack:
                    owner = None
            elif not stack:  # document level: definitions and their headers
                if token == "fragment" and i + 1 < n:
                    owner = tokens[i + 1]
                    i += 2
                    continue
                if token in _OPERATION_KEYWORDS:
                    owner = None
                    if i + 1 < n and tokens[i + 1][0] in _NAME_START:
                        self.operation_name_at.append(i + 1)
                        i += 2
                        continue
            elif token == "...":
                following = tokens[i + 1] if i + 1 < n else "."
                if following == "on" and i + 2 < n and tokens[i + 2][0] in _NAME_START:
                    pending_inline = True
                    i += 3
                    continue
                if following[:1] in _NAME_START:
                    stack[-1].spreads.append(following)
                    self.spreads_by_owner.setdefault(stack[-1].owner, []).append(following)
                    self.spreads += 1
                    i += 2
                    continue
                pending_inline = True  # `... {` or `... @directive {`
            elif token == "@":
                i += 2  # the directive's name; its arguments open parentheses next
                continue
            elif token[0] in _NAME_START:
                # The alias, when there is one, is the response name. Counting as we go
                # refuses a flood at its first excess selection, not after reading it all.
                current = stack[-1]
                current.names[token] += 1
                current.count += 1
                if (
                    current.count > self.limits.max_selections_per_set
                    or current.names[token] > self.limits.max_repeated_selections
                ):
                    self._check_set(current.names)
                self.fields += 1
                if self.fields > self.limits.max_fields:
                    self._require(self.fields, self.limits.max_fields, "field selections")
                self.fields_by_owner[current.owner] += 1
                i += 3 if i + 1 < n and tokens[i + 1] == ":" else 1
                continue
            i += 1
        self._require(self.spreads, self.limits.max_fragment_spreads, "fragment spreads")
        self._require(len(self.fragments), self.limits.max_fragments, "fragment definitions")

    def _close(self, closing: _SelectionSet, stack: list[_SelectionSet]) -> None:
        if closing.inline and stack:
            stack[-1].names.update(closing.names)
            stack[-1].count += closing.count
            stack[-1].spreads.extend(closing.spreads)
            return
        self._check_set(closing.names)
        self.closed.append(closing)

    def _require(self, found: int, maximum: int, what: str, **extra) -> None:
        if found > maximum:
            raise TooComplex(
                f"The document has {found} {what}; the limit is {maximum}.",
                limit=what.replace(" ", "_"),
                maximum=maximum,
                **extra,
            )

    def _check_set(self, names: Counter) -> None:
        self._require(
            sum(names.values()),
            self.limits.max_selections_per_set,
            "selections in one selection set",
        )
        if names:
            name, repeats = names.most_common(1)[0]
            if repeats > self.limits.max_repeated_selections:
                raise TooComplex(
                    f"`{name}` is selected {repeats} times in one selection set; the limit is "
                    f"{self.limits.max_repeated_selections}.",
                    limit="repeated_selections",
                    maximum=self.limits.max_repeated_selections,
                )

    def check(self) -> int:
        """Merge fragments into the sets that spread them, then count fields expanded."""
        merged: dict[str, Counter] = {}

        def top_level(name: str, seen: frozenset) -> Counter:
            # A fragment's top-level selections with its own spreads merged in (distinct
            # fragments only: the validator compares a fragment with itself once).
            if name in merged:
                return merged[name]
            fragment = self.fragments.get(name)
            if fragment is None or name in seen:  # unknown or cyclic: validation reports it
                return Counter()
            names = Counter(fragment.names)
            for spread in dict.fromkeys(fragment.spreads):
                names.update(top_level(spread, seen | {name}))
                self._check_set(names)
            merged[name] = names
            return names

        for selection_set in self.closed:
            if selection_set.spreads:
                names = Counter(selection_set.names)
                for spread in dict.fromkeys(selection_set.spreads):
                    names.update(top_level(spread, frozenset()))
                    self._check_set(names)

        expanded: dict[str, int] = {}

        def size(owner: str | None, seen: frozenset) -> int:
            if owner is not None and owner in expanded:
                return expanded[owner]
            if owner is not None and (owner not in self.fragments or owner in seen):
                return 0
            total = self.fields_by_owner[owner]
            for spread in self.spreads_by_owner.get(owner, ()):
                total += size(spread, seen | {owner})
                if total > self.limits.max_fields:
                    break
            if owner is not None:
                expanded[owner] = total
            return total

        fields = size(None, frozenset())
        self._require(fields, self.limits.max_fields, "field selections (fragments expanded)")
        return fields

    def key(self) -> str:
        """A digest of the tokens with the i-th distinct operation name replaced by `#i`:
        validation does not depend on what the operations are called."""
        tokens = list(self.tokens)
        renamed: dict[str, str] = {}
        for at in self.operation_name_at:
            tokens[at] = renamed.setdefault(tokens[at], f"#{len(renamed)}")
        return hashlib.blake2b("\x00".join(tokens).encode(), digest_size=20).hexdigest()
