// The Node example of docs/data-plane.md, run as written against an emulator.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {PYTHON, REPO_ROOT, startEmulator} from '../lib/emulator.mjs';

const NODE_DIR = path.join(REPO_ROOT, 'tests', 'node');
const DOCUMENTED_TARGET = "'127.0.0.1:8090'";

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

test('docs/data-plane.md: the Node example is refused a set, allowed a get, then expired', () => {
  const text = readFileSync(path.join(REPO_ROOT, 'docs', 'data-plane.md'), 'utf8');
  const [snippet] = [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map(match => match[1]);
  assert.ok(snippet.includes(DOCUMENTED_TARGET), 'the example names the default target');
  const code = snippet.replace(DOCUMENTED_TARGET, `'${emu.target}'`);
  const printed = execFileSync(process.execPath, ['-e', code], {
    cwd: NODE_DIR, // where @gomomento/sdk is installed
    encoding: 'utf8',
    timeout: 60_000,
    // The example runs the emulator's command line, as installed next to the Python it runs on.
    env: {...process.env, MOMENTO_API_KEY: emu.info.api_key,
      PATH: `${path.dirname(PYTHON)}${path.delimiter}${process.env.PATH}`},
  }).trim().split('\n').slice(-3);
  assert.deepEqual(printed, ['PERMISSION_ERROR', 'shipped', 'AUTHENTICATION_ERROR']);
});
