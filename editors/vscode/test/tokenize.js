#!/usr/bin/env node
'use strict';
// Tokenizes faultline specs with the extension's TextMate grammar, using the engine VS Code itself uses
// (vscode-textmate on vscode-oniguruma), and prints what it found as JSON on stdout:
//
//   {"scopeName": "source.faultline",
//    "files": [{"path": "...",
//               "lines": [[{"start": 0, "end": 4, "text": "spec", "scopes": ["source.faultline", ...]}, ...], ...],
//               "indent": [{"increase": false, "decrease": false}, ...]}]}
//
// Offsets are UTF-16 code units within the line (0-based), as in VS Code. "indent" tells, for each line,
// whether language-configuration.json's indentationRules match it (evaluated as VS Code does, with
// JavaScript regular expressions). tests/test_vscode_grammar.py runs this and checks the scopes against
// the spec language's own parser.
//
// usage: node test/tokenize.js FILE.fl...

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const ROOT = path.resolve(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function contributed() {
  const grammars = manifest.contributes.grammars.filter((g) => g.language === 'faultline');
  const languages = manifest.contributes.languages.filter((l) => l.id === 'faultline');
  if (grammars.length !== 1 || languages.length !== 1) {
    throw new Error('package.json must contribute exactly one faultline language and one grammar for it');
  }
  return { grammar: grammars[0], language: languages[0] };
}

async function loadGrammar(grammarPath, scopeName) {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (name) => {
      if (name !== scopeName) {
        return null;
      }
      const text = fs.readFileSync(grammarPath, 'utf8');
      return vsctm.parseRawGrammar(text, grammarPath);
    },
  });
  const grammar = await registry.loadGrammar(scopeName);
  if (!grammar) {
    throw new Error(`could not load ${scopeName} from ${grammarPath}`);
  }
  return grammar;
}

function indentationRules(configPath) {
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  // Every regular expression in the file must compile as VS Code compiles them (JavaScript).
  const patterns = [config.wordPattern];
  for (const rule of config.onEnterRules || []) {
    patterns.push(rule.beforeText, rule.afterText);
  }
  if (config.folding && config.folding.markers) {
    patterns.push(config.folding.markers.start, config.folding.markers.end);
  }
  for (const pattern of patterns.filter((p) => p !== undefined)) {
    new RegExp(pattern); // throws on a bad pattern
  }
  const rules = config.indentationRules;
  if (!rules || !rules.increaseIndentPattern || !rules.decreaseIndentPattern) {
    throw new Error(`${configPath} has no indentationRules with increase and decrease patterns`);
  }
  return { increase: new RegExp(rules.increaseIndentPattern), decrease: new RegExp(rules.decreaseIndentPattern) };
}

function tokenizeFile(grammar, rules, file) {
  const lines = fs.readFileSync(file, 'utf8').split(/\r\n|\r|\n/);
  let stack = vsctm.INITIAL;
  const out = [];
  for (const line of lines) {
    const result = grammar.tokenizeLine(line, stack);
    if (result.stoppedEarly) {
      throw new Error(`${file}: tokenizing stopped early`);
    }
    const tokens = result.tokens.map((token, i) => {
      const end = i + 1 < result.tokens.length ? result.tokens[i + 1].startIndex : line.length;
      return { start: token.startIndex, end, text: line.slice(token.startIndex, end), scopes: token.scopes };
    });
    out.push(tokens);
    stack = result.ruleStack;
  }
  const indent = lines.map((line) => ({ increase: rules.increase.test(line), decrease: rules.decrease.test(line) }));
  return { path: file, lines: out, indent };
}

async function main(files) {
  if (files.length === 0) {
    process.stderr.write('usage: node test/tokenize.js FILE.fl...\n');
    return 2;
  }
  const { grammar: contribution, language } = contributed();
  const grammar = await loadGrammar(path.join(ROOT, contribution.path), contribution.scopeName);
  const rules = indentationRules(path.join(ROOT, language.configuration));
  const result = { scopeName: contribution.scopeName, files: files.map((f) => tokenizeFile(grammar, rules, f)) };
  process.stdout.write(JSON.stringify(result));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
