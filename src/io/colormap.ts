/**
 * Perceptual colormaps as sparse sRGB control points, interpolated linearly.
 *
 * viridis and cividis: every 8th entry (plus the last) of matplotlib's published
 * 256-entry tables (_cm_listed.py), so each stop sits at index/255; linear
 * interpolation between them stays within about 1/255 of the full table.
 * coolwarm: Kenneth Moreland's 33-point "CoolWarmFloat33" diverging table
 * (stops at k/32), grey at the centre so zero potential reads as neutral.
 * gray: black to white, linear in sRGB.
 */

export type ColormapName = 'viridis' | 'cividis' | 'coolwarm' | 'gray';
export type Rgb = [number, number, number];

interface Table {
  /** Stop positions in [0, 1], increasing, first 0 and last 1. */
  t: number[];
  /** sRGB components in [0, 1], three per stop. */
  rgb: number[];
}

/** Positions of the matplotlib rows sampled below: 0, 8, ..., 248, 255. */
const MPL_T = Array.from({ length: 33 }, (_, k) => Math.min(8 * k, 255) / 255);

const VIRIDIS = [
  0.267004, 0.004874, 0.329415, 0.277018, 0.050344, 0.375715, 0.282327, 0.094955, 0.417331, 0.282884, 0.13592, 0.453427, 0.278826, 0.17549,
  0.483397, 0.270595, 0.214069, 0.507052, 0.258965, 0.251537, 0.524736, 0.244972, 0.287675, 0.53726, 0.229739, 0.322361, 0.545706, 0.214298,
  0.355619, 0.551184, 0.19943, 0.387607, 0.554642, 0.185556, 0.41857, 0.556753, 0.172719, 0.448791, 0.557885, 0.160665, 0.47854, 0.558115,
  0.149039, 0.508051, 0.55725, 0.13777, 0.537492, 0.554906, 0.127568, 0.566949, 0.550556, 0.120565, 0.596422, 0.543611, 0.120638, 0.625828,
  0.533488, 0.132268, 0.655014, 0.519661, 0.157851, 0.683765, 0.501686, 0.196571, 0.711827, 0.479221, 0.24607, 0.73891, 0.452024, 0.304148,
  0.764704, 0.419943, 0.369214, 0.788888, 0.382914, 0.440137, 0.811138, 0.340967, 0.515992, 0.831158, 0.294279, 0.595839, 0.848717,
  0.243329, 0.678489, 0.863742, 0.189503, 0.762373, 0.876424, 0.137064, 0.845561, 0.887322, 0.099702, 0.926106, 0.89733, 0.104071, 0.993248,
  0.906157, 0.143936,
];

const CIVIDIS = [
  0.0, 0.135112, 0.304751, 0.0, 0.157932, 0.357521, 0.0, 0.178802, 0.414764, 0.017852, 0.198528, 0.441248, 0.103401, 0.220406, 0.43579,
  0.154261, 0.242475, 0.43012, 0.195057, 0.264372, 0.425924, 0.230871, 0.286134, 0.423498, 0.263738, 0.307831, 0.422789, 0.294669, 0.329531,
  0.423716, 0.32425, 0.351289, 0.42625, 0.352892, 0.373153, 0.430226, 0.38083, 0.395164, 0.435653, 0.408226, 0.417357, 0.44257, 0.435168,
  0.439763, 0.451134, 0.461616, 0.462405, 0.461969, 0.488697, 0.485318, 0.471008, 0.51792, 0.508454, 0.472707, 0.54784, 0.531895, 0.471704,
  0.578236, 0.555673, 0.468724, 0.609105, 0.579816, 0.463638, 0.640352, 0.604354, 0.456791, 0.671991, 0.629316, 0.448018, 0.704037,
  0.654731, 0.437147, 0.736488, 0.680629, 0.424028, 0.769353, 0.707035, 0.408516, 0.802667, 0.733978, 0.390153, 0.836429, 0.761483,
  0.368747, 0.870717, 0.789572, 0.343333, 0.905589, 0.818257, 0.312889, 0.941147, 0.84753, 0.275815, 0.97778, 0.877281, 0.227954, 0.995737,
  0.909344, 0.217772,
];

