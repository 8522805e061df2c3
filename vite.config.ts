import { defineConfig } from 'vite';

/**
 * The browser app (examples/browser/), the headless host page (src/browser/host.html) and the
 * headless surface renderer (src/browser/surface.html, for `lidendrite figures`) are
 * served from the repository root, so pages import src/ and shaders/ directly. `npm run serve`
 * starts this dev server; src/browser/chromium.ts starts the same server programmatically for
 * the headless tests and `lidendrite run --browser`.
 *
 * Every response carries the two headers that make a page cross-origin isolated
 * (COOP same-origin + COEP require-corp): only then does a browser give it SharedArrayBuffer,
 * which the CPU backend's worker pool needs to use all cores (src/backends/cpu/threads.ts). The
 * dev server and `npm run preview` (the built dist/browser/) send them; a static host must send
 * them too (examples/browser/public/_headers for Netlify/Cloudflare Pages; README for others).
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: '.',
  appType: 'mpa',
  clearScreen: false,
  publicDir: 'examples/browser/public',
  server: { host: '127.0.0.1', port: 5173, strictPort: false, open: '/examples/browser/', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', port: 4173, open: '/examples/browser/', headers: ISOLATION_HEADERS },
  // node_modules/webgpu is the Node (Dawn) binding: never part of a page
  optimizeDeps: { exclude: ['webgpu'] },
  // module workers: the solver worker starts the CPU pool's workers and shares chunks with the page
  worker: { format: 'es' },
  build: {
    outDir: 'dist/browser',
    target: 'es2022',
    rollupOptions: {
      input: { app: 'examples/browser/index.html', host: 'src/browser/host.html', surface: 'src/browser/surface.html' },
      external: ['webgpu'],
    },
  },
});
