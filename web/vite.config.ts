import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The API that `npm run dev:web` forwards to: `npm start` (or `npm run start:api`) on its default port. */
const API = process.env.FLASHCART_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The budget check (scripts/build-web.ts) reads what the first page load fetches from it.
    manifest: true,
    target: 'es2022',
  },
  server: {
    port: 5173,
    proxy: {
      '/api': API,
      '/docs': API,
      '/health': API,
      '/ready': API,
      '/metrics': API,
      '/admin/queues': API,
      '/socket.io': { target: API, ws: true },
    },
  },
});
