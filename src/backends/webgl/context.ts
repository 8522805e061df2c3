/**
 * The WebGL side of the WebGL backend: a WebGL1 context driven through regl 2.1.1, float
 * textures as render targets (ping-pong), one full-screen-quad pass per kernel (programs.ts),
 * uploads and read-backs of float textures.
 *
 * Requirements, checked before anything is allocated, each refused with a clear message:
 * WebGL1 itself, OES_texture_float, a complete framebuffer with an RGBA float colour texture
 * (WEBGL_color_buffer_float, implied by OES_texture_float on many implementations; tested by
 * building one), highp floats in fragment shaders, and a texture size that holds the grid.
 * A software renderer (SwiftShader, llvmpipe, …; found through WEBGL_debug_renderer_info) is
 * refused unless allowSoftware.
 */
import createREGL from 'regl';
import { fragmentSource, PROGRAMS, uniformNames, VERTEX, type GlslReader, type ProgramName } from './programs.ts';

/** A float RGBA render target (texture + framebuffer). */
export interface Target {
  tex: createREGL.Texture2D;
  fbo: createREGL.Framebuffer2D;
  w: number;
  h: number;
}

/** Uniform values of one pass (numbers, vectors, or targets as samplers). */
export type Uniforms = Record<string, number | number[] | Target>;

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|lavapipe|microsoft basic render/i;

export interface ContextOptions {
  allowSoftware?: boolean;
  canvas?: HTMLCanvasElement | OffscreenCanvas;
}

/** Marks a failure that only a worker has (the page's main thread may still make the context). */
export const NO_WORKER_WEBGL = 'no WebGL in workers here';

export class GlContext {
  readonly regl: createREGL.Regl;
  readonly gl: WebGLRenderingContext;
  readonly renderer: string;
  readonly software: boolean;
  readonly maxTexture: number;
  private canvas: HTMLCanvasElement | OffscreenCanvas;
  private commands = new Map<string, (props: Record<string, unknown>) => void>();
  private quad: createREGL.Buffer;
  private targets: Target[] = [];
  private lost = false;

  constructor(
    private read: GlslReader,
    private extraDefines: Record<string, string | number>,
    opts: ContextOptions = {},
  ) {
    // a page makes a canvas element; a worker (the page's solver worker) an OffscreenCanvas
    const inWorker = typeof document === 'undefined';
    if (inWorker && !opts.canvas && typeof OffscreenCanvas === 'undefined')
      throw new Error(`WebGL backend: ${NO_WORKER_WEBGL} (this browser has no OffscreenCanvas)`);
    this.canvas = opts.canvas ?? (inWorker ? new OffscreenCanvas(1, 1) : document.createElement('canvas'));
    this.canvas.width = 1;
    this.canvas.height = 1;
    const gl = (this.canvas as HTMLCanvasElement).getContext('webgl', {
      alpha: true,
      antialias: false,
      depth: false,
      stencil: false,
      premultipliedAlpha: false,
      preserveDrawingBuffer: false,
      powerPreference: 'high-performance',
    }) as WebGLRenderingContext | null;
    if (!gl && inWorker) throw new Error(`WebGL backend: ${NO_WORKER_WEBGL} (OffscreenCanvas gave no WebGL1 context)`);
    if (!gl) throw new Error('WebGL backend: this browser gave no WebGL1 context (WebGL disabled or unsupported)');
    this.gl = gl;
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    this.renderer = String((dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) ?? 'unknown');
    this.software = SOFTWARE.test(this.renderer);
    if (this.software && opts.allowSoftware === false) {
      throw new Error(
        `WebGL backend: the WebGL renderer is a software one (${this.renderer}), slower than the CPU backend; name the webgl backend explicitly to run on it anyway`,
      );
    }
    if (!gl.getExtension('OES_texture_float'))
      throw new Error(`WebGL backend: OES_texture_float is missing (${this.renderer}); the backend needs float textures`);
    gl.getExtension('WEBGL_color_buffer_float');
    const hp = gl.getShaderPrecisionFormat(gl.FRAGMENT_SHADER, gl.HIGH_FLOAT);
    if (!hp || hp.precision < 23)
      throw new Error(`WebGL backend: fragment shaders have no highp float (precision ${hp?.precision ?? 0} bits; ${this.renderer})`);
    this.maxTexture = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    this.checkFloatTarget();
    this.regl = createREGL({ gl, extensions: ['OES_texture_float'], optionalExtensions: ['WEBGL_color_buffer_float'] });
    this.quad = this.regl.buffer([-1, -1, 1, -1, -1, 1, 1, 1]);
    this.canvas.addEventListener('webglcontextlost', () => {
      this.lost = true;
    });
  }

