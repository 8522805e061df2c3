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

// Slots of the stage-statistics buffer (src/backends/webgpu/backend.ts, ST, mirrors them); a
// species m has ST_SPECIES + 3m (influx), + 1 (Σ), + 2 (max).
const ST_RATE: u32 = 0u;
const ST_STIFF: u32 = 1u;
const ST_PSIMAX: u32 = 2u;
const ST_DXI: u32 = 3u;
const ST_LIM: u32 = 4u;
const ST_F1: u32 = 5u;
const ST_F0: u32 = 6u;
const ST_SRC: u32 = 7u;
const ST_INFLUX: u32 = 8u;
const ST_DEP: u32 = 9u;
const ST_SPECIES: u32 = 10u;

// Why the loop stopped early (Loop.halt; src/backends/webgpu/loop.ts, HALT, mirrors them).
const HALT_NONE: u32 = 0u;
const HALT_EXHAUSTED: u32 = 1u;   // a solve ran out of its recorded iterations (retry with a larger budget)
const HALT_NOT_CONVERGED: u32 = 2u;  // a solve broke down or hit maxIter (an instability)
const HALT_RATE: u32 = 3u;        // max |∂ξ/∂t| is not finite
const HALT_CHECK: u32 = 4u;       // the stability check failed (NaN, ξ or c̃ out of range)
const HALT_REJECT: u32 = 5u;      // the step moved ξ too far (policy.wgsl stepRejected): redone shorter

// A ring record (u32 words, f32 bitcast; loop.ts, REC, mirrors the layout): one step and the
// boundary after it (its potential decision and solve, the save). A record holds only a boundary
// when a run starts at an undecided one (no step: the step-done flag is clear).
const REC_WORDS: u32 = 96u;
const R_TAG: u32 = 0u;         // Loop.runTag
const R_STEP: u32 = 1u;        // the step number after this step
const R_FLAGS: u32 = 2u;       // F_* below
const R_HALT: u32 = 3u;
const R_DT: u32 = 4u;          // the step's dt
const R_TIME: u32 = 5u;        // two words: the time after the step (df64)
const R_DTNEXT: u32 = 7u;
const R_RATE: u32 = 8u;
const R_STIFF: u32 = 9u;
const R_DXI: u32 = 10u;
const R_LIM: u32 = 14u;
const R_INFLUX: u32 = 15u;
const R_DEP: u32 = 16u;        // Σ Δξ (the host multiplies by dx^d)
const R_F1: u32 = 20u;
const R_F0: u32 = 21u;
const R_SRC: u32 = 22u;
const R_CTL: u32 = 23u;        // nine words: voltage, segment, current, current's voltage, previous current and voltage, accumulated deposit and time, hasCurrent | hasPrev << 1
const R_CHECK: u32 = 32u;      // four words: non-finite cells, min ξ, max ξ, min c̃
const R_SINCE: u32 = 36u;      // steps since the last potential solve, after the boundary
const R_TIP: u32 = 37u;        // the checked fields' tip position, µm (with F_CONTACT)
const R_PHASEMAX: u32 = 38u;   // the most CG iterations one IMEX phase sweep took (its slot reports their sum)
const R_SPX: u32 = 40u;        // the species' influx, one word each (≤ 8)
const R_SOLVES: u32 = 48u;     // three words per solve slot (iterations, residual, outcome): 0 potential, 1 transport, 2 + m species m, then other stages' solves (≤ 16 slots)
const F_STEP: u32 = 1u;        // a step was taken
const F_LANDED: u32 = 2u;      // it ended on the target
const F_DECIDED: u32 = 4u;     // the boundary's decision was made on the device
const F_SOLVED: u32 = 8u;      // … and solved the potential
const F_SAVED: u32 = 16u;      // the good state was saved at the boundary
const F_CHECKED: u32 = 32u;    // the stability check ran after the step (and passed)
const F_CHANGED: u32 = 64u;    // the controller changed the voltage
const F_NEWSEG: u32 = 128u;    // a schedule segment began
const F_PAUSED: u32 = 256u;    // the loop paused at this boundary (checkpoint)
const F_LIMIT: u32 = 512u;     // the loop reached its step limit, or the end of its schedule table (loop_decide, loop_end)
const F_CONTACT: u32 = 1024u;  // the checked fields reach the counter electrode (the short circuit)
const F_NEEDPOT: u32 = 2048u;  // the loop stopped at this boundary undecided: a potential solve is due and was not recorded here
