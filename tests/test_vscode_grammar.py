"""The VS Code extension (editors/vscode) against the language itself.

Every spec in specs/, and a fixture that uses every construct of the language, is tokenized with the
extension's TextMate grammar by the engine VS Code runs (vscode-textmate on vscode-oniguruma, driven by
editors/vscode/test/tokenize.js), and parsed with spec/grammar.lark. Every reserved word the parser sees
must carry a keyword, storage or constant scope of its role; so must the contextual words (`on timeout`,
`on start`, `on recover`) and, inside model blocks, the model keys and settings; every comment must be
scoped as a comment and no code as one; declared names, built-in functions, types and numbers get their
scopes too. The indentation rules of language-configuration.json are checked line by line against the
braces the parser sees. The client code runs under Node with a stand-in `vscode` (editors/vscode/test/
client.js), the .vsix is built, and, where this checkout has `faultline lsp`, the extension's way of starting
the server is used for a real LSP handshake.

The Node packages come from editors/vscode/package-lock.json: when node_modules is missing or out of date,
the tests run `npm ci` there first (some seconds). They are skipped, saying why, only when Node.js or npm
is not installed or `npm ci` cannot run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lark import Lark, Token, Tree

from spec import instantiate, load_file, model_names
from spec.check import CLOCK_SETTINGS, FAULT_KINDS, MODEL_KEYS, NETWORK_BUDGETS, ORDERINGS, TIMINGS
from spec.parser import GRAMMAR, keywords

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "editors" / "vscode"
FIXTURE = EXTENSION / "test" / "fixtures" / "every_construct.fl"
SPEC_FILES = [*sorted((ROOT / "specs").glob("*.fl")), FIXTURE]
SCOPE_NAME = "source.faultline"

# The scope (a prefix of it, up to a dot) each reserved word must get, by its role.
KEYWORD_ROLES: dict[str, str] = {
    **dict.fromkeys(
        ["spec", "const", "enum", "message", "node", "def", "invariant", "liveness", "model", "var", "let"],
        "storage.type",
    ),
    **dict.fromkeys(["signed", "symmetric", "durable", "ghost", "fair", "unfair"], "storage.modifier"),
    **dict.fromkeys(["on", "from", "when", "action", "by"], "keyword.other.handler"),
    **dict.fromkeys(["if", "then", "else", "for", "choose", "skip", "reject", "assert"], "keyword.control"),
    **dict.fromkeys(["send", "broadcast", "relay", "to"], "keyword.other.message"),
    **dict.fromkeys(["set", "after", "cancel"], "keyword.other.timer"),
    **dict.fromkeys(["and", "or", "not", "implies", "in"], "keyword.operator.word"),
    **dict.fromkeys(["all", "any", "count"], "keyword.operator.word.quantifier"),
    **dict.fromkeys(["eventually", "always", "leads_to"], "keyword.operator.word.temporal"),
    "of": "keyword.other.of",
    "expect": "keyword.other.expect",
    **dict.fromkeys(["true", "false", "none"], "constant.language"),
    # clock readings, and the node's own identity
    **dict.fromkeys(["clock", "mono", "tt", "now", "self"], "constant.language"),
}
# Contextual words: names in the grammar, keywords right after `on`.
HANDLER_WORDS = {"timeout", "start", "recover"}
BUILTIN_FUNCTIONS = {"min", "max", "len", "keys", "crashed", "inflight", "byzantine", "index", "old"}
MODEL_ITEM_KEYS = set(MODEL_KEYS) - {"const"}
MODEL_SETTINGS = {
    *TIMINGS,
    *ORDERINGS,
    *NETWORK_BUDGETS,
    *FAULT_KINDS,
    *CLOCK_SETTINGS,
    "delay",
    "gst",
    "asymmetric",
}
# Scopes for names, by the grammar rule that declares or uses them.
DECLARED_NAME = {
    "spec_header": "entity.name.namespace",
    "const_decl": "variable.other.constant",
    "model_const": "variable.other.constant",
    "message_decl": "entity.name.type.message",
    "field_decl": "variable.other.property",
    "node_decl": "entity.name.type.node",
    "var_decl": "variable.other.declaration",
    "invariant_decl": "entity.name.function.invariant",
    "def_decl": "entity.name.function.definition",
    "liveness_decl": "entity.name.function.liveness",
    "model_decl": "entity.name.type.model",
    "action_decl": "entity.name.function.action",
    "set_timer_stmt": "entity.name.function.timer",
    "cancel_timer_stmt": "entity.name.function.timer",
    "let_stmt": "variable.other.declaration",
    "assert_stmt": "entity.name.function.assertion",
    "from_clause": "variable.parameter",
    "param_list": "variable.parameter",
    "truetime_expr": "constant.language.clock.truetime",
}
KEYWORDISH = ("keyword.", "storage.", "constant.")


# ------------------------------------------------------------------ Node.js and the extension's packages


def _run(args: list[str], timeout: float, cwd: Path = EXTENSION) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def _installed_matches_lock() -> bool:
    """node_modules holds exactly what package-lock.json says (npm's own record of the tree it installed)."""
    hidden = EXTENSION / "node_modules" / ".package-lock.json"
    if not hidden.exists():
        return False
    locked = json.loads((EXTENSION / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    installed = json.loads(hidden.read_text(encoding="utf-8"))["packages"]
    versions = {path: entry.get("version") for path, entry in locked.items() if path}
    return all(
        (path in installed and installed[path].get("version") == version)
        # an optional package that npm skipped on this platform
        or (path not in installed and locked[path].get("optional", False))
        for path, version in versions.items()
    )


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, with the extension's packages installed from its lock file."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the VS Code extension's tests need `node` (and npm) on PATH")
    if not _installed_matches_lock():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("editors/vscode/node_modules is missing and npm is not installed to run `npm ci`")
        try:
            result = _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], timeout=240)
        except subprocess.TimeoutExpired:
            pytest.skip(
                "`npm ci` in editors/vscode did not finish within 240 s (is the npm registry reachable?)"
            )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-8:])
            pytest.skip(f"`npm ci` in editors/vscode failed (exit {result.returncode}):\n{tail}")
        assert _installed_matches_lock(), (
            "`npm ci` succeeded but node_modules does not match package-lock.json"
        )
    return node