const COOLWARM = [
  0.2298057, 0.298717966, 0.753683153, 0.26623388, 0.353094838, 0.801466763, 0.30386891, 0.406535296, 0.84495867, 0.342804478, 0.458757618,
  0.883725899, 0.38301334, 0.50941904, 0.917387822, 0.424369608, 0.558148092, 0.945619588, 0.46666708, 0.604562568, 0.968154911,
  0.509635204, 0.648280772, 0.98478814, 0.552953156, 0.688929332, 0.995375608, 0.596262162, 0.726149107, 0.999836203, 0.639176211,
  0.759599947, 0.998151185, 0.681291281, 0.788964712, 0.990363227, 0.722193294, 0.813952739, 0.976574709, 0.761464949, 0.834302879,
  0.956945269, 0.798691636, 0.849786142, 0.931688648, 0.833466556, 0.860207984, 0.901068838, 0.865395197, 0.86541021, 0.865395561,
  0.897787179, 0.848937047, 0.820880546, 0.924127593, 0.827384882, 0.774508472, 0.944468518, 0.800927443, 0.726736146, 0.958852946,
  0.769767752, 0.678007945, 0.96732803, 0.734132809, 0.628751763, 0.969954137, 0.694266682, 0.579375448, 0.966811177, 0.650421156,
  0.530263762, 0.958003065, 0.602842431, 0.481775914, 0.943660866, 0.551750968, 0.434243684, 0.923944917, 0.49730856, 0.387970225,
  0.89904617, 0.439559467, 0.343229596, 0.869186849, 0.378313092, 0.300267182, 0.834620542, 0.312874446, 0.259301199, 0.795631745,
  0.24128379, 0.220525627, 0.752534934, 0.157246067, 0.184115123, 0.705673158, 0.01555616, 0.150232812,
];

const TABLES: Record<ColormapName, Table> = {
  viridis: { t: MPL_T, rgb: VIRIDIS },
  cividis: { t: MPL_T, rgb: CIVIDIS },
  coolwarm: { t: Array.from({ length: 33 }, (_, k) => k / 32), rgb: COOLWARM },
  // linear grey ramp, black to white (the page's colormap choice; prints well in black and white)
  gray: { t: [0, 1], rgb: [0, 0, 0, 1, 1, 1] },
};

/** Names accepted by colorAt. */
export const COLORMAPS = Object.keys(TABLES) as ColormapName[];

/**
 * Colour of `name` at `t` as 8-bit sRGB. t is clamped to [0, 1]; NaN maps to 0
 * (callers flag non-finite data themselves, see renderFieldPng).
 */
export function colorAt(name: ColormapName, t: number): Rgb {
  const tab = TABLES[name];
  if (!tab) throw new Error(`unknown colormap "${name}"`);
  const x = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  const stops = tab.t;
  // Binary search for the segment [stops[lo], stops[lo+1]] holding x.
  let lo = 0;
  let hi = stops.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (stops[mid] <= x) lo = mid;
    else hi = mid;
  }
  const w = (x - stops[lo]) / (stops[hi] - stops[lo]);
  const out: Rgb = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const a = tab.rgb[3 * lo + c];
    const b = tab.rgb[3 * hi + c];
    out[c] = Math.round(255 * (a + (b - a) * w));
  }
  return out;
}

/**
 * Precomputed 256-entry RGB table for fast per-pixel lookup: entry k is
 * colorAt(name, k / 255).
 */
export function colorLut(name: ColormapName): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) lut.set(colorAt(name, k / 255), 3 * k);
  return lut;
}
