// ort_bench.js - ONNX Runtime (onnxruntime-node, CPU) side of the onnxc benchmark.
//
// bench.py keeps one of these processes per thread count alive for the whole
// interleaved run, so ONNX Runtime's session (graph optimization, prepacked weights,
// thread pool) is built once and each timed run is session.run() alone, as the
// onnxc executable's own timer measures onnxc_run() alone.
//
//   node ort_bench.js --model M.onnx --input inputs=X.npy [--threads N] --serve
//       prints {"ready":...} once the session exists, then answers each stdin line
//       "run" or "run DIR" (also writes every output as DIR/NAME.npy) with one JSON
//       line {"ms": wall time of session.run}; "quit" or end of input exits.
//   node ort_bench.js --model M.onnx --input inputs=X.npy [--threads N] [--runs 10]
//       standalone: one warm-up run, then prints median/min/max of N runs.
//
// Session: CPU execution provider, graph optimization level "all", intra-op
// threads = N, inter-op threads 1, sequential execution; everything else default.
// Needs onnxruntime-node on NODE_PATH (bench.py installs it in build/bench/).
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const ort = require('onnxruntime-node');

// ---- .npy (format 1.x/2.x/3.x, C order, little-endian) -------------------------

const NPY_TYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array],
  '<i2': ['int16', Int16Array], '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array], '<u2': ['uint16', Uint16Array],
  '|b1': ['bool', Uint8Array],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY')
    throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape || /'fortran_order':\s*True/.test(header))
    throw new Error(`${file}: unsupported .npy header ${header.trim()}`);
  const t = NPY_TYPES[descr[1]];
  if (!t) throw new Error(`${file}: unsupported dtype ${descr[1]}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const bytes = buf.subarray(off, off + count * t[1].BYTES_PER_ELEMENT);
  // Copy into a fresh, aligned buffer of the right element type.
  const data = new t[1](count);
  new Uint8Array(data.buffer).set(bytes);
  return new ort.Tensor(t[0] === 'bool' ? 'bool' : t[0], data, dims);
}

function writeNpy(file, tensor) {
  const entry = Object.entries(NPY_TYPES).find(([, v]) => v[0] === tensor.type);
  if (!entry) throw new Error(`cannot write a ${tensor.type} tensor as .npy`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${entry[0]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

// ---- command line ------------------------------------------------------------------

function parseArgs(argv) {
  const o = { inputs: [], threads: 1, runs: 10, serve: false, model: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--model') o.model = next();
    else if (a === '--input') o.inputs.push(next());
    else if (a === '--threads') o.threads = parseInt(next(), 10);
    else if (a === '--runs') o.runs = parseInt(next(), 10);
    else if (a === '--serve') o.serve = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.model || !o.inputs.length) throw new Error('usage: --model M.onnx --input NAME=FILE.npy ...');
  if (!(o.threads >= 1) || !(o.runs >= 1)) throw new Error('--threads and --runs take counts >= 1');
  return o;
}

function vmRssKb(field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : null;
}

async function timedRun(session, feeds, dir) {
  const t0 = process.hrtime.bigint();
  const out = await session.run(feeds);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of session.outputNames) writeNpy(path.join(dir, `${name}.npy`), out[name]);
  }
  return ms;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const baseRss = vmRssKb('VmRSS');
  const feeds = {};
  for (const spec of o.inputs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new Error(`--input expects NAME=FILE.npy, not ${spec}`);
    feeds[spec.slice(0, eq)] = readNpy(spec.slice(eq + 1));
  }
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(o.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;

  if (!o.serve) {
    await timedRun(session, feeds, null);
    const ms = [];
    for (let i = 0; i < o.runs; i++) ms.push(await timedRun(session, feeds, null));
    ms.sort((a, b) => a - b);
    const n = ms.length;
    const med = n % 2 ? ms[(n - 1) / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    console.log(`onnxruntime-node ${ort.env.versions.node}, ${o.threads} threads: ` +
      `median ${med.toFixed(3)} ms (min ${ms[0].toFixed(3)} ms, max ${ms[n - 1].toFixed(3)} ms), ` +
      `session ${loadMs.toFixed(0)} ms, peak RSS ${vmRssKb('VmHWM')} kB`);
    return;
  }

  const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
  say({ ready: true, version: ort.env.versions.node, load_ms: loadMs, base_rss_kb: baseRss,
    outputs: session.outputNames });
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    const words = line.trim().split(/\s+/);
    if (words[0] === 'quit') break;
    if (words[0] !== 'run') {
      say({ error: `unknown command ${line.trim()}` });
      continue;
    }
    try {
      say({ ms: await timedRun(session, feeds, words[1] || null) });
    } catch (e) {
      say({ error: String(e && e.message ? e.message : e).split('\n')[0] });
    }
  }
  await session.release();
}

main().catch((e) => {
  const msg = String(e && e.message ? e.message : e).split('\n')[0];
  process.stdout.write(JSON.stringify({ error: msg }) + '\n');
  process.stderr.write(`ort_bench: ${msg}\n`);
  process.exit(1);
});
