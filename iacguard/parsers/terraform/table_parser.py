"""python-hcl2's grammar, run from Lark's own tables with less overhead per token.

Lark's LALR loop spends most of an HCL parse on bookkeeping: a generator per
pass, a method call per token, and a callback per reduction, although most
reductions in the expression grammar only pass their single child up a chain
of precedence rules (``?expression -> ?conditional -> ... -> ?expr_term``).
This driver reads the same parse table, contextual lexer patterns, keyword
callbacks and tree-builder callbacks that ``Lark`` built from python-hcl2's
grammar, merges newlines into operators as python-hcl2's post-lexer does, and
takes a chain of pass-through reductions in one step (remembered per parser
state and lookahead). It yields the very tree Lark yields: the tests compare
the two on every fixture and corpus file.

It only handles text that parses: on anything unexpected it gives up
(``TableParseFailed``) and the caller asks Lark, whose error messages and
positions are the ones we report.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from lark import Lark, Token
from lark.parsers.lalr_analysis import Shift

NEWLINE_OR_COMMENT = "NL_OR_COMMENT"
END = "$END"


class TableParseFailed(Exception):
    """The text does not parse (or not in a way this driver follows)."""


# A state's lexer: its compiled patterns, the terminals it skips, and the
# callbacks that turn a name into a keyword.
Scanner = Tuple[tuple, frozenset, dict]

# What a reduction needs: the number of children, the tree-builder callback,
# the rule's name (for the goto) and whether it hands its one child up as is.
Reduction = Tuple[int, Any, str, bool]


class TableParser:
    def __init__(self, lark: Lark, operator_types: frozenset) -> None:
        frontend = lark.parser
        table = frontend.parser.parser.parse_table
        callbacks = frontend.parser.parser.callbacks
        if any(isinstance(key, str) for key in callbacks):
            raise TableParseFailed("token callbacks are not supported")
        self._start = table.start_states["start"]
        self._end = table.end_states["start"]
        self._operator_types = operator_types
        # The contextual lexer of each parser state. Its patterns are
        # compiled on first use, as Lark does: a small file meets a few dozen
        # of the hundred-odd, and compiling them all costs 0.1 s.
        self._state_lexers = frontend.lexer.lexer.lexers
        self._lexers: Dict[int, Scanner] = {}
        through: Dict[Any, bool] = {}
        self._actions: Dict[Any, Dict[str, Any]] = {}
        for state, row in table.states.items():
            actions: Dict[str, Any] = {}
            for terminal, (action, arg) in row.items():
                if action is Shift:
                    actions[terminal] = arg
                    continue
                if arg not in through:
                    through[arg] = len(arg.expansion) == 1 and _passes_child_up(callbacks[arg])
                actions[terminal] = (len(arg.expansion), callbacks[arg], arg.origin.name, through[arg])
            self._actions[state] = actions
        if any(type(state) is not int for state in self._actions):
            raise TableParseFailed("parse table states are not numbered")
        # (state below, state on top, lookahead) -> the state a chain of
        # pass-through reductions ends in.
        self._chains: Dict[Tuple[int, int, str], int] = {}

    def parse(self, text: str) -> Any:
        actions, chains = self._actions, self._chains
        states: List[int] = [self._start]
        values: List[Any] = []

        def feed(token: Token) -> None:
            kind = token.type
            while True:
                top = states[-1]
                action = actions[top].get(kind)
                if action is None:
                    raise TableParseFailed(f"unexpected {kind}")
                if action.__class__ is int:
                    states.append(action)
                    values.append(token)
                    return
                size, callback, origin, passes_up = action
                if passes_up:
                    below = states[-2]
                    target = chains.get((below, top, kind))
                    if target is None:
                        target = self._chain(below, origin, kind)
                        chains[(below, top, kind)] = target
                    states[-1] = target
                    continue
                if size:
                    children = values[-size:]
                    del states[-size:]
                    del values[-size:]
                else:
                    children = []
                values.append(callback(children))
                states.append(actions[states[-1]][origin])

        last: Optional[Token] = None
        pending: Optional[Token] = None
        for token in self._tokens(text, states):
            if token.type == NEWLINE_OR_COMMENT:
                if pending is not None:
                    feed(pending)
                pending = last = token
                continue
            if pending is not None:
                if token.type in self._operator_types:
                    token = token.update(value=str(pending) + str(token))
                else:
                    feed(pending)
                pending = None
            feed(token)
            last = token
        if pending is not None:
            feed(pending)
        return self._finish(states, values, Token.new_borrow_pos(END, "", last) if last else Token(END, "", 0, 1, 1))

    def _chain(self, below: int, origin: str, kind: str) -> int:
        target = self._actions[below][origin]
        while True:
            following = self._actions[target].get(kind)
            if following is None or following.__class__ is int or not following[3]:
                return target
            target = self._actions[below][following[2]]

    def _finish(self, states: List[int], values: List[Any], end: Token) -> Any:
        while True:
            action = self._actions[states[-1]].get(END)
            if action is None or action.__class__ is int:
                raise TableParseFailed("unexpected end of input")
            size, callback, origin, _ = action
            children = values[-size:] if size else []
            if size:
                del states[-size:]
                del values[-size:]
            values.append(callback(children))
            states.append(self._actions[states[-1]][origin])
            if states[-1] == self._end:
                return values[-1]

    def _tokens(self, text: str, states: List[int]):
        """Lark's contextual lexer: the patterns of the state on top of the
        stack when the token is read (python-hcl2's post-lexer reads one
        token ahead past a newline, and so do we)."""
        lexers, new_str = self._lexers, str.__new__
        position, end_of_text, line, line_start = 0, len(text), 1, 0
        while position < end_of_text:
            lexer = lexers.get(states[-1])
            if lexer is None:
                lexer = lexers[states[-1]] = self._scanner(states[-1])
            patterns, ignore, callbacks = lexer
            for pattern in patterns:
                match = pattern.match(text, position)
                if match is not None:
                    break
            else:
                raise TableParseFailed(f"unexpected character at {position}")
            value, kind, end = match.group(0), match.lastgroup, match.end()
            newlines = value.count("\n")
            end_line = line + newlines
            end_line_start = position + value.rindex("\n") + 1 if newlines else line_start
            if kind not in ignore:
                token = new_str(Token, value)
                token.type, token.value, token.start_pos, token.end_pos = kind, value, position, end
                token.line, token.column = line, position - line_start + 1
                token.end_line, token.end_column = end_line, end - end_line_start + 1
                if kind in callbacks:
                    token = callbacks[kind](token)
                yield token
            position, line, line_start = end, end_line, end_line_start


    def _scanner(self, state: int) -> Scanner:
        lexer = self._state_lexers[state]
        patterns = tuple(lexer.scanner._mres)  # compiles; also sets lexer.callback
        return patterns, frozenset(lexer.ignore_types), dict(lexer.callback)


_PROBE = object()


def _passes_child_up(callback: Any) -> bool:
    """Whether a one-child rule's tree-builder callback returns that child
    itself (a ``?rule`` with one child kept): such a reduction changes the
    state but not the value."""
    try:
        return callback([_PROBE]) is _PROBE
    except Exception:  # the callback looks into its child: it builds something
        return False
