/**
 * Checkpoints with hostile or odd configs through the real CLI (issue 33, items 9 and 10): names
 * that exist only on Object.prototype ("__proto__", "toString", "constructor") as activations,
 * layer classes and losses; functional input_layers/output_layers that point somewhere other than
 * the graph's ends; unsupported activation, data_format and padding refused naming the file and
 * the layer that holds them. Every fixture is made here from a copy of a bundled one.
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { FIX, editedModel as model, evalLoss, expectRefused, topology as topo, type RefusalCase as Case } from './helpers/odd-checkpoints.js';
import { canonicalLoss } from '../src/model/loss.js';

const SPIRAL = path.join(FIX, 'spiral-tanh');
const SPIRAL_CSV = path.join(SPIRAL, 'train.csv');
const FUNC = path.join(FIX, 'functional');
const FUNC_CSV = path.join(FUNC, 'data.csv');
const CNN = path.join(FIX, 'cnn');
const layers = (j: any) => topo(j).config.layers;

describe('names looked up on prototypes', () => {
  it('activation, class_name and loss "__proto__" / "toString" / "constructor" are refused naming the file and field', async () => {
    const act = (v: string) => (j: any) => (layers(j)[0].config.activation = v);
    const cls = (v: string) => (j: any) => (layers(j)[1].class_name = v);
    await expectRefused([
      {
        label: 'activation __proto__',
        args: ['eval', '--model', await model('act-proto', SPIRAL, act('__proto__')), '--data', SPIRAL_CSV],
        want: [/model\.json: layer "dense_1" \(Dense\): activation "__proto__" is not supported/],
      },
      {
        label: 'activation constructor',
        args: ['eval', '--model', await model('act-ctor', SPIRAL, act('constructor')), '--data', SPIRAL_CSV],
        want: [/model\.json: layer "dense_1" \(Dense\): activation "constructor" is not supported/],
      },
      {
        label: 'class_name toString',
        args: ['eval', '--model', await model('cls-tostring', SPIRAL, cls('toString')), '--data', SPIRAL_CSV],
        want: [/model\.json: layer "dense_2" of type "toString" is not supported/],
      },
      {
        label: 'class_name __proto__',
        args: ['eval', '--model', await model('cls-proto', SPIRAL, cls('__proto__')), '--data', SPIRAL_CSV],
        want: [/model\.json: layer "dense_2" of type "__proto__" is not supported/],
      },
      {
        label: 'loss constructor',
        args: ['eval', '--model', await model('loss-ctor', SPIRAL, (j) => (j.trainingConfig.loss = 'constructor')), '--data', SPIRAL_CSV],
        want: [/model\.json: trainingConfig\.loss "constructor" is not a loss losslens computes/],
      },
      {
        label: 'loss object constructor',
        args: [
          'eval',
          '--model',
          await model('loss-ctor-obj', SPIRAL, (j) => (j.trainingConfig.loss = { class_name: 'constructor', config: {} })),
          '--data',
          SPIRAL_CSV,
        ],
        want: [/model\.json: trainingConfig\.loss "constructor"/],
      },
      { label: '--loss constructor', args: ['eval', '--model', SPIRAL, '--data', SPIRAL_CSV, '--loss', 'constructor'], want: [/loss/, /constructor/] },
    ]);
  }, 120_000);

  it("the loss registry answers only its own names (jobs reach it without the CLI's choices)", () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(() => canonicalLoss(name)).toThrow(/unknown or unsupported loss/);
    expect(canonicalLoss('mse')).toBe('meanSquaredError');
    expect(canonicalLoss('categorical_crossentropy')).toBe('categoricalCrossentropy');
  });
});

describe('functional endpoints', () => {
  const cfgOf = (j: any) => topo(j).config;
  it('input_layers and output_layers that point elsewhere than the graph are refused, naming the field', async () => {
    const extraInput = (j: any) =>
      cfgOf(j).layers.splice(1, 0, {
        name: 'other_in',
        class_name: 'InputLayer',
        config: { name: 'other_in', batch_input_shape: [null, 8] },
        inbound_nodes: [],
      });
    const cases: [string, (j: any) => void, RegExp][] = [
      [
        'output is an inner layer',
        (j) => (cfgOf(j).output_layers = [['side_softplus', 0, 0]]),
        /output_layers names layer "side_softplus", but layer "output" \(Dense\) does not lead to it/,
      ],
      ['output at node 1', (j) => (cfgOf(j).output_layers = [['output', 1, 0]]), /output_layers entry \["output",1,0\]: node and tensor index must be 0/],
      [
        'input is a Dense layer',
        (j) => (cfgOf(j).input_layers = [['trunk', 0, 0]]),
        /input_layers names layer "trunk" \(Dense\); a model's input must be an InputLayer/,
      ],
      ['input names no layer', (j) => (cfgOf(j).input_layers = [['nowhere', 0, 0]]), /input_layers names unknown layer "nowhere"/],
      ['input at tensor 2', (j) => (cfgOf(j).input_layers = [['features', 0, 2]]), /input_layers entry \["features",0,2\]: node and tensor index must be 0/],
      ['a second InputLayer', extraInput, /layer "other_in" is an InputLayer that input_layers does not name/],
      ['a layer with no inbound node', (j) => (cfgOf(j).layers[1].inbound_nodes = []), /layer "trunk" \(Dense\) has no inbound_nodes/],
    ];
    const all: Case[] = [];
    for (const [label, edit, want] of cases)
      all.push({ label, args: ['eval', '--model', await model(`fn-${label}`, FUNC, edit), '--data', FUNC_CSV], want: [/model\.json/, want] });
    await expectRefused(all);
  }, 120_000);

  it('the layer output_layers names is the output wherever the layers list puts it', async () => {
    // the head listed first and the graph's order reversed: the same model, the same loss
    const shuffled = await model('fn-reordered', FUNC, (j) => {
      const ls = cfgOf(j).layers;
      cfgOf(j).layers = [ls[ls.length - 1], ...ls.slice(0, -1).reverse()];
    });
    expect(await evalLoss(shuffled, FUNC_CSV)).toBe(await evalLoss(FUNC, FUNC_CSV));
  }, 120_000);
});

describe('unsupported layer configs name the file and the layer that holds them', () => {
  it('activation, data_format and padding', async () => {
    const all: Case[] = [];
    const cnn = async (label: string, edit: (j: any) => void, want: RegExp) =>
      all.push({ label, args: ['eval', '--model', await model(`cfg-${label}`, CNN, edit), '--data', CNN, '--samples', '16'], want: [/model\.json: /, want] });
    all.push({
      label: 'activation swishy',
      args: ['eval', '--model', await model('cfg-swishy', SPIRAL, (j) => (layers(j)[1].config.activation = 'swishy')), '--data', SPIRAL_CSV],
      want: [/model\.json: layer "dense_2" \(Dense\): activation "swishy" is not supported; supported: .*swish/],
    });
    await cnn(
      'conv channels_first',
      (j) => (layers(j)[0].config.data_format = 'channels_first'),
      /layer "conv_1" \(Conv2D\): "data_format": "channels_first" is not supported; only channels_last/,
    );
    await cnn(
      'pool channels_first',
      (j) => (layers(j)[3].config.data_format = 'channels_first'),
      /layer "avg_pool" \(AveragePooling2D\): "data_format": "channels_first"/,
    );
    await cnn(
      'conv padding full',
      (j) => (layers(j)[0].config.padding = 'full'),
      /layer "conv_1" \(Conv2D\): "padding": "full" is not supported; only "same" or "valid"/,
    );
    await cnn(
      'pool padding causal',
      (j) => (layers(j)[1].config.padding = 'causal'),
      /layer "max_pool" \(MaxPooling2D\): "padding": "causal" is not supported/,
    );
    await expectRefused(all);
  }, 120_000);
});
