import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/ and served by `kairos serve` at `/`; `npm run dev -w @kairos/web` proxies the API.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
