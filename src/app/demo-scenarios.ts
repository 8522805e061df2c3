/**
 * Small fixed-seed scenarios for the headless page tests (test/browser/page.test.ts) and the
 * screenshots script (scripts/screenshots.ts): a 2D front with one nucleus and noise, and a 3D
 * box with two hemispherical nuclei on the collector. Seconds of work on any backend.
 */
export const DEMO_2D = {
  name: 'demo-2d',
  description: 'Small 2D front with one nucleus and noise (seeded): page tests and screenshots.',
  grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
  time: { end: '20 s', output: '1 s' },
  voltage: '-0.45 V',
  anisotropy: { delta: 0.04 },
  boundary: { lateral: 'periodic' },
  initial: { layer: '3 um', nuclei: [{ center: ['3 um', '5.5 um'], radius: '1.5 um' }] },
  noise: { amplitude: 0.04, seed: 3 },
};

export const DEMO_3D = {
  name: 'demo-3d',
  description: 'Small 3D box with two hemispherical nuclei on the collector (seeded noise): page tests and screenshots.',
  grid: { dims: 3, n: [24, 20, 20], dx: '0.25 um' },
  time: { end: '5 s', output: '1 s' },
  voltage: '-0.45 V',
  anisotropy: { delta: 0.03 },
  boundary: { lateral: 'periodic', xi: { x0: { type: 'noflux' } } },
  initial: {
    layer: '0.5 um',
    nuclei: [
      { center: ['0 um', '1.5 um', '1.5 um'], radius: '1.2 um' },
      { center: ['0 um', '3.4 um', '3.2 um'], radius: '1.5 um' },
    ],
  },
  noise: { amplitude: 0.02, seed: 7 },
};
