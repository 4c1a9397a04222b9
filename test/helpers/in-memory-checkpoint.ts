/** Turn a tfjs-layers model into our plain Checkpoint without touching disk. */
import * as tf from '@tensorflow/tfjs';
import type { Checkpoint } from '../../src/io/types.js';

export async function checkpointFromModel(model: tf.LayersModel, path = '/in-memory/model.json'): Promise<Checkpoint> {
  let out: Checkpoint | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Float32Array(a.weightData as ArrayBuffer);
      let off = 0;
      const weights = a.weightSpecs!.map((s) => {
        const size = s.shape.reduce((x, y) => x * y, 1);
        const values = data.slice(off, off + size);
        off += size;
        return { spec: { name: s.name, shape: s.shape, dtype: 'float32' as const }, values };
      });
      // model.save writes trainingConfig only with includeOptimizer (which also appends optimizer
      // state); take the compiled model's config directly instead.
      const trainingConfig = a.trainingConfig ?? ((model as any).optimizer ? (model as any).getTrainingConfig() : undefined);
      out = { path, modelTopology: a.modelTopology, trainingConfig, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}

/** A dataset object from plain arrays. */
export function datasetOf(
  x: number[][] | Float32Array,
  xShape: number[],
  y: number[] | Float32Array,
  labelKind: 'class-index' | 'float' | 'one-hot',
  yShape: number[] = [],
) {
  const xf = x instanceof Float32Array ? x : Float32Array.from(x.flat());
  const n = xf.length / xShape.reduce((a, b) => a * b, 1);
  return { source: 'in-memory.csv', n, xShape, x: xf, yShape, y: Float32Array.from(y), labelKind };
}
