"""The compile policy: RestrictedPython's, with operators, f-strings and stars routed
through the guards."""

from __future__ import annotations

import ast

from RestrictedPython.transformer import RestrictingNodeTransformer


def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    return ast.fix_missing_locations(ast.copy_location(call, like))


class SizeGuardingPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, with the operations that can build a huge value in one step
    going through the size checks above: `a * b` becomes `_binop_('*', a, b)`, an f-string
    `_fstring_((..., _format_(value, conversion, spec), ...))` and `*value` in a display
    `*_starred_(value)`."""

    _GUARDED = {ast.Mult: "*", ast.Add: "+", ast.Mod: "%", ast.Pow: "**", ast.LShift: "<<"}

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        op = self._GUARDED.get(type(node.op))
        if op is None:
            return node
        return _call("_binop_", [ast.Constant(op), node.left, node.right], node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        node = self.node_contents_visit(node)  # nested format specs become calls first
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                spec = value.format_spec or ast.Constant("")
                args = [value.value, ast.Constant(value.conversion), spec]
                parts.append(_call("_format_", args, value))
            else:
                parts.append(value)
        return _call("_fstring_", [ast.Tuple(parts, ast.Load())], node)

    def visit_Starred(self, node: ast.Starred) -> ast.AST:
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = _call("_starred_", [node.value], node.value)
        return node
