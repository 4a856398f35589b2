'use strict';
// The faultline extension: the grammar and language configuration are declared in package.json; this file
// starts the language server (`faultline lsp` by default) for documents of language `faultline`.

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const { serverExecutable, describe } = require('./server');

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

async function startClient() {
  const settings = vscode.workspace.getConfiguration('faultline.server');
  const folders = vscode.workspace.workspaceFolders;
  const folder = folders && folders.length > 0 && folders[0].uri.scheme === 'file' ? folders[0].uri.fsPath : undefined;
  const editor = vscode.window.activeTextEditor;
  const document =
    editor && editor.document.languageId === 'faultline' && editor.document.uri.scheme === 'file'
      ? editor.document.uri.fsPath
      : undefined;

  let executable;
  try {
    executable = serverExecutable(
      { command: settings.get('command'), args: settings.get('args'), cwd: settings.get('cwd') },
      folder,
      document,
    );
  } catch (error) {
    void showStartError(error instanceof Error ? error.message : String(error));
    return;
  }
  output.appendLine(`starting the language server: ${describe(executable)}` +
    (executable.options.cwd ? ` (in ${executable.options.cwd})` : ''));

  const candidate = new LanguageClient(
    'faultline',
    'faultline language server',
    { run: executable, debug: executable },
    {
      documentSelector: [
        { scheme: 'file', language: 'faultline' },
        { scheme: 'untitled', language: 'faultline' },
      ],
      outputChannel: output,
    },
  );
  try {
    await candidate.start();
    client = candidate;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    output.appendLine(`the language server did not start: ${reason}`);
    try {
      await candidate.dispose();
    } catch {
      // it never ran
    }
    void showStartError(
      `Could not start the faultline language server (\`${describe(executable)}\`): ${reason}. ` +
        'Install faultline so that `faultline` is on PATH, or set faultline.server.command and ' +
        'faultline.server.args (e.g. "uv" and ["run", "faultline", "lsp"]). Highlighting works without it.',
    );
  }
}

async function showStartError(message) {
  const choice = await vscode.window.showErrorMessage(message, 'Open Settings', 'Show Output');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'faultline.server');
  } else if (choice === 'Show Output' && output) {
    output.show(true);
  }
}

async function stopClient() {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

async function restartClient() {
  await stopClient();
  await startClient();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel('faultline');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('faultline.restartServer', restartClient),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('faultline.server')) {
        void restartClient();
      }
    }),
  );
  await startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
