/**
 * A tfjs-layers topology (the Keras 2 form `model.toJSON` writes) rewritten as Keras 3's
 * `model.to_json()` writes the same model, which is what the TensorFlow.js converter copies into
 * model.json for a Keras 3 model. The rules, read from keras/src/models/functional.py (get_config,
 * serialize_node), sequential.py, layers/core/input_layer.py and saving/serialization_lib.py:
 * - every object as {module, class_name, config, registered_name}; a layer's dtype as a DTypePolicy
 *   object, its build_config beside the config; a Model is class "Functional";
 * - InputLayer: {batch_shape, dtype, sparse, ragged, name, optional};
 * - a call as {args, kwargs}: each tensor {class_name: "__keras_tensor__", config: {shape, dtype,
 *   keras_history: [layer, node, tensor]}}, several tensors as one list argument, an RNN's
 *   initial states in kwargs.initial_state;
 * - node indices: a nested Functional starts with a built-in node. Inside inbound_nodes
 *   (serialize_node) nodes the outer model does not own are not counted, so its first call is
 *   node 0; in input_layers/output_layers (node_reindexing_map) it is node 1. A Sequential has no
 *   built-in node in Keras 3 (node 0 in both), where tfjs-layers writes 1 for both kinds;
 * - Keras 3 layer fields: LSTM/GRU gain use_cudnn and seed, lose implementation; Embedding loses
 *   input_length and gains quantization_config; RNNs write zero_output_for_mask; `layers` entries carry their name twice (top level and config).
 */

type Json = any;

const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const MODELS = new Set(['Model', 'Functional', 'Sequential']);

/** The model_config of a Keras 3 model.json for tfjs topology `topo`; `shapes` maps layer names to their per-sample output shapes (for keras_history). */
export function keras3Topology(topo: Json, shapes: Map<string, (number | null)[]> = new Map()): Json {
  return { ...modelEntry(topo, shapes), module: 'keras.src.models.functional' };
}

function modelEntry(m: Json, shapes: Map<string, (number | null)[]>): Json {
  const seq = m.class_name === 'Sequential';
  const layers: Json[] = Array.isArray(m.config) ? m.config : m.config.layers;
  const classOf = new Map<string, string>(layers.map((l: Json) => [l.config?.name ?? l.name, l.class_name]));
  const config: Json = { name: m.config.name, trainable: true, layers: layers.map((l) => layerEntry(l, seq, classOf, shapes)) };
  if (seq) {
    config.dtype = policy;
    const first = layers[0]?.config?.batch_input_shape;
    if (first && layers[0].class_name !== 'InputLayer') config.layers.unshift(inputLayer(`${m.config.name}_input`, first));
    if (first) config.build_input_shape = first;
  } else {
    config.input_layers = endpoints(m.config.input_layers, classOf);
    config.output_layers = endpoints(m.config.output_layers, classOf);
  }
  const klass = seq ? 'Sequential' : 'Functional';
  return { module: seq ? 'keras.src.models.sequential' : 'keras.src.models.functional', class_name: klass, config, registered_name: klass };
}

/** input_layers / output_layers: a nested Functional's call is node 1, a Sequential's node 0; one tensor is written bare. */
function endpoints(list: Json[], classOf: Map<string, string>): Json {
  const out = list.map(([name, node, tensor]: Json[]) => [name, classOf.get(name) === 'Sequential' ? 0 : node, tensor]);
  return out.length === 1 ? out[0] : out;
}

const inputLayer = (name: string, batchShape: Json) => ({
  module: 'keras.layers',
  class_name: 'InputLayer',
  config: { batch_shape: batchShape, dtype: 'float32', sparse: false, ragged: false, name, optional: false },
  registered_name: null,
  name,
});

function layerEntry(l: Json, inSequential: boolean, classOf: Map<string, string>, shapes: Map<string, (number | null)[]>): Json {
  const name = l.config?.name ?? l.name;
  if (l.class_name === 'InputLayer') return { ...inputLayer(name, l.config.batch_input_shape), ...(inSequential ? {} : { inbound_nodes: [] }) };
  const entry: Json = MODELS.has(l.class_name)
    ? { ...modelEntry(l, shapes), name }
    : { module: 'keras.layers', class_name: l.class_name, config: layerConfig(l.class_name, l.config), registered_name: null, name };
  if (!inSequential) entry.inbound_nodes = (l.inbound_nodes ?? []).map((node: Json[]) => callOf(l.class_name, node, classOf, shapes));
  return entry;
}

function layerConfig(cls: string, c: Json): Json {
  const { batch_input_shape: _b, input_length: _i, implementation: _impl, ...rest } = c;
  const out: Json = { ...rest, dtype: policy };
  if (cls === 'LSTM' || cls === 'GRU') Object.assign(out, { use_cudnn: 'auto', seed: null, zero_output_for_mask: false, unit_forget_bias: true });
  if (cls === 'Embedding') out.quantization_config = null;
  for (const k of Object.keys(out)) if (/_initializer$/.test(k) && out[k]?.class_name) out[k] = keras3Object(out[k], 'keras.initializers');
  return out;
}

const keras3Object = (o: Json, module: string) => ('module' in o ? o : { module, class_name: o.class_name, config: o.config ?? {}, registered_name: null });

/** One tfjs call [[name, node, tensor, kwargs], …] as Keras 3's {args, kwargs}. */
function callOf(cls: string, node: Json[], classOf: Map<string, string>, shapes: Map<string, (number | null)[]>): Json {
  const kt = ([name, n, t]: Json[]) => ({
    class_name: '__keras_tensor__',
    config: {
      shape: [null, ...(shapes.get(t === 0 ? name : `${name}.${t}`) ?? [])],
      dtype: 'float32',
      keras_history: [name, historyNode(classOf.get(name), n), t],
    },
  });
  const tensors = node.map(kt);
  if (['LSTM', 'GRU', 'SimpleRNN'].includes(cls) && tensors.length > 1) return { args: [tensors[0]], kwargs: { initial_state: tensors.slice(1) } };
  return { args: [tensors.length === 1 ? tensors[0] : tensors], kwargs: {} };
}

/** keras_history's node index: tfjs counts a nested model's built-in node, Keras 3's serialize_node does not. */
const historyNode = (cls: string | undefined, n: number) => (cls !== undefined && MODELS.has(cls) ? n - 1 : n);
