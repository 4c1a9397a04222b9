/**
 * The one way into TensorFlow.js for our ESM modules: loaded with require(), not import.
 * Node's ESM loader, asked to import a CommonJS package, first lexes its source (and each
 * bundle it re-exports) to find the named exports: ~0.35 s for tfjs, on every command's start.
 * A require() of the same package skips the lexer and returns the same instance (one module cache),
 * so tfjs-backend-wasm, our kernels and any test that imports '@tensorflow/tfjs' directly all share
 * one engine. The types are the package's own: `tf.Tensor` etc. are the package's types.
 */
import tfjs = require('@tensorflow/tfjs');
export = tfjs;