def _node_json(node: str, script: str, *args: str, timeout: float = 60, cwd: Path = EXTENSION) -> Any:
    result = _run([node, str(EXTENSION / "test" / script), *args], timeout=timeout, cwd=cwd)
    assert result.returncode == 0, f"node test/{script} failed (exit {result.returncode}):\n{result.stderr}"
    return json.loads(result.stdout)


# ------------------------------------------------------------------ tokens from the TextMate grammar


@dataclass(frozen=True)
class Tok:
    start: int
    end: int
    text: str
    scopes: tuple[str, ...]


@dataclass
class Tokenized:
    lines: list[list[Tok]]  # by 0-based line
    indent: list[dict[str, bool]]

    def at(self, line: int, col: int) -> Tok:
        """The token covering a UTF-16 offset of a 1-based line."""
        for tok in self.lines[line - 1]:
            if tok.start <= col < tok.end:
                return tok
        raise AssertionError(f"no token at {line}:{col}")

    def covering(self, line: int, start: int, end: int) -> Iterator[Tok]:
        for tok in self.lines[line - 1]:
            if tok.start < end and start < tok.end:
                yield tok


@pytest.fixture(scope="module")
def tokenized(node: str) -> dict[Path, Tokenized]:
    out = _node_json(node, "tokenize.js", *(str(p) for p in SPEC_FILES))
    assert out["scopeName"] == SCOPE_NAME
    result = {}
    for entry in out["files"]:
        lines = [
            [Tok(t["start"], t["end"], t["text"], tuple(t["scopes"])) for t in line]
            for line in entry["lines"]
        ]
        result[Path(entry["path"])] = Tokenized(lines, entry["indent"])
    assert set(result) == set(SPEC_FILES)
    return result


