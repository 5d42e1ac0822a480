import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// Built into dist/web beside the compiled services: the API serves it from there (services/api/src/http/dashboard.static.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [svelte()],
  // The generated contracts the services use (protoc-gen-es), never re-declared here.
  // Pure files of libs/core (the names of executors and priorities) likewise; nothing that does IO.
  resolve: {
    alias: {
      '@mpr/contracts': fileURLToPath(new URL('../contracts/gen/mpr/v1', import.meta.url)),
      '@mpr/core': fileURLToPath(new URL('../libs/core/src', import.meta.url)),
    },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // One small app: no source maps shipped, the warning bound stays Vite's default.
    sourcemap: false,
  },
  clearScreen: false,
  logLevel: 'warn',
});
