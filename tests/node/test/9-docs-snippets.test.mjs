// The Node snippets of README.md and docs/sdks.md, run as written against an emulator.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {REPO_ROOT, decodeKey, startEmulator} from '../lib/emulator.mjs';

const NODE_DIR = path.join(REPO_ROOT, 'tests', 'node');
const DOCUMENTED_TARGET = "'127.0.0.1:8090'";

/** The ```js blocks of a page that mint a key and print it. */
function mintingSnippets(page) {
  const text = readFileSync(path.join(REPO_ROOT, page), 'utf8');
  return [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)]
    .map(match => match[1])
    .filter(block => block.includes('generateApiKey(') && block.includes('main();'));
}

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

for (const page of ['README.md', 'docs/sdks.md']) {
  test(`${page}: the Node snippet prints a key the emulator minted`, () => {
    const snippets = mintingSnippets(page);
    assert.equal(snippets.length, 1, `${page} should have one minting snippet`);
    assert.ok(snippets[0].includes(DOCUMENTED_TARGET), 'the snippet names the default target');
    const code = snippets[0].replace(DOCUMENTED_TARGET, `'${emu.target}'`);
    const printed = execFileSync(process.execPath, ['-e', code], {
      cwd: NODE_DIR, // where @gomomento/sdk is installed
      encoding: 'utf8',
      timeout: 30_000,
      env: {...process.env, MOMENTO_API_KEY: emu.info.api_key},
    }).trim().split('\n').at(-1); // the SDK logs its own lines first
    const decoded = decodeKey(printed);
    assert.ok(decoded.api_key, 'the snippet prints the key in its base64 form, not "Success"');
    const described = emu.cliJson('keys', 'describe', printed);
    assert.equal(described.kind, 'api_key');
    assert.equal(described.status, 'active');
  });
}
