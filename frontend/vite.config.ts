import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Django renders the HTML page and serves the built files from STATIC_URL,
// so there is no index.html: the bundle entry is main.tsx itself, and the
// manifest tells the Django side which hashed files belong to it.
export default defineConfig({
  base: '/static/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    // Vite 8 bundles with Rolldown; `rolldownOptions` is the current name of
    // the option that older Vite versions called `rollupOptions`.
    rolldownOptions: {
      // Three entries: the canvas, the report pages' charts, and the condition builder that
      // server-rendered forms use (each loaded only on its pages).
      input: ['src/main.tsx', 'src/reports/main.ts', 'src/formFields/main.tsx'],
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
