/**
 * One ES module holding Kairos's own code (core, server, cli) and its npm dependencies. The test
 * suites start hundreds of `kairos serve` processes; run from source, each spends most of its
 * start loading modules through tsx's loader hooks (measured: `kairos --help` 4.5–6.7 s from
 * source, 2.0–2.8 s from a bundle of our code alone, on the loaded 2-core machine). Resolving and
 * reading the dependencies' ~1 500 files cost each start about 1 s of CPU more (3.8–4.5 s to
 * `/readyz` with them as imports, 2.8–3.1 s inlined; /proc/<pid>/stat, load average 11). The code is
 * the same: esbuild is also what tsx compiles with. `kairos` itself still runs from source.
 *
 * Left as imports (NOT_INLINED): the native SQLite binding, packages that read files beside their
 * own sources through `__dirname` (the API docs' assets, their package.json), and graphile-worker,
 * whose config loader would pull the TypeScript compiler (9 MB) into every start.
 *
 * Each of our modules keeps its own `import.meta.url` (rewritten to the source file's URL), so paths
 * resolved relative to a source file (the web app's dist, bundled fonts) mean the same here. It
 * sits in packages/server so that imports resolve through the server's node_modules first, as
 * the server's own sources do.
 *
 *   node scripts/bundle.mjs [outfile]     (default: packages/server/dist/kairos.mjs)
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = path.join(ROOT, 'packages/server/dist/kairos.mjs');
const NOT_INLINED = new Set(['better-sqlite3', '@fastify/swagger', '@fastify/swagger-ui', 'graphile-worker']);

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (specifier) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');

const ownSources = {
  name: 'kairos-sources',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (NOT_INLINED.has(packageOf(args.path)) ? { external: true } : undefined));
    build.onLoad({ filter: /\/packages\/[^/]+\/src\/.*\.ts$/ }, async (args) => {
      const source = await fs.readFile(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * Written in a folder of its own, then moved beside `outfile` (chunks first, under content-hashed
 * names; the entry last), so a run starting `kairos` meanwhile never sees half a bundle.
 */
export async function bundleKairos(outfile = BUNDLE) {
  const dir = path.dirname(outfile);
  const building = path.join(dir, `.build-${process.pid}`);
  await esbuild.build({
    entryPoints: { [path.basename(outfile, '.mjs')]: path.join(ROOT, 'packages/cli/src/main.ts') },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: building,
    outExtension: { '.js': '.mjs' },
    // A module imported with import() (the certificate's PDF code) becomes a chunk of its own, read
    // only when used: pdf-lib and fontkit are 2.6 of the 6.8 MB. Whitespace and syntax minified
    // (names kept, for readable stacks): each start compiles and decodes all it reads (0.8 s of a
    // `kairos doctor`'s CPU). Measured CPU: `doctor` 0.82–0.86 s → 0.67–0.71 s; `serve` to
    // `/readyz` 1.9–2.4 s → 1.8–2.0 s (load 5–12).
    splitting: true,
    chunkNames: 'chunk-[hash]',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    // Node builtins stay imports; inlined CommonJS packages call `require`, which an ES module lacks.
    banner: {
      js: "import { createRequire as kairosRequire } from 'node:module'; const require = kairosRequire(import.meta.url);",
    },
    plugins: [ownSources],
    logLevel: 'warning',
  });
  const files = await fs.readdir(building);
  const entry = path.basename(outfile);
  for (const file of [...files.filter((f) => f !== entry), entry])
    await fs.rename(path.join(building, file), path.join(dir, file));
  await fs.rmdir(building);
  // Chunks of earlier builds (other hashes) would pile up.
  for (const file of await fs.readdir(dir)) {
    if (file.startsWith('chunk-') && !files.includes(file)) await fs.rm(path.join(dir, file), { force: true });
  }
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await bundleKairos(process.argv[2]));
}