# ------------------------------------------------------------------ what the language's parser sees


@dataclass(frozen=True)
class Expect:
    line: int  # 1-based
    col: int  # 0-based, UTF-16 code units, as VS Code counts
    text: str
    scope: str  # the token needs a scope equal to this or starting with it and a dot
    what: str  # for the message: "keyword", "model setting", ...


@dataclass
class Parsed:
    text: str
    expects: list[Expect]
    comments: list[Token]
    code: list[Token]  # every token the parser consumed


_comments: list[Token] = []


@cache
def _lark() -> Lark:
    # The project's grammar, keeping every token (keywords included) and collecting the ignored comments.
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        propagate_positions=True,
        keep_all_tokens=True,
        lexer_callbacks={"COMMENT": _comments.append, "BLOCK_COMMENT": _comments.append},
    )


def _utf16_col(line_text: str, column: int) -> int:
    """A 1-based code-point column (as lark gives) as a 0-based UTF-16 offset."""
    return len(line_text[: column - 1].encode("utf-16-le")) // 2


def parse(path: Path) -> Parsed:
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    _comments.clear()
    tree = _lark().parse(text)
    comments = list(_comments)
    expects: list[Expect] = []
    code: list[Token] = []

    def expect(tok: Token, scope: str, what: str) -> None:
        assert tok.line is not None and tok.column is not None
        col = _utf16_col(lines[tok.line - 1], tok.column)
        expects.append(Expect(tok.line, col, str(tok), scope, what))

    def walk(tree: Tree[Token]) -> None:
        rule = str(tree.data)
        tokens = [c for c in tree.children if isinstance(c, Token)]
        names = [t for t in tokens if t.type == "NAME"]
        for child in tree.children:
            if isinstance(child, Tree):
                walk(child)
                continue
            if child is None:
                continue
            code.append(child)
            word = str(child)
            if child.type == "INT":
                expect(child, "constant.numeric", "number")
            elif child.type != "NAME" and word.isidentifier():
                role = KEYWORD_ROLES.get(word)
                assert role is not None, f"{path}: reserved word {word!r} has no role in KEYWORD_ROLES"
                if word == "set" and rule == "generic_type":
                    role = "storage.type.builtin.set"
                expect(child, role, "keyword")
        # names, by the rule they stand in
        if rule == "on_timer":
            expect(names[0], "keyword.other.handler.timeout", "handler word")
            expect(names[1], "entity.name.function.timer", "timer name")
        elif rule == "on_handler":
            has_params = any(isinstance(c, Tree) and c.data == "param_list" for c in tree.children)
            if str(names[0]) in HANDLER_WORDS and not has_params:
                expect(names[0], f"keyword.other.handler.{names[0]}", "handler word")
            else:
                expect(names[0], "entity.name.type.message", "message name")
        elif rule == "enum_decl":
            expect(names[0], "entity.name.type.enum", "declared name")
            for member in names[1:]:
                expect(member, "variable.other.enummember", "enum member")
        elif rule in DECLARED_NAME:
            for name in names:
                expect(name, DECLARED_NAME[rule], "declared name")
        elif rule == "message_ctor":
            expect(names[0], "entity.name.type.message", "message name")
        elif rule == "call_expr" and str(names[0]) in BUILTIN_FUNCTIONS:
            expect(names[0], "support.function.builtin", "built-in function")
        elif rule == "named_type" and str(names[0]) in ("bool", "time"):
            expect(names[0], "storage.type.builtin", "type")
        elif rule == "generic_type" and names and str(names[0]) == "map":
            expect(names[0], "storage.type.builtin.map", "type")
        elif rule == "model_item":
            key = names[0]
            assert str(key) in MODEL_ITEM_KEYS, (
                f"{path}:{key.line}: model key {key!r} is unknown to this test and the grammar"
            )
            expect(key, "keyword.other.model-key", "model key")
            value = next((c for c in tree.children if isinstance(c, Tree) and c.data == "name_expr"), None)
            if value is not None and str(value.children[0]) in MODEL_SETTINGS:
                expect(value.children[0], "constant.language.model-setting", "model setting")  # type: ignore[arg-type]
        elif rule == "model_expect":  # `expect p, q violated`: the last name is the verdict
            expect(names[-1], "constant.language.verdict", "expected verdict")
        elif rule == "setting":
            setting = names[0]
            assert str(setting) in MODEL_SETTINGS, (
                f"{path}:{setting.line}: model setting {setting!r} is unknown to this test and the grammar"
            )
            expect(setting, "constant.language.model-setting", "model setting")
            if len(names) > 1:  # `of T`
                expect(names[1], "entity.name.type.node", "node type")

    walk(tree)
    return Parsed(text, expects, comments, code)


