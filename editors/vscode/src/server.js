'use strict';
// How the language server is started: `<command> <args...>`, speaking LSP over its stdin and stdout.
// Kept apart from extension.js (no `vscode` import) so that it can be run under plain Node in the tests.

const path = require('path');

const DEFAULT_COMMAND = 'faultline';
const DEFAULT_ARGS = ['lsp'];

/**
 * @param {{command?: unknown, args?: unknown, cwd?: unknown}} settings  the `faultline.server.*` settings
 * @param {string | undefined} workspaceFolder  the first workspace folder's path, if a folder is open
 * @param {string | undefined} documentPath  the path of the spec that activated the extension, if any
 * @returns {{command: string, args: string[], options: {cwd?: string}}}  an Executable for vscode-languageclient
 *   (given without `transport`, so that the client adds no `--stdio` argument of its own)
 */
function serverExecutable(settings, workspaceFolder, documentPath) {
  const expand = (text) =>
    workspaceFolder === undefined ? text : text.split('${workspaceFolder}').join(workspaceFolder);

  let command = settings.command;
  if (command === undefined || command === null || (typeof command === 'string' && command.trim() === '')) {
    command = DEFAULT_COMMAND;
  }
  if (typeof command !== 'string') {
    throw new Error('faultline.server.command must be a string, the program to run (e.g. "faultline" or "uv")');
  }

  let args = settings.args;
  if (args === undefined || args === null) {
    args = DEFAULT_ARGS;
  }
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
    throw new Error('faultline.server.args must be a list of strings (e.g. ["lsp"] or ["run", "faultline", "lsp"])');
  }

  let cwd = typeof settings.cwd === 'string' && settings.cwd.trim() !== '' ? expand(settings.cwd.trim()) : undefined;
  if (cwd === undefined) {
    cwd = workspaceFolder !== undefined ? workspaceFolder : documentPath !== undefined ? path.dirname(documentPath) : undefined;
  }

  const options = {};
  if (cwd !== undefined) {
    options.cwd = cwd;
  }
  return { command: expand(command.trim()), args: args.map(expand), options };
}

/** The command line, as a person would type it (for messages). */
function describe(executable) {
  const quote = (word) => (/^[\w@%+=:,./${}-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
  return [executable.command, ...executable.args].map(quote).join(' ');
}

module.exports = { serverExecutable, describe, DEFAULT_COMMAND, DEFAULT_ARGS };
