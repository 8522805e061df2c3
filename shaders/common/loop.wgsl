// The device-side time loop's gates (src/backends/webgpu/loop.ts): every stage kernel has an
// override GATE naming the gate of the Loop uniform (declared in src/backends/webgpu/uniforms.ts)
// that lets it run, and returns at once when that gate is closed: the loop records a whole step
// (and a potential solve at every step boundary) and decides on the device which of them happen.
// A stage called on its own (the stage-by-stage Backend API) has every gate open.

const G_STEP: u32 = 0u;       // the step's stages run
const G_POTENTIAL: u32 = 1u;  // the boundary's potential solve runs
const G_CHECK: u32 = 2u;      // the stability check runs after the step
const G_SAVE: u32 = 3u;       // the good state is saved at the boundary
const G_ALWAYS: u32 = 15u;    // not gated

fn gateOpen(l: Loop, k: u32) -> bool {
  switch k {
    case 0u: { return l.gStep != 0u; }
    case 1u: { return l.gPotential != 0u; }
    case 2u: { return l.gCheck != 0u; }
    case 3u: { return l.gSave != 0u; }
    default: { return true; }
  }
}
