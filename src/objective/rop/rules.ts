/**
 * Every forward-over-reverse layer rule by layer class: layers.ts' (dense, conv, pooling,
 * activations, normalisation, reshaping), recurrent.ts' (SimpleRNN, LSTM, GRU) and depthwise.ts'.
 * Assembled here so that the rule files import layers.ts' helpers without a cycle; ropSupport
 * (hvp.ts) checks each layer's config against what its rule covers.
 */
import { BASE_RULES, type Rule } from './layers.js';
import { RECURRENT_RULES } from './recurrent.js';
import { depthwiseConv2D } from './depthwise.js';

export const RULES: Record<string, Rule> = { ...BASE_RULES, ...RECURRENT_RULES, DepthwiseConv2D: depthwiseConv2D };
