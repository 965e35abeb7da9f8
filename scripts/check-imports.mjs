#!/usr/bin/env node
// Imports flow one way: core ← server ← cli (and core ← web). core is pure: no node:*, no I/O
// packages, no other workspace. Fails (exit 1) naming each offending import.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const rules = {
  core: { forbid: [/^node:/, /^@kairos\//, /^(fs|path|http|crypto|better-sqlite3|kysely|fastify|pino|react)/] },
  server: { forbid: [/^@kairos\/(cli|web)/] },
  cli: { forbid: [/^@kairos\/web/] },
  web: { forbid: [/^@kairos\/(server|cli)/, /^node:/] },
};
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems = [];
for (const [pkg, { forbid }] of Object.entries(rules)) {
  const src = path.join(root, 'packages', pkg, 'src');
  if (!fs.existsSync(src)) continue;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(ts|tsx)$/.test(entry.name)) {
        for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
          const spec = m[1] ?? m[2];
          if (forbid.some((re) => re.test(spec)))
            problems.push(`${path.relative(root, file)} imports ${spec} (not allowed in ${pkg})`);
        }
      }
    }
  };
  walk(src);
}
if (problems.length) {
  console.error(`import rules broken:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('import rules hold: core is pure; core ← server ← cli; web never imports server');