@pytest.fixture(scope="module")
def parsed() -> dict[Path, Parsed]:
    return {path: parse(path) for path in SPEC_FILES}


def _has(scopes: tuple[str, ...], prefix: str) -> bool:
    return any(s == prefix or s.startswith(prefix + ".") for s in scopes)


def _where(path: Path, line: int, col: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}:{col + 1}"


# ------------------------------------------------------------------ the tests


def test_fixture_is_a_valid_spec_using_every_word_of_the_language(parsed: dict[Path, Parsed]) -> None:
    checked = load_file(FIXTURE)
    for model in model_names(checked):
        instantiate(checked, model)
    used = {e.text for p in parsed.values() for e in p.expects if e.what in ("keyword", "handler word")}
    words = set(keywords())
    assert set(KEYWORD_ROLES) == words, (
        "KEYWORD_ROLES must give every reserved word of spec/grammar.lark a role"
    )
    assert words | HANDLER_WORDS <= used, (
        f"never exercised by the specs or {FIXTURE.name}: {sorted(words | HANDLER_WORDS - used)}"
    )
    model_words = {
        e.text for p in parsed.values() for e in p.expects if e.what in ("model key", "model setting")
    }
    assert model_words >= MODEL_ITEM_KEYS | MODEL_SETTINGS, (
        f"never exercised: {sorted(MODEL_ITEM_KEYS | MODEL_SETTINGS - model_words)}"
    )
    builtins = {e.text for p in parsed.values() for e in p.expects if e.what == "built-in function"}
    assert builtins == BUILTIN_FUNCTIONS


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_every_keyword_and_name_has_its_scope(
    path: Path, parsed: dict[Path, Parsed], tokenized: dict[Path, Tokenized]
) -> None:
    spec, toks = parsed[path], tokenized[path]
    assert len(toks.lines) == len(spec.text.split("\n"))
    problems = []
    for e in spec.expects:
        tok = toks.at(e.line, e.col)
        where = _where(path, e.line, e.col)
        if tok.start != e.col or tok.text != e.text:
            problems.append(
                f"{where}: {e.what} {e.text!r} is not a token of its own: the grammar gives {tok.text!r}"
            )
        elif not _has(tok.scopes, e.scope):
            problems.append(
                f"{where}: {e.what} {e.text!r} should be scoped {e.scope}, has {list(tok.scopes[1:]) or 'none'}"
            )
        elif e.what in ("keyword", "handler word", "model key", "model setting") and not any(
            s.startswith(KEYWORDISH) for s in tok.scopes
        ):
            problems.append(
                f"{where}: {e.what} {e.text!r} has no keyword/storage/constant scope: {list(tok.scopes)}"
            )
        if any(s.startswith("comment") for s in tok.scopes):
            problems.append(f"{where}: {e.what} {e.text!r} is scoped as a comment: {list(tok.scopes)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_comments_are_comments_and_code_is_not(
    path: Path, parsed: dict[Path, Parsed], tokenized: dict[Path, Tokenized]
) -> None:
    spec, toks = parsed[path], tokenized[path]
    lines = spec.text.split("\n")
    problems = []
    for comment in spec.comments:
        assert comment.line is not None and comment.end_line is not None and comment.end_column is not None
        for line in range(comment.line, comment.end_line + 1):
            first = comment.column if line == comment.line else 1
            assert first is not None
            start = _utf16_col(lines[line - 1], first)
            end = (
                _utf16_col(lines[line - 1], comment.end_column)
                if line == comment.end_line
                else len(lines[line - 1])
            )
            for tok in toks.covering(line, start, end):
                if not _has(tok.scopes, "comment"):
                    problems.append(
                        f"{_where(path, line, tok.start)}: comment text {tok.text!r} is scoped {list(tok.scopes)}"
                    )
    for token in spec.code:
        assert token.line is not None and token.column is not None
        col = _utf16_col(lines[token.line - 1], token.column)
        for tok in toks.covering(token.line, col, col + len(str(token))):
            if any(s.startswith("comment") for s in tok.scopes):
                problems.append(
                    f"{_where(path, token.line, col)}: code {str(token)!r} is scoped as a comment"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_indentation_rules_follow_braces(
    path: Path, parsed: dict[Path, Parsed], tokenized: dict[Path, Tokenized]
) -> None:
    """increaseIndentPattern matches a line that leaves a `{` open; decreaseIndentPattern one that starts with `}`."""
    spec, toks = parsed[path], tokenized[path]
    by_line: dict[int, list[Token]] = {}
    for token in spec.code:
        assert token.line is not None
        by_line.setdefault(token.line, []).append(token)
    problems = []
    for line, tokens in sorted(by_line.items()):
        tokens.sort(key=lambda t: t.column or 0)
        depth = opened = 0
        for t in tokens:
            if t.type == "LBRACE":
                depth += 1
                opened = max(opened, depth)
            elif t.type == "RBRACE" and depth > 0:
                depth -= 1
        expected = {"increase": depth > 0, "decrease": tokens[0].type == "RBRACE"}
        got = toks.indent[line - 1]
        for key in ("increase", "decrease"):
            if got[key] != expected[key]:
                problems.append(
                    f"{_where(path, line, 0)}: {key}IndentPattern gives {got[key]}, expected {expected[key]}"
                )
    assert not problems, "\n".join(problems)


def test_specific_scopes(tokenized: dict[Path, Tokenized]) -> None:
    """A few exact scopes, so that a grammar that scoped everything alike would fail too."""
    toks = tokenized[ROOT / "specs" / "retry_increment.fl"]
    text = (ROOT / "specs" / "retry_increment.fl").read_text(encoding="utf-8").split("\n")

    def scopes_of(line_text: str, word: str, nth: int = 0) -> tuple[str, ...]:
        line = next(i for i, t in enumerate(text, 1) if t.startswith(line_text))
        col = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text[line - 1])][nth]
        tok = toks.at(line, col)
        assert tok.text == word, (tok, word)
        return tok.scopes

    assert scopes_of("node Server {", "node") == (SCOPE_NAME, "storage.type.node.faultline")
    assert scopes_of("node Server {", "Server") == (SCOPE_NAME, "entity.name.type.node.faultline")
    assert scopes_of("const DEDUPE = false", "false") == (
        SCOPE_NAME,
        "constant.language.boolean.false.faultline",
    )
    assert scopes_of("const DEDUPE = false", "//") == (
        SCOPE_NAME,
        "comment.line.double-slash.faultline",
        "punctuation.definition.comment.faultline",
    )
    assert scopes_of("  on timeout retry", "timeout") == (
        SCOPE_NAME,
        "keyword.other.handler.timeout.faultline",
    )
    assert scopes_of("  on timeout retry", "retry") == (SCOPE_NAME, "entity.name.function.timer.faultline")
    assert scopes_of("    if not DEDUPE or request not in applied", "not", 1) == (
        SCOPE_NAME,
        "keyword.operator.word.logical.not.faultline",
    )
    assert scopes_of("    if not DEDUPE or request not in applied", "in") == (
        SCOPE_NAME,
        "keyword.operator.word.in.faultline",
    )
    assert scopes_of("  var applied: set<0..1>", "set") == (SCOPE_NAME, "storage.type.builtin.set.faultline")
    assert scopes_of("model naive_lossy", "naive_lossy") == (SCOPE_NAME, "entity.name.type.model.faultline")
    assert scopes_of("  timing asynchronous", "timing") == (
        SCOPE_NAME,
        "meta.block.model.faultline",
        "keyword.other.model-key.timing.faultline",
    )
    assert scopes_of("  timing asynchronous", "asynchronous") == (
        SCOPE_NAME,
        "meta.block.model.faultline",
        "constant.language.model-setting.asynchronous.faultline",
    )
    assert scopes_of("  network { reorder; loss <= 1 }", "loss") == (
        SCOPE_NAME,
        "meta.block.model.faultline",
        "constant.language.model-setting.loss.faultline",
    )
    # Outside a model block a model word is a plain name.
    fixture = tokenized[FIXTURE]
    fixture_text = FIXTURE.read_text(encoding="utf-8").split("\n")
    line = next(i for i, t in enumerate(fixture_text, 1) if "action work when" in t)
    col = fixture_text[line - 1].index("work")
    assert fixture.at(line, col).scopes == (SCOPE_NAME, "entity.name.function.action.faultline")
    line = next(i for i, t in enumerate(fixture_text, 1) if t.startswith("/*"))
    assert fixture.at(line, 0).scopes == (
        SCOPE_NAME,
        "comment.block.faultline",
        "punctuation.definition.comment.begin.faultline",
    )
    assert _has(fixture.at(line + 1, 5).scopes, "comment.block")  # the comment's second line