  /** A float RGBA texture attached to a framebuffer must be complete (render-to-float). */
  private checkFloatTarget(): void {
    const gl = this.gl;
    const tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, 4, 4, 0, gl.RGBA, gl.FLOAT, null);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    const fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    const status = gl.checkFramebufferStatus(gl.FRAMEBUFFER);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.bindTexture(gl.TEXTURE_2D, null);
    gl.deleteFramebuffer(fb);
    gl.deleteTexture(tex);
    if (status !== gl.FRAMEBUFFER_COMPLETE) {
      throw new Error(
        `WebGL backend: float render targets are not supported (framebuffer status 0x${status.toString(16)}; WEBGL_color_buffer_float missing on ${this.renderer})`,
      );
    }
  }

  /** Throws when the context is lost (every stage checks before recording work). */
  check(): void {
    if (this.lost || this.gl.isContextLost()) throw new Error('WebGL backend: the WebGL context was lost');
  }

  /** A w×h RGBA float render target, optionally filled with data (4 floats per texel). */
  target(w: number, h: number, data?: Float32Array): Target {
    if (w > this.maxTexture || h > this.maxTexture)
      throw new Error(`WebGL backend: a ${w}×${h} texture exceeds MAX_TEXTURE_SIZE = ${this.maxTexture}`);
    const tex = this.regl.texture({
      width: w,
      height: h,
      type: 'float',
      format: 'rgba',
      min: 'nearest',
      mag: 'nearest',
      wrapS: 'clamp',
      wrapT: 'clamp',
      data: data ?? null,
    });
    const fbo = this.regl.framebuffer({ color: tex, depthStencil: false });
    const t = { tex, fbo, w, h };
    this.targets.push(t);
    return t;
  }

  /** Replaces the whole content of a target (4 floats per texel). */
  upload(t: Target, data: Float32Array): void {
    if (data.length !== 4 * t.w * t.h) throw new Error(`WebGL backend: upload of ${data.length} floats into a ${t.w}×${t.h} RGBA texture`);
    t.tex.subimage({ width: t.w, height: t.h, data, type: 'float', format: 'rgba' } as unknown as createREGL.TextureImageData);
  }

  /** Reads a target back (RGBA f32, rows bottom-up like the texture). */
  readTarget(t: Target, x = 0, y = 0, w = t.w, h = t.h): Float32Array {
    this.check();
    return this.regl.read({ framebuffer: t.fbo, x, y, width: w, height: h }) as Float32Array;
  }

  /** Runs program `name` into target `out` (every texel) with the given uniforms. */
  run(name: ProgramName, out: Target, u: Uniforms): void {
    const cmd = this.command(name);
    const props: Record<string, unknown> = { fbo: out.fbo };
    for (const [k, v] of Object.entries(u)) props[k] = typeof v === 'object' && !Array.isArray(v) ? v.tex : v;
    cmd(props);
  }

  private command(name: ProgramName): (props: Record<string, unknown>) => void {
    let cmd = this.commands.get(name);
    if (cmd) return cmd;
    const frag = fragmentSource(name, this.read, this.extraDefines);
    const names = uniformNames(frag);
    const uniforms: Record<string, (c: unknown, p: Record<string, unknown>) => unknown> = {};
    for (const n of names) {
      uniforms[n] = (_c, p) => {
        const v = p[n];
        if (v === undefined) throw new Error(`WebGL backend: program ${name} needs uniform ${n}`);
        return v;
      };
    }
    const draw = this.regl({
      vert: this.read(VERTEX),
      frag,
      attributes: { aPos: this.quad },
      count: 4,
      primitive: 'triangle strip',
      uniforms: uniforms as never,
      framebuffer: ((_c: unknown, p: Record<string, unknown>) => p.fbo) as never,
      depth: { enable: false },
      blend: { enable: false },
    });
    cmd = (props) => draw(props);
    this.commands.set(name, cmd);
    return cmd;
  }

  /** Compiles every program (creation-time validation: a shader error names its program). */
  compileAll(): string[] {
    for (const name of Object.keys(PROGRAMS) as ProgramName[]) {
      try {
        this.command(name);
      } catch (e) {
        throw new Error(`WebGL backend: program ${name} failed to build: ${(e as Error).message}`);
      }
    }
    return [...this.commands.keys()];
  }

  /** Tests only: loses the context (WEBGL_lose_context), as a GPU reset or a tab in the background may. */
  loseContext(): void {
    const ext = this.gl.getExtension('WEBGL_lose_context');
    if (!ext) throw new Error('WebGL backend: WEBGL_lose_context is not available to simulate a lost context');
    ext.loseContext();
    this.lost = true;
  }

  dispose(): void {
    if (!this.lost && !this.gl.isContextLost())
      for (const t of this.targets) {
        t.fbo.destroy();
        t.tex.destroy();
      }
    this.targets = [];
    if (!this.lost && !this.gl.isContextLost()) {
      this.regl.destroy();
      this.gl.getExtension('WEBGL_lose_context')?.loseContext();
    }
  }
}
