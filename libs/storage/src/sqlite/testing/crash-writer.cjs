/**
 * Child process of the crash test (sqlite-storage.test.ts): opens SqliteStorage on argv[2] and
 * writes in a loop, printing "ack <n> <resourceVersion>" after each write returned. The test
 * SIGKILLs it mid-loop and checks every acknowledged write survived. TypeScript sources are
 * transpiled on load with the project's own typescript (no build step needed).
 */
'use strict';
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
    },
  });
  module._compile(out.outputText, filename);
};

const { SqliteStorage } = require('../sqlite-storage.ts');

async function main() {
  const file = process.argv[2];
  const storage = new SqliteStorage({ path: file, prefix: '/crash' });
  process.stdout.write('ready\n');
  for (let n = 0; ; n++) {
    const made = await storage.create(`/items/${String(n).padStart(8, '0')}`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `item-${n}` },
      data: { n: String(n), pad: 'x'.repeat(200) },
    });
    if (n % 3 === 0 && n > 0) {
      // updates too: the latest version must survive as well
      await storage.guaranteedUpdate(`/items/${String(n - 1).padStart(8, '0')}`, (cur) => ({ ...cur, data: { ...cur.data, updated: 'yes' } }));
      process.stdout.write(`upd ${n - 1}\n`);
    }
    process.stdout.write(`ack ${n} ${made.metadata.resourceVersion}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