# ------------------------------------------------------------------ the client and the package


def test_client_starts_the_configured_server(node: str) -> None:
    out = _node_json(node, "client.js", "activate")
    assert out["languageclientExports"]["LanguageClient"] == "function"
    runs = out["runs"]
    selector = [{"scheme": "file", "language": "faultline"}, {"scheme": "untitled", "language": "faultline"}]
    expected = {
        "defaults": ("faultline", ["lsp"], "/work/project"),
        "uv": ("uv", ["run", "faultline", "lsp"], "/work/project"),
        "expanded": ("/work/project/.venv/bin/faultline", ["lsp"], "/work/project/specs"),
    }
    for name, (command, args, cwd) in expected.items():
        run = runs[name]
        assert len(run["clients"]) == 1, run
        client = run["clients"][0]
        assert client["id"] == "faultline"
        assert client["run"] == client["debug"] == {"command": command, "args": args, "options": {"cwd": cwd}}
        assert client["documentSelector"] == selector
        assert client["hasOutputChannel"]
        assert run["started"] == 1 and run["errors"] == []
        assert run["commands"] == ["faultline.restartServer"]
    bad = runs["badArgs"]
    assert bad["clients"] == [] and bad["started"] == 0
    assert "faultline.server.args must be a list of strings" in bad["errors"][0]["message"]
    fails = runs["startFails"]
    assert fails["started"] == 1 and fails["disposed"] == 1
    assert fails["clients"][0]["run"]["options"] == {}  # no folder open, no spec: no cwd given
    message = fails["errors"][0]["message"]
    assert "`faultline lsp`" in message and "ENOENT" in message and "faultline.server.command" in message
    assert fails["errors"][0]["items"] == ["Open Settings", "Show Output"]


