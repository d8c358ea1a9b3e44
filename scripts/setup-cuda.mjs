#!/usr/bin/env node
// `npm run setup:cuda`: fetch ONNX Runtime's CUDA 12 execution provider for onnxruntime-node (NVIDIA GPUs,
// Linux x64). `npm ci` skips it on purpose (.npmrc onnxruntime-node-install=skip keeps installs offline-safe);
// this runs onnxruntime-node's own installer with `cuda12`, which downloads Microsoft.ML.OnnxRuntime.Gpu.Linux
// from NuGet (api.nuget.org) into node_modules/onnxruntime-node/bin. Needs network, an NVIDIA driver, CUDA 12
// and cuDNN 9 on the library path. Fails with one clear line, and changes nothing, when it cannot.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const { console } = globalThis;
const require = createRequire(import.meta.url);
const fail = (msg) => {
  console.error(`setup:cuda: ${msg}`);
  process.exit(1);
};

const platform = `${process.platform}/${process.arch}`;
if (platform !== 'linux/x64') {
  const alt =
    process.platform === 'win32'
      ? 'on Windows the DirectML provider is already bundled: use --device dml (or auto)'
      : process.platform === 'darwin'
        ? 'on macOS the CoreML provider is already bundled: use --device coreml (or auto)'
        : 'use --device cpu';
  fail(`onnxruntime-node ships its CUDA provider for Linux x64 only, not ${platform}; ${alt}.`);
}

let root;
try {
  root = path.dirname(require.resolve('onnxruntime-node/package.json'));
} catch {
  fail('onnxruntime-node is not installed: run `npm ci` first.');
}
const installer = path.join(root, 'script', 'install.js');
const bin = path.join(root, 'bin', 'napi-v6', 'linux', 'x64');
const libs = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];

console.error(
  'setup:cuda: downloading the CUDA 12 provider for onnxruntime-node from NuGet (a few hundred MB)…',
);
// onnxruntime-node 1.30's parseInstallFlag() returns nothing for a value such as `cuda12`, and the
// installer then treats "run from inside a project by npm" (npm_config_local_prefix + npm_package_json,
// which `npm run` sets) as "skip" and exits 0 without installing. So drop npm's variables (and the
// .npmrc skip) from the child's environment: it then installs its platform default, which on Linux x64
// is exactly cuda12, and fails loudly when it cannot.
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' };
for (const k of ['npm_config_local_prefix', 'npm_package_json', 'npm_config_onnxruntime_node_install'])
  delete env[k];
const r = spawnSync(process.execPath, [installer, '--onnxruntime-node-install=cuda12'], {
  env,
  encoding: 'utf8',
  timeout: 30 * 60 * 1000,
});
if (r.error) fail(`the installer could not run: ${r.error.message}`);
if (r.status !== 0) {
  const out = `${r.stderr}\n${r.stdout}`;
  const lines = out.split('\n').map((l) => l.trim());
  const cause =
    lines.find((l) => /^Error:/.test(l))?.replace(/^Error:\s*/, '') ??
    lines.filter(Boolean).pop() ??
    `exit code ${r.status}`;
  const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|getaddrinfo/.test(out);
  fail(
    offline
      ? `cannot reach NuGet to download the CUDA provider (${cause}). This step needs network access to api.nuget.org; nothing was changed. The CPU provider keeps working.`
      : `onnxruntime-node's installer failed: ${cause}. Nothing was changed; the CPU provider keeps working.`,
  );
}
const missing = libs.filter((l) => !existsSync(path.join(bin, l)));
if (missing.length) fail(`the installer finished but ${missing.join(', ')} is missing from ${bin}.`);

// Installed: say whether this machine can load it (libcudart 12, libcublas 12, libcudnn 9, a driver).
for (const lib of libs) {
  try {
    process.dlopen({ exports: {} }, path.join(bin, lib));
  } catch (e) {
    const msg = String(e.message).split('\n')[0];
    if (!/did not self-register/.test(msg)) {
      console.error(
        `setup:cuda: installed, but it cannot load yet: ${msg}. Install CUDA 12 and cuDNN 9 (and add them to LD_LIBRARY_PATH); --device auto uses the CPU until then.`,
      );
      process.exit(0);
    }
  }
}
console.error('setup:cuda: done. `--device auto` now tries CUDA first; `--device cuda` requires it.');
