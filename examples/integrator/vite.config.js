// Vite for an integrator's page that embeds <isoloir-booth> (README.md).
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    // The widget's private class members are ES2022: ship them as they are.
    target: 'es2022',
    // The widget loads widget.css and the booth its .wasm with
    // `new URL('./file', import.meta.url)`: Vite copies both into dist/assets.
    // Never inline them as data: URLs: a strict CSP (style-src 'self') would
    // refuse a data: stylesheet.
    assetsInlineLimit: 0,
  },
  // In `vite dev`, keep the package out of the dependency pre-bundling, which
  // would move its modules away from widget.css and the .wasm they point to.
  optimizeDeps: { exclude: ['isoloir'] },
  server: {
    // Same origin for the API during development: an isoloir-server on 8080
    // (scripts/demo.sh), as the reverse proxy does in production.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