def test_manifest_contributes_the_language() -> None:
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    assert manifest["activationEvents"] == ["onLanguage:faultline"]
    (language,) = manifest["contributes"]["languages"]
    assert language["id"] == "faultline" and language["extensions"] == [".fl"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert grammar == {
        "language": "faultline",
        "scopeName": SCOPE_NAME,
        "path": "./syntaxes/faultline.tmLanguage.json",
    }
    assert json.loads((EXTENSION / grammar["path"]).read_text(encoding="utf-8"))["scopeName"] == SCOPE_NAME
    config = json.loads((EXTENSION / language["configuration"]).read_text(encoding="utf-8"))
    assert config["comments"] == {"lineComment": "//", "blockComment": ["/*", "*/"]}
    assert (EXTENSION / manifest["main"]).is_file()
    properties = manifest["contributes"]["configuration"]["properties"]
    assert properties["faultline.server.command"]["default"] == "faultline"
    assert properties["faultline.server.args"]["default"] == ["lsp"]
    assert "vscode-languageclient" in manifest["dependencies"]
    for package in ("@vscode/vsce", "vscode-textmate", "vscode-oniguruma"):
        assert package in manifest["devDependencies"]


def test_vsix_packages(node: str, tmp_path: Path) -> None:
    npm = shutil.which("npm")
    assert npm is not None  # the `node` fixture found it, or node_modules was already there
    vsix = tmp_path / "faultline.vsix"
    result = _run([npm, "run", "--silent", "package", "--", "--out", str(vsix)], timeout=120)
    assert result.returncode == 0, f"npm run package failed:\n{result.stdout}\n{result.stderr}"
    names = set(zipfile.ZipFile(vsix).namelist())
    for needed in (
        "extension/package.json",
        "extension/readme.md",
        "extension/language-configuration.json",
        "extension/syntaxes/faultline.tmLanguage.json",
        "extension/src/extension.js",
        "extension/src/server.js",
        "extension/node_modules/vscode-languageclient/package.json",
        "extension/node_modules/vscode-languageclient/node.js",
    ):
        assert needed in names, f"{needed} is not in the .vsix"
    for unwanted in (
        "extension/test/",
        "extension/node_modules/vscode-textmate/",
        "extension/node_modules/@vscode/",
    ):
        assert not any(n.startswith(unwanted) for n in names), f"{unwanted} should not be in the .vsix"


def _faultline_script() -> Path | None:
    script = Path(sys.executable).parent / ("faultline.exe" if os.name == "nt" else "faultline")
    return script if script.exists() else None


def test_lsp_handshake_with_the_extensions_launch(node: str, tmp_path: Path) -> None:
    """The extension's way of starting the server (src/server.js), with the installed `faultline` script:
    initialize, open a spec with a syntax error, get its diagnostic, shut down."""
    script = _faultline_script()
    if script is None:
        pytest.skip("no `faultline` script beside this Python")
    probe = _run([str(script), "lsp", "--help"], timeout=60, cwd=ROOT)
    if probe.returncode != 0:
        pytest.skip("this checkout's `faultline` has no `lsp` command yet")
    broken = tmp_path / "broken.fl"
    broken.write_text("spec broken\n\nnode A {\n  var x: bool =\n}\n", encoding="utf-8")
    out = _node_json(
        node, "client.js", "handshake", "--open", str(broken), str(script), "lsp", timeout=90, cwd=ROOT
    )
    assert out["command"] == str(script) and out["args"] == ["lsp"]
    assert isinstance(out["capabilities"], dict) and out["capabilities"]
    assert out["diagnostics"], "the server published no diagnostic for a spec with a syntax error"
    assert out["diagnostics"][0]["range"]["start"]["line"] in (3, 4)  # after `=`, or at the `}` there
    assert out["exit"] == {"code": 0, "signal": None}
