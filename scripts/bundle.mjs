/**
 * One ES module holding Kairos's own code (core, server, cli), its npm dependencies left as
 * imports. The test suites start hundreds of `kairos serve` processes; run from source, each
 * spends most of its start loading modules through tsx's loader hooks (measured: `kairos --help`
 * 4.5–6.7 s from source, 2.0–2.8 s from this bundle, on the loaded 2-core machine). The code is
 * the same: esbuild is also what tsx compiles with. `kairos` itself still runs from source.
 *
 * Each module keeps its own `import.meta.url` (rewritten to the source file's URL), so paths
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

const ownSources = {
  name: 'kairos-sources',
  setup(build) {
    // Every bare import but our workspaces stays an import of node_modules.
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@kairos/') ? undefined : { external: true }));
    build.onLoad({ filter: /\/packages\/[^/]+\/src\/.*\.ts$/ }, async (args) => {
      const source = await fs.readFile(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

export async function bundleKairos(outfile = BUNDLE) {
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'packages/cli/src/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    plugins: [ownSources],
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await bundleKairos(process.argv[2]));
}
