// The channel table of a multi-channel reduction (src/backends/webgpu/reduce.ts packs it,
// reduce_stage1.wgsl and reduce_stage2.wgsl read it). Channel c is ch[c] = (n, parts, first,
// slot): it reduces n elements with `parts` stage-1 workgroups, whose partials are
// partial[first .. first + parts) (the channels' ranges follow each other in channel order, so
// stage-1 workgroup w writes partial[w]), and stage 2 writes its result into scal[slot].
// At most MAX_CH channels: stage 1 binds seven inputs besides its partials, WebGPU's default
// limit of 8 storage buffers per shader stage.

const MAX_CH: u32 = 7u;

struct ReduceChannels {
  ch: array<vec4<u32>, MAX_CH>,
}
