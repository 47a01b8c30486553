import { defineConfig } from 'vite';

// Built into the web module's classes, so that the jar carries it under webroot/ and the cloud serves it at /.
export default defineConfig({
  base: './',
  // sockjs-client reads Node's global; in a browser that is globalThis
  define: { global: 'globalThis' },
  build: {
    outDir: 'target/classes/webroot',
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/eventbus': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
