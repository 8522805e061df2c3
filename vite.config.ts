import { defineConfig } from 'vite';

/**
 * The browser app (examples/browser/), the headless host page (src/browser/host.html) and the
 * headless surface renderer (src/browser/surface.html, for `lidendrite figures`) are
 * served from the repository root, so pages import src/ and shaders/ directly. `npm run serve`
 * starts this dev server; src/browser/chromium.ts starts the same server programmatically for
 * the headless tests and `lidendrite run --browser`.
 */
export default defineConfig({
  root: '.',
  appType: 'mpa',
  clearScreen: false,
  server: { host: '127.0.0.1', port: 5173, strictPort: false, open: '/examples/browser/' },
  // node_modules/webgpu is the Node (Dawn) binding: never part of a page
  optimizeDeps: { exclude: ['webgpu'] },
  build: {
    outDir: 'dist/browser',
    target: 'es2022',
    rollupOptions: {
      input: { app: 'examples/browser/index.html', host: 'src/browser/host.html', surface: 'src/browser/surface.html' },
      external: ['webgpu'],
    },
  },
});
