/**
 * The config fields that choose what a layer computes — its activation, data_format and padding —
 * checked once, when the topology is parsed, so that a refusal names the file and the layer that
 * holds the field (a bad padding would otherwise surface as a shape fault of the next layer, and
 * an unknown activation only at the first forward pass, without the file).
 */
import { unsupportedError } from '../errors.js';
import { activationFn } from './activations.js';
import { cfg } from './layer-ops.js';

const WITH_ACTIVATION = new Set(['Dense', 'Conv2D', 'Activation']);
const SPATIAL = new Set(['Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);
const PADDED = new Set(['Conv2D', 'MaxPooling2D', 'AveragePooling2D']);
const CHANNELS_LAST = new Set(['channels_last', 'channelsLast']);
const PADDINGS = new Set(['same', 'valid']);

/** Throw an unsupported-input error naming `file` and the layer for the first field losslens cannot compute. */
export function checkLayerConfig(node: { name: string; className: string; config: unknown }, file: string): void {
  const where = `layer "${node.name}" (${node.className})`;
  const c = node.config;
  if (WITH_ACTIVATION.has(node.className)) activationFn(cfg(c, 'activation', 'linear'), where, file);
  if (SPATIAL.has(node.className)) {
    const fmt = cfg<unknown>(c, 'data_format', 'channels_last');
    if (typeof fmt !== 'string' || !CHANNELS_LAST.has(fmt)) {
      throw unsupportedError(
        `${where}: "data_format": ${JSON.stringify(fmt)} is not supported; only channels_last (convert the model to channels_last before saving)`,
        file,
      );
    }
  }
  if (PADDED.has(node.className)) {
    const pad = cfg<unknown>(c, 'padding', 'valid');
    if (typeof pad !== 'string' || !PADDINGS.has(pad)) {
      throw unsupportedError(`${where}: "padding": ${JSON.stringify(pad)} is not supported; only "same" or "valid"`, file);
    }
  }
}
