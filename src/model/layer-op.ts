/**
 * What one tfjs-layers layer class is to losslens: its weights in tfjs-layers' order, its
 * inference-mode forward in plain tf ops on explicit weight tensors (so θ can be differentiated
 * twice), and optionally its per-sample output shape for the architecture check. Layer families
 * live in src/model/layers/*.ts and are registered in layer-ops.ts's LAYER_OPS.
 */
import type tf from '../tf.cjs';
import type { ParamRole } from '../objective/types.js';

export interface ParamDecl {
  param: string;
  role: ParamRole;
  trainable: boolean;
  filterAxis: number | null;
}

/** Context of an output-shape check: the layer's config, its weights' shapes, and a fault naming file and layer. */
export interface ShapeContext {
  config: any;
  /** The shape of the layer's weight `param` (as matched to the manifest), or undefined. */
  weightShape(param: string): number[] | undefined;
  /** An input error "<file>: layer "<name>" (<class>): <problem>". */
  fault(problem: string): Error;
  /**
   * The shape rule of the whole checker applied to another layer (a wrapper's inner layer): the
   * node's per-sample output shape from its per-sample input shapes.
   */
  innerShape?(
    node: { name: string; className: string; config: any; inputs: string[]; weights: any[] },
    ins: number[][],
    fault: (problem: string) => Error,
  ): number[];
}

export interface LayerOp {
  params(config: any): ParamDecl[];
  forward(inputs: tf.Tensor[], w: Record<string, tf.Tensor>, config: any, where: string): tf.Tensor;
  /**
   * Per-sample output shape from the per-sample input shapes (no batch axis), refusing configs that
   * do not match the weights or inputs. Absent: the architecture check's own rules (or shape-preserving).
   */
  outputShape?(inputs: number[][], ctx: ShapeContext): number[];
}

/** Read a config field in either Keras snake_case or tfjs camelCase. */
export function cfg<T>(config: any, snake: string, fallback: T): T {
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const v = config?.[snake] ?? config?.[camel];
  return v === undefined || v === null ? fallback : (v as T);
}
