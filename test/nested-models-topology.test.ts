/**
 * How a nested model's config is read: "trainable": false on a nested model freezes every weight
 * inside it (Keras semantics; checked against tfjs with the inner model frozen), weights named with
 * the nested model's path in the manifest match as bare names do, and a nested model that cannot be
 * flattened is refused naming its path.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { parseArchitecture } from '../src/model/architecture.js';
import { MAX_NESTING } from '../src/model/nested-models.js';
import type { Checkpoint } from '../src/io/types.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { NESTED_CASES } from './helpers/nested-nets.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const [SEQ, AE, THREE] = NESTED_CASES;

async function ckptOf(build: () => tf.LayersModel, edit?: (topo: any, ck: Checkpoint) => void): Promise<{ model: tf.LayersModel; ck: Checkpoint }> {
  const model = build();
  const ck = await checkpointFromModel(model);
  edit?.(ck.modelTopology, ck);
  return { model, ck };
}

describe('a nested model saved with "trainable": false', () => {
  it('freezes all its inner weights: θ holds the trainable weights tfjs keeps with the inner model frozen', async () => {
    const { model, ck } = await ckptOf(SEQ.build, (t) => (t.config.layers[1].config.trainable = false));
    (model.getLayer('inner') as tf.LayersModel).trainable = false;
    const bundle = loadModel(ck, 'sparseCategoricalCrossentropy');
    expect(bundle.layout.blocks.map((b) => b.name)).toEqual(model.trainableWeights.map((w) => w.originalName));
    expect(bundle.layout.blocks.map((b) => b.layer)).toEqual(['h1', 'h1', 'out', 'out']);
    expect(bundle.arch.blocks).toEqual([
      { path: 'inner', className: 'Sequential', trainable: false, output: 'inner/bn', outputs: [{ layer: 'inner/bn', tensor: 0 }] },
    ]);
    model.dispose();
  });

  it('freezes a model two levels down when the outer one is frozen', async () => {
    const { model, ck } = await ckptOf(THREE.build, (t) => (t.config.layers.find((l: any) => l.name === 'blk').config.trainable = false));
    const bundle = loadModel(ck, 'categoricalCrossentropy');
    expect(bundle.layout.blocks.map((b) => b.layer)).toEqual(['head', 'head']);
    expect(bundle.arch.blocks!.map((b) => [b.path, b.trainable])).toEqual([
      ['blk', false],
      ['blk/core', false],
    ]);
    model.dispose();
  });
});

describe("nested models' weight names", () => {
  it('a manifest naming weights by the nested model\'s path ("inner/h2/kernel") matches as its bare names do', async () => {
    const bare = loadModel((await ckptOf(SEQ.build)).ck, 'sparseCategoricalCrossentropy');
    const { model, ck } = await ckptOf(SEQ.build, (_t, c) =>
      c.weights.forEach((w) => (w.spec.name.startsWith('h2/') || w.spec.name.startsWith('bn/') ? (w.spec.name = `inner/${w.spec.name}`) : null)),
    );
    const prefixed = loadModel(ck, 'sparseCategoricalCrossentropy');
    expect(prefixed.layout.blocks.map((b) => b.name)).toContain('inner/h2/kernel');
    expect(prefixed.arch.nodes.map((n) => n.weights.map((w) => w.index))).toEqual(bare.arch.nodes.map((n) => n.weights.map((w) => w.index)));
    model.dispose();
  });

  it("two nested models whose layers share a name take the manifest's weights in order", async () => {
    const { model, ck } = await ckptOf(AE.build, (t, c) => {
      const dec = t.config.layers.find((l: any) => l.name === 'decoder');
      dec.config.layers[1].name = dec.config.layers[1].config.name = 'code';
      dec.config.output_layers = [['code', 0, 0]];
      c.weights.forEach((w) => (w.spec.name = w.spec.name.replace(/^recon\//, 'code/')));
    });
    const arch = parseArchitecture(ck);
    const code = (p: string) => arch.nodes.find((n) => n.name === p)!.weights.map((w) => w.shape);
    expect(code('encoder/code')).toEqual([[8, 3], [3]]);
    expect(code('decoder/code')).toEqual([[3, 4], [4]]);
    model.dispose();
  });
});

describe('nested models that cannot be flattened are refused naming the path', () => {
  const refuse = async (build: () => tf.LayersModel, edit: (t: any, c: Checkpoint) => void, want: RegExp) => {
    const { model, ck } = await ckptOf(build, edit);
    model.dispose();
    expect(() => parseArchitecture(ck)).toThrow(want);
  };

  it('an unsupported layer inside names it by path', () =>
    refuse(
      AE.build,
      (t) => (t.config.layers.find((l: any) => l.name === 'decoder').config.layers[1].class_name = 'Bogus'),
      /layer "decoder\/recon" of type "Bogus" is not supported/,
    ));

  it('a nested model whose input_layers names an input twice', () =>
    refuse(
      AE.build,
      (t) => {
        const dec = t.config.layers.find((l: any) => l.name === 'decoder');
        dec.config.input_layers.push(['dec_in', 0, 0]);
      },
      /in nested model "decoder": input_layers lists "dec_in" twice/,
    ));

  it('a nested model fed a shape its InputLayer does not take', () =>
    refuse(
      AE.build,
      (t) => {
        const dec = t.config.layers.find((l: any) => l.name === 'decoder');
        dec.config.layers[0].config.batch_input_shape = [null, 5];
      },
      /layer "decoder\/dec_in" \(InputLayer\) takes \[5\] per sample but layer "encoder\/code" feeds it \[3\]/,
    ));

  it('a nested model called twice (shared)', () =>
    refuse(AE.build, (t) => t.config.layers.find((l: any) => l.name === 'decoder').inbound_nodes.push([['encoder', 1, 0, {}]]), /layer "decoder" is shared/));

  it(`models nested more than ${MAX_NESTING} deep`, () =>
    refuse(
      SEQ.build,
      (t) => {
        let inner = t.config.layers[1];
        for (let i = 0; i < MAX_NESTING + 1; i++) inner = { class_name: 'Sequential', config: { name: `s${i}`, layers: [inner] } };
        t.config.layers[1] = inner;
      },
      new RegExp(`is nested more than ${MAX_NESTING} models deep`),
    ));

  it('a reference to another tensor of a nested model than its first', () =>
    refuse(AE.build, (t) => (t.config.output_layers = [['decoder', 1, 1]]), /output_layers entry \["decoder",1,1\]: node and tensor index must be 0/));
});
