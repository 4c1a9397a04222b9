/**
 * Which model.json `--model` names, and whether it is a LayersModel at all: a folder without
 * model.json lists the .json files it holds; a GraphModel (or a bare weights manifest, or a
 * Keras file) is named as such with the conversion that makes a LayersModel of it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { inputError, unsupportedError } from '../errors.js';

const TO_LAYERS =
  'losslens needs a LayersModel: convert the Keras model with `tensorflowjs_converter --input_format keras --output_format tfjs_layers_model MODEL.h5 OUT_DIR` (or save it from tfjs-layers with model.save)';

/** The model.json file that `p` names: `p` itself, or `p/model.json` for a folder. */
export async function modelJsonPath(p: string): Promise<string> {
  const abs = path.resolve(p);
  const st = await fs.stat(abs).catch(() => undefined);
  if (!st) throw inputError(p, 'model.json not found (--model takes a tfjs LayersModel model.json or its folder)');
  if (!st.isDirectory()) {
    refuseByExtension(abs);
    return abs;
  }
  const inner = path.join(abs, 'model.json');
  if ((await fs.stat(inner).catch(() => undefined))?.isFile()) return inner;
  const names = (await fs.readdir(abs).catch(() => [] as string[])).filter((n) => n.toLowerCase().endsWith('.json')).sort();
  if (names.length === 0)
    throw inputError(inner, "model.json not found in this folder, and the folder holds no .json file; pass the model's .json file with --model");
  const shown = names.slice(0, 8).map((n) => path.join(p, n));
  const more = names.length > shown.length ? ` and ${names.length - shown.length} more` : '';
  throw inputError(
    inner,
    `model.json not found in this folder; it holds ${names.length === 1 ? 'one .json file' : `${names.length} .json files`}: ${shown.join(', ')}${more}; pass the model's .json file itself to --model`,
  );
}

function refuseByExtension(file: string): void {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.h5' || ext === '.hdf5' || ext === '.keras') throw unsupportedError(`this is a Keras ${ext} file, not a tfjs model.json; ${TO_LAYERS}`, file);
  if (ext === '.pb') throw unsupportedError(`this is a TensorFlow GraphDef/SavedModel file; ${TO_LAYERS}`, file);
}

/** Refuse what is not a LayersModel model.json, naming what it is and the conversion to use. */
export function checkLayersModel(json: Record<string, any>, file: string): void {
  const topo = json.modelTopology;
  const graph =
    json.format === 'graph-model' ||
    (topo && typeof topo === 'object' && (Array.isArray(topo.node) || topo.versions !== undefined || topo.library !== undefined));
  if (graph) {
    throw unsupportedError(
      `this is a GraphModel (${json.format === 'graph-model' ? '"format": "graph-model"' : 'modelTopology is a TensorFlow GraphDef'}), which has no layers to analyse; ${TO_LAYERS}. A SavedModel or frozen graph cannot be made into a LayersModel`,
      file,
    );
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw unsupportedError(`"format": ${JSON.stringify(json.format)} is not a tfjs LayersModel ("layers-model"); ${TO_LAYERS}`, file);
  }
  if (Array.isArray(json) || (json.modelTopology == null && Array.isArray((json as { weights?: unknown }).weights))) {
    throw inputError(file, 'this is a weights manifest, not a model.json (it has no "modelTopology"); pass the model.json that lists it');
  }
  if (topo == null || typeof topo !== 'object') {
    const keras = typeof json.class_name === 'string' && json.config !== undefined;
    throw inputError(
      file,
      keras
        ? 'this is a bare Keras model config (model.to_json()), not a tfjs model.json: it has no "modelTopology" and no weights; ' + TO_LAYERS
        : 'missing modelTopology (is this a tfjs LayersModel model.json?); ' + TO_LAYERS,
    );
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw inputError(file, 'missing weightsManifest (a model.json from model.toJSON() has no weights; save with model.save or tensorflowjs_converter)');
  }
}
