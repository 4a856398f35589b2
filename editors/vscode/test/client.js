#!/usr/bin/env node
'use strict';
// Exercises the extension's client code outside VS Code, and prints what happened as JSON on stdout.
// tests/test_vscode_grammar.py runs it.
//
//   node test/client.js activate
//       Loads the real vscode-languageclient against a stand-in `vscode` module (to prove the import works),
//       then runs src/extension.js's activate() with a recording `vscode` and LanguageClient, for a few
//       settings, and reports which server command each would start and what else it registered.
//   node test/client.js handshake [--open FILE.fl] COMMAND [ARG...]
//       Starts the language server the way the extension does (src/server.js, with these settings, in the
//       current directory), and speaks LSP to it over stdio: initialize, initialized, then with --open a
//       didOpen of FILE.fl and the diagnostics published for it, then shutdown and exit. Reports the
//       server's capabilities, the diagnostics and its exit code.

const Module = require('module');
const path = require('path');
const cp = require('child_process');

const SRC = path.resolve(__dirname, '..', 'src');

/** A module whose every property is a class, enough for vscode-languageclient's top-level code. */
function standInVscode() {
  const made = {};
  return new Proxy(made, {
    get(target, key) {
      if (!(key in target)) {
        target[key] = class {};
      }
      return target[key];
    },
  });
}

function withModules(replacements, fn) {
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (Object.prototype.hasOwnProperty.call(replacements, request)) {
      return replacements[request];
    }
    return load.call(this, request, parent, isMain);
  };
  try {
    return fn();
  } finally {
    Module._load = load;
  }
}

function freshRequire(file) {
  delete require.cache[require.resolve(file)];
  return require(file);
}

/** Runs activate() once with these settings; returns what the extension did. */
async function activateWith(settings, { folder, startFails } = {}) {
  const record = { clients: [], commands: [], errors: [], outputLines: [], started: 0, disposed: 0 };
  const disposable = { dispose() {} };
  const vscode = {
    workspace: {
      getConfiguration(section) {
        if (section !== 'faultline.server') {
          throw new Error(`unexpected configuration section ${section}`);
        }
        return { get: (key) => settings[key] };
      },
      workspaceFolders: folder ? [{ uri: { scheme: 'file', fsPath: folder } }] : undefined,
      onDidChangeConfiguration: () => disposable,
    },
    window: {
      activeTextEditor: undefined,
      createOutputChannel: (name) => ({
        name,
        appendLine: (line) => record.outputLines.push(line),
        append() {},
        show() {},
        dispose() {},
      }),
      showErrorMessage: (message, ...items) => {
        record.errors.push({ message, items });
        return Promise.resolve(undefined);
      },
    },
    commands: {
      registerCommand: (id) => {
        record.commands.push(id);
        return disposable;
      },
      executeCommand: () => Promise.resolve(),
    },
  };
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      record.clients.push({
        id,
        name,
        run: serverOptions.run,
        debug: serverOptions.debug,
        documentSelector: clientOptions.documentSelector,
        hasOutputChannel: clientOptions.outputChannel !== undefined,
      });
    }
    start() {
      record.started += 1;
      return startFails ? Promise.reject(new Error('spawn faultline ENOENT')) : Promise.resolve();
    }
    stop() {
      return Promise.resolve();
    }
    dispose() {
      record.disposed += 1;
      return Promise.resolve();
    }
  }
  const extension = withModules({ vscode, 'vscode-languageclient/node': { LanguageClient } }, () =>
    freshRequire(path.join(SRC, 'extension.js')),
  );
  const context = { subscriptions: [] };
  await extension.activate(context);
  record.subscriptions = context.subscriptions.length;
  await extension.deactivate();
  return record;
}

async function activate() {
  const real = withModules({ vscode: standInVscode() }, () => require('vscode-languageclient/node'));
  const result = {
    languageclientExports: {
      LanguageClient: typeof real.LanguageClient,
    },
    runs: {},
  };
  result.runs.defaults = await activateWith({}, { folder: '/work/project' });
  result.runs.uv = await activateWith(
    { command: 'uv', args: ['run', 'faultline', 'lsp'], cwd: '' },
    { folder: '/work/project' },
  );
  result.runs.expanded = await activateWith(
    { command: '${workspaceFolder}/.venv/bin/faultline', args: ['lsp'], cwd: '${workspaceFolder}/specs' },
    { folder: '/work/project' },
  );
  result.runs.badArgs = await activateWith({ command: 'faultline', args: 'lsp' }, { folder: '/work/project' });
  result.runs.startFails = await activateWith({}, { startFails: true });
  return result;
}

async function handshake(command, args, openPath) {
  const { serverExecutable } = require(path.join(SRC, 'server.js'));
  const rpc = require('vscode-jsonrpc/node');
  const root = process.cwd();
  const executable = serverExecutable({ command, args }, root, undefined);
  const child = cp.spawn(executable.command, executable.args, { ...executable.options, stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  let stderr = '';
  child.stderr.on('data', (data) => {
    stderr += data.toString();
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  connection.listen();
  const timeout = (ms, what) =>
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms; stderr: ${stderr}`)), ms).unref());
  try {
    const init = await Promise.race([
      connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: `file://${root}`,
        capabilities: {},
        clientInfo: { name: 'faultline-vscode-test' },
      }),
      timeout(20000, 'initialize'),
    ]);
    await connection.sendNotification('initialized', {});
    let diagnostics = null;
    if (openPath !== undefined) {
      const uri = `file://${path.resolve(openPath)}`;
      const published = new Promise((resolve) =>
        connection.onNotification('textDocument/publishDiagnostics', (params) => {
          if (params.uri === uri) {
            resolve(params.diagnostics);
          }
        }),
      );
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'faultline', version: 1, text: require('fs').readFileSync(openPath, 'utf8') },
      });
      diagnostics = await Promise.race([published, timeout(20000, 'didOpen (no diagnostics published)')]);
    }
    await Promise.race([connection.sendRequest('shutdown'), timeout(10000, 'shutdown')]);
    await connection.sendNotification('exit');
    const status = await Promise.race([exited, timeout(10000, 'exit')]);
    return {
      command: executable.command,
      args: executable.args,
      capabilities: init.capabilities,
      serverInfo: init.serverInfo || null,
      diagnostics,
      exit: status,
    };
  } finally {
    connection.dispose();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
    }
  }
}

async function main(argv) {
  const [mode, ...rest] = argv;
  if (mode === 'activate') {
    return activate();
  }
  if (mode === 'handshake') {
    let openPath;
    if (rest[0] === '--open') {
      openPath = rest[1];
      rest.splice(0, 2);
    }
    if (rest.length >= 1 && (openPath === undefined || openPath)) {
      return handshake(rest[0], rest.slice(1), openPath);
    }
  }
  throw new Error('usage: node test/client.js activate | handshake [--open FILE.fl] COMMAND [ARG...]');
}

main(process.argv.slice(2)).then(
  (result) => {
    process.stdout.write(JSON.stringify(result));
  },
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
