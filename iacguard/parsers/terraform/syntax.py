"""Reading HCL text into blocks, attributes and expression nodes.

python-hcl2 supplies the grammar and the Lark parse tree (with positions);
this module turns that tree into the small node set of ``ast.py``.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Dict, List, Optional, Tuple

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from . import ast
from .ast import HCLFile
from .table_parser import TableParseFailed, TableParser

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_OPERATORS = {"==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&&", "||"}


class HCLSyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=1)
def parser() -> Lark:
    """python-hcl2's grammar and post-lexer, built once per process.

    Unlike python-hcl2's own parser this one does not propagate positions to
    every tree node (40% of the parsing time): every token keeps its line, and
    a node's lines are those of its first and last token.
    """
    import hcl2
    from hcl2.postlexer import PostLexer

    from .grammar_cache import lalr_parser

    with open(os.path.join(os.path.dirname(hcl2.__file__), "hcl2.lark"), encoding="utf-8") as handle:
        return lalr_parser(handle.read(), PostLexer())


@lru_cache(maxsize=1)
def table_parser() -> Optional[TableParser]:
    """The fast driver over ``parser()``'s tables, or None when this Lark's
    insides are not what the driver reads (then Lark parses alone)."""
    from hcl2.postlexer import OPERATOR_TYPES

    try:
        return TableParser(parser(), OPERATOR_TYPES)
    except (AttributeError, KeyError, TypeError, TableParseFailed):
        return None


def _parse_tree(text: str) -> Tree:
    """python-hcl2's parse tree of ``text``, from the table driver; when it
    gives up, from Lark, which raises the error we report."""
    driver = table_parser()
    if driver is not None:
        try:
            return driver.parse(text)
        except Exception:  # whatever stopped the driver, Lark has the last word
            pass
    return parser().parse(text)


# What one .tf file may hold before it is parsed at all (HCLSyntaxError, so
# IACG-000 on the line where the limit is passed). Reading costs about 9 us a
# token, so a five-million-element list would take most of a minute; and the patterns
# for quoted strings, heredocs and /* comments keep some 200 bytes per
# character of one token, so a 10 MB string would need 2 GB.
MAX_HCL_TOKENS = 200_000         # words and punctuation marks: about 2 s of reading
MAX_HCL_TOKEN_CHARS = 1_000_000  # one string, heredoc or comment: about 200 MB


def parse_hcl(text: str, file: str = "") -> HCLFile:
    """Parse HCL text; raise HCLSyntaxError with the line of the problem
    (also for a file beyond MAX_HCL_TOKENS or MAX_HCL_TOKEN_CHARS)."""
    check_size(text)
    try:
        tree = _parse_tree(text + "\n")
    except UnexpectedInput as exc:
        line = getattr(exc, "line", 1) or 1
        raise HCLSyntaxError(_describe(exc), line if line > 0 else 1) from None
    except LarkError as exc:
        raise HCLSyntaxError(str(exc).splitlines()[0], 1) from None
    except RecursionError:
        raise HCLSyntaxError("nesting too deep to parse", 1) from None
    reader = _Reader(file)
    result = HCLFile()
    body = tree.children[0]
    reader.read_body(body, result.attributes, result.blocks)
    result.comments = reader.comments
    return result


# A word (name or number) or any other visible character: at least as many
# as Lark's tokens, except inside strings, heredocs and comments.
_TOKENISH = re.compile(r"[A-Za-z0-9_]+|\S")
# Where a long token may start, in code and inside a quoted string.
_CODE_EVENT = re.compile(r'"|#|//|/\*|<<-?(?=[A-Za-z])|\\"|\{|\}')
_STRING_EVENT = re.compile(r'["\\]|\$\$\{|%%\{|\$\{|%\{')
_HEREDOC_START = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n")


def check_size(text: str) -> None:
    """HCLSyntaxError for a file Lark would take too long or too much memory
    to read (MAX_HCL_TOKENS, MAX_HCL_TOKEN_CHARS). Each count is made only
    for a text long enough to pass its limit, so ordinary files pay nothing."""
    if len(text) > MAX_HCL_TOKENS:
        for count, match in enumerate(_TOKENISH.finditer(text)):
            if count >= MAX_HCL_TOKENS:
                raise HCLSyntaxError(f"more than {MAX_HCL_TOKENS:,} tokens in one file; not parsed",
                                     _line_at(text, match.start()))
    if len(text) > MAX_HCL_TOKEN_CHARS:
        start = _longest_token(text)
        if start >= 0:
            raise HCLSyntaxError(f"a string, heredoc or comment longer than {MAX_HCL_TOKEN_CHARS:,} "
                                 "characters; not parsed", _line_at(text, start))


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _longest_token(text: str) -> int:
    """Where a string part, heredoc or block comment longer than
    MAX_HCL_TOKEN_CHARS starts, or -1. A small lexer that only follows what
    can make a long token: quoted strings (with ${ } inside), heredocs,
    comments. It runs after the token count, so it meets at most
    MAX_HCL_TOKENS marks; an unterminated token runs to the end."""
    limit, end = MAX_HCL_TOKEN_CHARS, len(text)
    depths: List[int] = []  # open braces of each interpolation we are in
    pos = 0
    while pos < end:
        m = _CODE_EVENT.search(text, pos)
        if m is None:
            return -1
        mark, pos = m.group(), m.end()
        if mark == "{":
            if depths:
                depths[-1] += 1
            continue
        if mark == "}":
            if depths:
                depths[-1] -= 1
                if depths[-1] == 0:  # back in the string the interpolation is in
                    depths.pop()
                    pos, long_at = _string(text, pos, pos)
                    if long_at >= 0:
                        return long_at
                    if pos < 0:  # the next interpolation of the same string
                        pos = -pos
                        depths.append(1)
            continue
        if mark in ("#", "//"):
            newline = text.find("\n", pos)
            pos = end if newline < 0 else newline + 1
            continue
        if mark == "/*" or mark == '\\"' or mark.startswith("<<"):  # one token to its closing mark
            stop = _closed_token_end(text, m)
            if stop is None:
                continue
            if stop - m.start() > limit:
                return m.start()
            pos = stop
            continue
        # '"': a quoted string, in parts between its interpolations
        pos, long_at = _string(text, pos, m.start())
        if long_at >= 0:
            return long_at
        if pos < 0:  # an interpolation opened: code until its closing brace
            pos = -pos
            depths.append(1)
    return -1


# A block comment, and a template string written with escaped quotes.
_CLOSING_MARKS = {"/*": "*/", '\\"': '\\"'}


def _closed_token_end(text: str, mark: re.Match) -> Optional[int]:
    """Where a block comment, an escaped-quote string or a heredoc that
    starts at ``mark`` ends (the end of the text when it is not closed);
    None when ``<<`` does not start a heredoc."""
    closing = _CLOSING_MARKS.get(mark.group())
    if closing is not None:
        close = text.find(closing, mark.end())
        return len(text) if close < 0 else close + len(closing)
    head = _HEREDOC_START.match(text, mark.start())
    if head is None:
        return None
    found = re.compile(r"^[ \t]*" + re.escape(head.group(1)) + r"\r?$", re.M).search(text, head.end())
    return len(text) if found is None else found.end()


def _string(text: str, pos: int, part_start: int) -> Tuple[int, int]:
    """Follow a quoted string from ``pos``: (where to go on, or minus where
    an interpolation starts; where an over-long part starts, or -1)."""
    limit = MAX_HCL_TOKEN_CHARS
    while True:
        m = _STRING_EVENT.search(text, pos)
        stop = len(text) if m is None else m.start()
        if stop - part_start > limit:
            return stop, part_start
        if m is None:
            return len(text), -1
        mark = m.group()
        if mark == "\\":
            pos = m.start() + 2
            continue
        if mark == '"':
            return m.end(), -1
        if mark in ("$${", "%%{"):  # escaped: literal text
            pos = m.end()
            continue
        return -m.end(), -1  # ${ or %{


# The grammar's terminal names, as a reader says them.
_PUNCTUATION = MappingProxyType({
    "RBRACE": "'}'", "LBRACE": "'{'", "RSQB": "']'", "LSQB": "'['", "RPAR": "')'", "LPAR": "'('",
    "COMMA": "','", "EQ": "'='", "COLON": "':'", "QMARK": "'?'", "DOT": "'.'", "DBLQUOTE": "'\"'",
    "NL_OR_COMMENT": "a line break", "$END": "the end of the file",
})
# Terminals that can start a value: when these are expected, a value is.
_VALUE_STARTS = frozenset({"DBLQUOTE", "INT_LITERAL", "NAME", "LSQB"})


def _describe(exc: UnexpectedInput) -> str:
    """What the parser expected and what it found, in words:
    ``expected a value (a string, number, reference, list or object), found '}'``."""
    token = getattr(exc, "token", None)
    if token is not None:
        kind = getattr(token, "type", "")
        text = str(token).strip()
        found = _PUNCTUATION.get(kind) if kind in ("$END", "NL_OR_COMMENT") or not text else None
        found = found or repr(text.split("\n", 1)[0][:40])
        expected = set(getattr(exc, "expected", None) or ())
        if _VALUE_STARTS <= expected:
            wanted = "a value (a string, number, reference, list or object)"
        else:
            words = sorted(_PUNCTUATION.get(e, e.lower().replace("_", " ")) for e in expected
                           if e != "NL_OR_COMMENT" or len(expected) == 1)
            wanted = " or ".join(words) if 0 < len(words) <= 4 else ""
        hint = " (a block or a string is not closed)" if kind == "$END" else ""
        return f"expected {wanted}, found {found}{hint}" if wanted else f"unexpected {found}{hint}"
    char = getattr(exc, "char", None)
    if char is not None:
        return f"unexpected character {char!r}"
    return "syntax error"


def unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def repl(m: re.Match) -> str:
        seq = m.group(1)
        if seq[0] in "uU" and len(seq) > 1:
            try:
                return chr(int(seq[1:], 16))
            except ValueError:
                return m.group(0)
        return _SIMPLE_ESCAPES.get(seq, m.group(0))

    return _ESCAPE.sub(repl, text)


def _line(node: Any, default: int) -> int:
    """Line of the first token under ``node``."""
    while isinstance(node, Tree):
        if not node.children:
            return default
        node = node.children[0]
    return getattr(node, "line", None) or default


def _end_line(node: Any, default: int) -> int:
    """Line where the last token under ``node`` ends."""
    while isinstance(node, Tree):
        if not node.children:
            return default
        node = node.children[-1]
    return getattr(node, "end_line", None) or default


def _trees(node: Tree) -> List[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


class _Reader:
    def __init__(self, file: str, line_offset: int = 0) -> None:
        self.file = file
        self.offset = line_offset
        self.comments: Dict[int, str] = {}

    def _ln(self, node: Any, default: int = 1) -> int:
        return _line(node, default) + self.offset

    # -- structure ---------------------------------------------------------
    def read_body(self, body: Tree, attrs: List[ast.Attribute], blocks: List[ast.Block]) -> None:
        for child in body.children:
            if not isinstance(child, Tree):
                continue
            if child.data == "attribute":
                attrs.append(self._attribute(child))
            elif child.data == "block":
                blocks.append(self._block(child))
            elif child.data == "new_line_or_comment":
                self._collect_comments(child)

    def _collect_comments(self, node: Tree) -> None:
        for tok in node.children:
            if isinstance(tok, Token):
                text = str(tok).strip()
                if text.startswith(("#", "//", "/*")):
                    line = (tok.line or 1) + self.offset
                    self.comments[line] = self.comments.get(line, "") + text

    def _name(self, node: Any) -> str:
        if isinstance(node, Token):
            return str(node)
        if node.data == "string":
            return "".join(unescape(str(p.children[0])) for p in node.children
                           if isinstance(p, Tree) and p.children and isinstance(p.children[0], Token))
        return str(node.children[0])

    def _attribute(self, node: Tree) -> ast.Attribute:
        name = self._name(node.children[0])
        expr_node = node.children[-1]
        line = self._ln(node)
        return ast.Attribute(name, self.expr(expr_node), line, _end_line(node, line) + self.offset)

    def _block(self, node: Tree) -> ast.Block:
        names: List[str] = []
        body: Optional[Tree] = None
        for child in node.children:
            if isinstance(child, Tree):
                if child.data == "body":
                    body = child
                elif child.data == "new_line_or_comment":
                    self._collect_comments(child)
                else:
                    names.append(self._name(child))
        line = self._ln(node)
        block = ast.Block(names[0], tuple(names[1:]), line=line,
                          end_line=_end_line(node, line) + self.offset, file=self.file)
        if body is not None:
            self.read_body(body, block.attributes, block.blocks)
        return block

    # -- expressions -------------------------------------------------------
    def expr(self, node: Any) -> ast.Expr:
        line = self._ln(node)
        if isinstance(node, Token):
            return ast.Unparsed(str(node), line)
        handler = getattr(self, "_x_" + node.data, None)
        if handler is None:
            return ast.Unparsed(node.data, line)
        return handler(node, line)

    def _x_expr_term(self, node: Tree, line: int) -> ast.Expr:
        inner = _trees(node)
        if len(inner) == 1:
            return self.expr(inner[0])
        return ast.Unparsed("expr_term", line)

    def _x_identifier(self, node: Tree, line: int) -> ast.Expr:
        return ast.Traversal(str(node.children[0]), (), line)

    def _x_keyword(self, node: Tree, line: int) -> ast.Expr:
        return ast.Traversal(str(node.children[0]), (), line)

    def _x_literal_value(self, node: Tree, line: int) -> ast.Expr:
        word = str(node.children[0])
        return ast.Literal({"true": True, "false": False, "null": None}[word], line)

    def _x_int_lit(self, node: Tree, line: int) -> ast.Expr:
        text = str(node.children[0])
        try:
            return ast.Literal(int(text), line)
        except ValueError:  # more digits than Python converts: a number all the same
            return ast.Literal(float(text), line)

    def _x_float_lit(self, node: Tree, line: int) -> ast.Expr:
        return ast.Literal(float(str(node.children[0])), line)

    def _x_string(self, node: Tree, line: int) -> ast.Expr:
        parts: List[Any] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            inner = part.children[0]
            if isinstance(inner, Token):
                text = str(inner)
                if inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    parts.append(text[1:])
                else:
                    parts.append(unescape(text))
            elif inner.data == "interpolation":
                parts.append(self.expr(_trees(inner)[0]))
            else:
                parts.append(self._directive(inner))
        return _template(parts, line)

    def _directive(self, node: Tree) -> ast.Directive:
        kind = node.data.replace("template_", "").replace("_start", "")
        exprs = [c for c in _trees(node) if c.data != "identifier"]
        names = tuple(str(c.children[0]) for c in _trees(node) if c.data == "identifier")
        return ast.Directive(kind, self.expr(exprs[0]) if exprs else None, names)

    def _x_template_string(self, node: Tree, line: int) -> ast.Expr:
        text = str(node.children[0])
        return ast.Literal(unescape(text[2:-2]), line)

    def _x_heredoc_template(self, node: Tree, line: int) -> ast.Expr:
        return self._heredoc(str(node.children[0]), line, trim=False)

    def _x_heredoc_template_trim(self, node: Tree, line: int) -> ast.Expr:
        return self._heredoc(str(node.children[0]), line, trim=True)

    def _heredoc(self, raw: str, line: int, trim: bool) -> ast.Expr:
        lines = raw.split("\n")
        # First line is <<MARKER, last non-empty line is the closing marker.
        body_lines = lines[1:-2] if lines[-1] == "" else lines[1:-1]
        if trim:
            indents = [len(row) - len(row.lstrip(" \t")) for row in body_lines if row.strip()]
            cut = min(indents) if indents else 0
            body_lines = [row[cut:] for row in body_lines]
        text = "\n".join(body_lines) + ("\n" if body_lines else "")
        return parse_template(text, line + 1, self.file)

    def _x_tuple(self, node: Tree, line: int) -> ast.Expr:
        return ast.TupleExpr(tuple(self.expr(c) for c in _trees(node)), line)

    def _x_object(self, node: Tree, line: int) -> ast.Expr:
        items = []
        for elem in _trees(node):
            key_node, value_node = _trees(elem)[0], _trees(elem)[-1]
            key = self._object_key(key_node)
            items.append((key, self.expr(value_node), self._ln(elem)))
        return ast.ObjectExpr(tuple(items), line)

    def _object_key(self, node: Tree) -> ast.Expr:
        inner = _trees(node)
        line = self._ln(node)
        if not inner:
            return ast.Literal(str(node.children[0].children[0]) if isinstance(node.children[0], Tree)
                               else str(node.children[0]), line)
        target = inner[0]
        if target.data == "keyword":
            return ast.Literal(str(target.children[0]), line)
        key = self.expr(target)
        # A bare name as an object key is the literal name, not a reference.
        if isinstance(key, ast.Traversal) and key.source is None and not key.steps:
            if target.data == "expr_term" and any(
                isinstance(c, Token) and c.type == "LPAR" for c in target.children
            ):
                return key
            return ast.Literal(key.root, line)
        return key

    def _x_function_call(self, node: Tree, line: int) -> ast.Expr:
        ids = [str(c.children[0]) for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
        name = "::".join(ids)
        args: Tuple[ast.Expr, ...] = ()
        expand = False
        for child in node.children:
            if isinstance(child, Tree) and child.data == "arguments":
                args = tuple(self.expr(c) for c in _trees(child))
                expand = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in child.children)
        return ast.Call(name, args, line, expand)

    def _traversal(self, base_node: Tree, steps: List[ast.Step], line: int) -> ast.Expr:
        base = self.expr(base_node)
        if isinstance(base, ast.Traversal):
            return ast.Traversal(base.root, base.steps + tuple(steps), base.line, base.source)
        return ast.Traversal("", tuple(steps), line, base)

    def _step(self, node: Tree) -> List[ast.Step]:
        if node.data == "get_attr":
            return [ast.GetAttr(self._name(_trees(node)[0]))]
        if node.data == "braces_index":
            return [ast.Index(self.expr(_trees(node)[0]))]
        if node.data == "short_index":
            return [ast.Index(ast.Literal(int(str(node.children[-1])), self._ln(node)))]
        if node.data in ("attr_splat", "full_splat"):
            steps: List[ast.Step] = [ast.Splat(full=node.data == "full_splat")]
            for child in _trees(node):
                steps.extend(self._step(child))
            return steps
        return []

    def _x_get_attr_expr_term(self, node: Tree, line: int) -> ast.Expr:
        base, step = _trees(node)
        return self._traversal(base, self._step(step), line)

    _x_index_expr_term = _x_get_attr_expr_term
    _x_attr_splat_expr_term = _x_get_attr_expr_term
    _x_full_splat_expr_term = _x_get_attr_expr_term

    def _x_conditional(self, node: Tree, line: int) -> ast.Expr:
        cond, true, false = _trees(node)
        return ast.Conditional(self.expr(cond), self.expr(true), self.expr(false), line)

    def _x_binary_op(self, node: Tree, line: int) -> ast.Expr:
        left, term = _trees(node)[:2]
        op_node, right = _trees(term)[:2]
        op = str(op_node.children[0]).strip()
        if op not in _OPERATORS:
            return ast.Unparsed(op, line)
        return ast.BinaryOp(op, self.expr(left), self.expr(right), line)

    def _x_unary_op(self, node: Tree, line: int) -> ast.Expr:
        op = str(node.children[0])
        return ast.UnaryOp(op, self.expr(_trees(node)[0]), line)

    def _for_intro(self, node: Tree) -> Tuple[Optional[str], str, ast.Expr]:
        trees = _trees(node)
        names = [str(t.children[0]) for t in trees if t.data == "identifier"]
        collection = [t for t in trees if t.data != "identifier"][0]
        if len(names) == 2:
            return names[0], names[1], self.expr(collection)
        return None, names[0], self.expr(collection)

    def _x_for_tuple_expr(self, node: Tree, line: int) -> ast.Expr:
        trees = _trees(node)
        key_var, value_var, collection = self._for_intro(trees[0])
        cond = next((t for t in trees if t.data == "for_cond"), None)
        return ast.ForExpr(key_var, value_var, collection, self.expr(trees[1]), line,
                           condition=self.expr(_trees(cond)[0]) if cond is not None else None)

    def _x_for_object_expr(self, node: Tree, line: int) -> ast.Expr:
        trees = _trees(node)
        key_var, value_var, collection = self._for_intro(trees[0])
        cond = next((t for t in trees if t.data == "for_cond"), None)
        group = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        return ast.ForExpr(key_var, value_var, collection, self.expr(trees[2]), line,
                           key=self.expr(trees[1]),
                           condition=self.expr(_trees(cond)[0]) if cond is not None else None,
                           group=group)


def _template(parts: List[Any], line: int) -> ast.Expr:
    """A plain string is a Literal; a lone interpolation is its expression
    (Terraform keeps the value's type for "${x}")."""
    merged: List[Any] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if not merged:
        return ast.Literal("", line)
    if len(merged) == 1 and isinstance(merged[0], str):
        return ast.Literal(merged[0], line)
    if len(merged) == 1 and not isinstance(merged[0], (str, ast.Directive)):
        return merged[0]
    return ast.Template(tuple(merged), line)


def _matching_brace(text: str, start: int) -> int:
    """Index of the '}' closing the interpolation opened just before start."""
    depth = 1
    i = start
    in_string = False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


_DIRECTIVE = re.compile(
    r"^\s*~?\s*(?:(if)\s+(.*?)|(else)|(endif)|(for)\s+([A-Za-z_][\w-]*)\s*(?:,\s*([A-Za-z_][\w-]*))?\s+in\s+(.*?)|(endfor))\s*~?\s*$",
    re.DOTALL,
)


_TEMPLATE_OPEN = re.compile(r"\$\$\{|%%\{|\$\{|%\{")


def parse_expression(text: str, line: int = 1, file: str = "") -> ast.Expr:
    """Parse one HCL expression, e.g. the inside of ``${...}``."""
    try:
        check_size(text)  # an interpolation in a .tf.json or a template file
        tree = _parse_tree(f"x = {text}\n")
    except (HCLSyntaxError, LarkError, RecursionError):
        return ast.Unparsed(text, line)
    reader = _Reader(file, line - 1)
    attrs: List[ast.Attribute] = []
    reader.read_body(tree.children[0], attrs, [])
    if len(attrs) != 1:
        return ast.Unparsed(text, line)
    return attrs[0].expr


def parse_template(text: str, line: int = 1, file: str = "") -> ast.Expr:
    """Split template text (a heredoc body, a JSON-syntax string) into literal
    text, interpolations and directives."""
    parts: List[Any] = []
    pos = 0
    literal_start = 0
    while True:
        m = _TEMPLATE_OPEN.search(text, pos)
        if m is None:
            break
        opener = m.group()
        if len(opener) == 3:
            # $${ and %%{ are escapes for a literal ${ and %{
            parts.append(text[literal_start:m.start()] + opener[1:])
            pos = literal_start = m.end()
            continue
        end = _matching_brace(text, m.end())
        if end == -1:
            break
        parts.append(text[literal_start:m.start()])
        inner = text[m.end():end]
        inner_line = line + text.count("\n", 0, m.start())
        if opener[0] == "$":
            parts.append(parse_expression(inner.strip().strip("~"), inner_line, file))
        else:
            parts.append(_parse_directive(inner, inner_line, file))
        pos = literal_start = end + 1
    parts.append(text[literal_start:])
    return _template(parts, line)


def _parse_directive(inner: str, line: int, file: str) -> Any:
    m = _DIRECTIVE.match(inner)
    if m is None:
        return ast.Directive("invalid")
    if m.group(1):
        return ast.Directive("if", parse_expression(m.group(2), line, file))
    if m.group(3):
        return ast.Directive("else")
    if m.group(4):
        return ast.Directive("endif")
    if m.group(5):
        names = tuple(n for n in (m.group(6), m.group(7)) if n)
        return ast.Directive("for", parse_expression(m.group(8), line, file), names)
    return ast.Directive("endfor")
