// The house rules of DESIGN.md as a lint rule, so that a forbidden import fails `npm run lint`:
// - core imports no plugin and no storage adapter;
// - a plugin imports core only through its public entry (core/index.ts), and no other plugin or adapter;
// - a storage adapter imports only core/ports and core/model, and no other adapter or plugin.
// Tests, benchmarks, examples and scripts may import anything.
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** `core`, `plugins/<name>`, `storage-adapters/<name>`, or null for the rest of the tree. */
function layerOf(file) {
  const [top, name] = path.relative(ROOT, file).split(path.sep);
  if (top === 'core') return { kind: 'core' };
  if (top === 'plugins' || top === 'storage-adapters') return { kind: top, name };
  return null;
}

/** Why importing `target` from `source` breaks a house rule, or null. */
function violation(source, target, targetFile) {
  const inCore = (...folders) =>
    folders.some((folder) => targetFile.startsWith(path.join(ROOT, 'core', folder) + path.sep));
  if (source.kind === 'core') {
    return target && target.kind !== 'core' ? `core must not import ${target.kind}/${target.name}` : null;
  }
  if (!target) return null;
  if (source.kind === 'plugins') {
    if (target.kind === 'core')
      return targetFile === path.join(ROOT, 'core', 'index.ts')
        ? null
        : 'plugins import core only through core/index.js';
    if (target.kind === 'plugins' && target.name === source.name) return null;
    return `plugin ${source.name} must not import ${target.kind}/${target.name}: cooperate through core services, ports and hooks`;
  }
  if (target.kind === 'core')
    return inCore('ports', 'model') ? null : 'storage adapters import only core/ports and core/model';
  if (target.kind === 'storage-adapters' && target.name === source.name) return null;
  return `storage adapter ${source.name} must not import ${target.kind}/${target.name}`;
}

const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'the import rules between core, plugins and storage adapters' },
    schema: [],
  },
  create(context) {
    const source = layerOf(context.filename);
    if (!source) return {};
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const targetFile = path.resolve(path.dirname(context.filename), spec).replace(/\.js$/, '.ts');
      const why = violation(source, layerOf(targetFile), targetFile);
      if (why) context.report({ node: node.source, message: why });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { layers } };
