import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/ and served by `kairos serve` at `/`; `npm run dev -w @kairos/web` proxies the API.
export default defineConfig({
  plugins: [react()],
  // No source maps in the build: the server would hand out the sources to anyone (issue 10).
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
