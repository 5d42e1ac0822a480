import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// Built into dist/web beside the compiled services: the API serves it from there (services/api/src/http/dashboard.static.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // One small app: no source maps shipped, the warning bound stays Vite's default.
    sourcemap: false,
  },
  clearScreen: false,
  logLevel: 'warn',
});
